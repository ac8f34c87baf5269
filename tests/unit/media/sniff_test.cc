#include "media/sniff.h"

#include <gtest/gtest.h>

#include <string>

#include "test_images.h"

namespace satchel::media {
namespace {

using test_images::encode;
using test_images::gradient;

constexpr std::string_view kPdf =
    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

TEST(Sniff, MatchesEachImageFormatItsDeclaredType) {
  test_images::Image image = gradient(32, 24);
  for (auto [format, type] : {std::pair{"jpeg", "image/jpeg"}, std::pair{"png", "image/png"},
                              std::pair{"gif", "image/gif"}, std::pair{"webp", "image/webp"}}) {
    std::string bytes = encode(image.get(), format);
    SniffResult result = check_declared_type(type, bytes);
    EXPECT_EQ(result.verdict, SniffVerdict::kMatch)
        << format << " detected as " << result.detected_type;
    EXPECT_EQ(result.detected_type, type) << format;
  }
}

TEST(Sniff, RejectsPngDeclaredAsJpeg) {
  test_images::Image image = gradient(16, 16);
  SniffResult result = check_declared_type("image/jpeg", encode(image.get(), "png"));
  EXPECT_EQ(result.verdict, SniffVerdict::kMismatch);
  EXPECT_EQ(result.detected_type, "image/png");
}

TEST(Sniff, RejectsTextDeclaredAsPng) {
  SniffResult result = check_declared_type("image/png", "hello, this is plain text\n");
  EXPECT_EQ(result.verdict, SniffVerdict::kMismatch);
  EXPECT_EQ(result.detected_type, "text/plain");
}

TEST(Sniff, RejectsEmptyBodyDeclaredAsImage) {
  EXPECT_EQ(check_declared_type("image/gif", "").verdict, SniffVerdict::kMismatch);
}

TEST(Sniff, MatchesPdf) {
  SniffResult result = check_declared_type("application/pdf", kPdf);
  EXPECT_EQ(result.verdict, SniffVerdict::kMatch) << result.detected_type;
}

TEST(Sniff, RejectsHtmlDeclaredAsPdf) {
  SniffResult result =
      check_declared_type("application/pdf", "<!DOCTYPE html><html><body>x</body></html>\n");
  EXPECT_EQ(result.verdict, SniffVerdict::kMismatch);
  EXPECT_EQ(result.detected_type, "text/html");
}

TEST(Sniff, IgnoresCaseAndParametersOfDeclaredType) {
  test_images::Image image = gradient(8, 8);
  std::string png = encode(image.get(), "png");
  EXPECT_EQ(check_declared_type("Image/PNG; name=x", png).verdict, SniffVerdict::kMatch);
}

TEST(Sniff, AcceptsUtf8JsonText) {
  EXPECT_EQ(check_declared_type("application/json", "{\"name\": \"J\xc3\xbcrgen\"}\n").verdict,
            SniffVerdict::kMatch);
}

TEST(Sniff, RejectsBinaryDeclaredAsJson) {
  test_images::Image image = gradient(8, 8);
  SniffResult result = check_declared_type("application/json", encode(image.get(), "png"));
  EXPECT_EQ(result.verdict, SniffVerdict::kMismatch);
  EXPECT_EQ(result.detected_type, "image/png");
}

TEST(Sniff, RejectsInvalidUtf8DeclaredAsJson) {
  EXPECT_EQ(check_declared_type("application/json", "{\"a\": \"\xff\xfe\"}").verdict,
            SniffVerdict::kMismatch);
}

TEST(Sniff, RejectsControlCharacterInJson) {
  EXPECT_EQ(check_declared_type("application/json", std::string("{\"a\": \"\0\"}", 10)).verdict,
            SniffVerdict::kMismatch);
}

TEST(Sniff, AcceptsJsonWindowEndingInsideCharacter) {
  // "ü" is two bytes, so a window of kSniffBytes cuts the last one in half.
  std::string text = "\"" + std::string(kSniffBytes - 2, 'a') + "\xc3\xbc\"";
  EXPECT_EQ(check_declared_type("application/json", text).verdict, SniffVerdict::kMatch);
}

TEST(Sniff, LeavesOtherTypesUnchecked) {
  EXPECT_EQ(check_declared_type("text/plain", "\x89PNG").verdict, SniffVerdict::kNotChecked);
  EXPECT_EQ(check_declared_type("application/octet-stream", "x").verdict,
            SniffVerdict::kNotChecked);
}

TEST(Sniff, ChecksImagePdfAndJsonTypes) {
  EXPECT_TRUE(is_sniffed_type("image/svg+xml"));
  EXPECT_TRUE(is_sniffed_type("application/pdf"));
  EXPECT_TRUE(is_sniffed_type("application/json; charset=utf-8"));
  EXPECT_FALSE(is_sniffed_type("text/csv"));
}

}  // namespace
}  // namespace satchel::media
