#include "store/form_parser.h"

#include <gtest/gtest.h>

namespace satchel::store {
namespace {

constexpr std::string_view kBoundary = "----WebKitFormBoundaryX";

std::string form(std::string_view file_bytes) {
  return "------WebKitFormBoundaryX\r\n"
         "Content-Disposition: form-data; name=\"key\"\r\n\r\n"
         "uploads/${filename}\r\n"
         "------WebKitFormBoundaryX\r\n"
         "Content-Disposition: form-data; name=\"Content-Type\"\r\n\r\n"
         "image/png\r\n"
         "------WebKitFormBoundaryX\r\n"
         "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".png\"\r\n"
         "Content-Type: image/png\r\n\r\n" +
         std::string(file_bytes) +
         "\r\n------WebKitFormBoundaryX\r\n"
         "Content-Disposition: form-data; name=\"ignored\"\r\n\r\nx\r\n"
         "------WebKitFormBoundaryX--\r\n";
}

TEST(FormBoundary, ReadsQuotedAndBareBoundaries) {
  EXPECT_EQ(form_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(form_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_EQ(form_boundary("multipart/mixed; boundary=abc"), std::nullopt);
  EXPECT_EQ(form_boundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(form_boundary("multipart/form-data; boundary=" + std::string(71, 'a')), std::nullopt);
}

TEST(FormHead, ParsesFieldsBeforeFile) {
  std::string body = form("PNGDATA");
  auto head = parse_form_head(body, kBoundary, 4096);
  ASSERT_TRUE(head);
  ASSERT_TRUE(*head);
  const FormHead& parsed = **head;
  ASSERT_EQ(parsed.fields.size(), 2u);
  EXPECT_EQ(parsed.fields[0].name, "key");
  EXPECT_EQ(parsed.fields[0].value, "uploads/${filename}");
  EXPECT_EQ(parsed.fields[1].value, "image/png");
  EXPECT_EQ(parsed.file_name, "a \"b\".png");
  EXPECT_EQ(parsed.file_content_type, "image/png");
  EXPECT_EQ(body.substr(parsed.file_offset, 7), "PNGDATA");
}

TEST(FormHead, NeedsMoreBytesUntilFilePart) {
  std::string body = form("x");
  for (size_t cut : {0, 10, 60, 150}) {
    auto head = parse_form_head(std::string_view(body).substr(0, cut), kBoundary, 4096);
    ASSERT_TRUE(head) << cut;
    EXPECT_FALSE(*head) << cut;
  }
}

TEST(FormHead, ReportsMissingFileAndLimits) {
  std::string no_file = "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--b--\r\n";
  auto missing = parse_form_head(no_file, "b", 4096);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), FormError::kNoFile);

  std::string long_field =
      "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n" + std::string(5000, 'k');
  auto too_large = parse_form_head(long_field, "b", 4096);
  ASSERT_FALSE(too_large);
  EXPECT_EQ(too_large.error(), FormError::kTooLarge);

  auto malformed = parse_form_head("--b\r\nNo colon here\r\n\r\n", "b", 4096);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error(), FormError::kMalformed);
}

TEST(FormFileScanner, FindsBoundarySplitAcrossReads) {
  std::string body = form(std::string(1000, 'z') + "\r\n--not-the-boundary");
  auto head = parse_form_head(body, kBoundary, 4096);
  ASSERT_TRUE(head);
  ASSERT_TRUE(*head);
  std::string_view rest = std::string_view(body).substr((*head)->file_offset);
  for (size_t slice : {1, 3, 7, 64, 4096}) {
    FormFileScanner scanner(kBoundary);
    std::string file;
    bool done = false;
    for (size_t at = 0; at < rest.size() && !done; at += slice) {
      auto output = scanner.feed(rest.substr(at, slice));
      file += output.data;
      done = output.done;
    }
    EXPECT_TRUE(done) << slice;
    EXPECT_EQ(file, std::string(1000, 'z') + "\r\n--not-the-boundary") << slice;
  }
}

TEST(FormFileScanner, UnterminatedFileIsNotDone) {
  FormFileScanner scanner("b");
  auto output = scanner.feed("data without end");
  EXPECT_FALSE(output.done);
}

}  // namespace
}  // namespace satchel::store
