#include "common/encoding.h"

#include <gtest/gtest.h>

namespace satchel {
namespace {

TEST(Base64, RoundTripsRfc4648Vectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9vYg==").value(), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE=").value(), "fooba");
}

TEST(Base64, RejectsMalformedText) {
  EXPECT_FALSE(base64_decode("Zm9vYg=").has_value());
  EXPECT_FALSE(base64_decode("Zm9v!mFy").has_value());
  EXPECT_FALSE(base64_decode("Zh==").has_value());  // non-zero leftover bits
}

TEST(Base64Url, RejectsPaddingAndStandardAlphabet) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8").value(), "\xfb\xff");
  EXPECT_FALSE(base64url_decode("-_8=").has_value());
  EXPECT_FALSE(base64url_decode("+/8").has_value());
  EXPECT_FALSE(base64url_decode("-_9").has_value());  // non-zero leftover bits
}

TEST(Hex, RoundTripsAndRejectsOddLength) {
  EXPECT_EQ(hex_encode("\x01\xab"), "01ab");
  EXPECT_EQ(hex_decode("01AB").value(), "\x01\xab");
  EXPECT_FALSE(hex_decode("abc").has_value());
  EXPECT_FALSE(hex_decode("zz").has_value());
}

TEST(UriEncode, EncodesEverythingButUnreserved) {
  EXPECT_EQ(uri_encode("a b+c/d~e"), "a%20b%2Bc%2Fd~e");
  EXPECT_EQ(uri_encode("a b+c/d~e", true), "a%20b%2Bc/d~e");
  EXPECT_EQ(uri_encode("\xc3\xbc"), "%C3%BC");
}

TEST(PercentDecode, DecodesOnceAndRejectsBadEscapes) {
  EXPECT_EQ(percent_decode("a%2Bb%2520").value(), "a+b%20");
  EXPECT_EQ(percent_decode("a+b", true).value(), "a b");
  EXPECT_EQ(percent_decode("a+b").value(), "a+b");
  EXPECT_FALSE(percent_decode("%2").has_value());
  EXPECT_FALSE(percent_decode("%zz").has_value());
}

TEST(Utf8, AcceptsValidAndRejectsOverlongOrSurrogates) {
  EXPECT_TRUE(is_valid_utf8("d\xc3\xbc.json"));
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

}  // namespace
}  // namespace satchel
