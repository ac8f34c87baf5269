#include "meta/key_range.h"

#include <gtest/gtest.h>

#include <string>

namespace satchel::meta {
namespace {

TEST(PrefixUpperBound, IncrementsLastByte) {
  EXPECT_EQ(prefix_upper_bound("a/b"), std::optional<std::string>("a/c"));
}

TEST(PrefixUpperBound, IncrementsLastCodePointNotByte) {
  // U+00BF is C2 BF. Incrementing the byte would give C2 C0, which is not UTF-8.
  EXPECT_EQ(prefix_upper_bound("a\u00bf"), std::optional<std::string>("a\u00c0"));
  EXPECT_EQ(prefix_upper_bound("\u00ff"), std::optional<std::string>("\u0100"));
  EXPECT_EQ(prefix_upper_bound("x\U0001F600"), std::optional<std::string>("x\U0001F601"));
}

TEST(PrefixUpperBound, SkipsSurrogateRange) {
  // U+D7FF (ED 9F BF) is followed by U+E000 (EE 80 80), because U+D800 to U+DFFF are not
  // encodable in UTF-8.
  EXPECT_EQ(prefix_upper_bound("a\xed\x9f\xbf"), std::optional<std::string>("a\xee\x80\x80"));
}

TEST(PrefixUpperBound, CarriesOverMaximalCodePoints) {
  EXPECT_EQ(prefix_upper_bound("ab\U0010FFFF\U0010FFFF"), std::optional<std::string>("ac"));
}

TEST(PrefixUpperBound, HasNoneForEmptyPrefix) { EXPECT_EQ(prefix_upper_bound(""), std::nullopt); }

TEST(PrefixUpperBound, HasNoneForMaximalCodePointsOnly) {
  EXPECT_EQ(prefix_upper_bound("\U0010FFFF\U0010FFFF"), std::nullopt);
}

TEST(ListKeyRange, CoversPrefixWithoutCursor) {
  auto range = list_key_range("t/o/a", "");
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->lower_inclusive, "t/o/a");
  EXPECT_EQ(range->upper_exclusive, std::optional<std::string>("t/o/b"));
}

TEST(ListKeyRange, StartsRightAfterCursorKey) {
  auto range = list_key_range("t/o/", encode_list_cursor("t/o/x"));
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->lower_inclusive, std::string("t/o/x\0", 6));
  EXPECT_LT(std::string("t/o/x"), range->lower_inclusive);
  EXPECT_LE(range->lower_inclusive, std::string("t/o/x0"));
}

TEST(ListKeyRange, KeepsPrefixWhenCursorIsBeforeIt) {
  auto range = list_key_range("t/o/m", encode_list_cursor("t/o/a"));
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->lower_inclusive, "t/o/m");
}

TEST(ListKeyRange, RejectsMalformedCursor) {
  auto range = list_key_range("", "***");
  ASSERT_FALSE(range.has_value());
  EXPECT_EQ(range.error().code, MetaErrorCode::kInvalid);
}

TEST(ListKeyRange, RejectsPrefixThatIsNotUtf8) {
  auto range = list_key_range("t/o/\xc3", "");
  ASSERT_FALSE(range.has_value());
  EXPECT_EQ(range.error().code, MetaErrorCode::kInvalid);
}

TEST(ListKeyRange, RejectsPrefixWithNul) {
  auto range = list_key_range(std::string_view("t/\0", 3), "");
  ASSERT_FALSE(range.has_value());
  EXPECT_EQ(range.error().code, MetaErrorCode::kInvalid);
}

TEST(ListKeyRange, RejectsCursorOfKeyWithNul) {
  auto range = list_key_range("", encode_list_cursor(std::string_view("t/o/x\0", 6)));
  ASSERT_FALSE(range.has_value());
  EXPECT_EQ(range.error().code, MetaErrorCode::kInvalid);
}

TEST(ListKeyRange, RejectsCursorOfEmptyKey) {
  auto range = list_key_range("", "=");
  ASSERT_FALSE(range.has_value());
  EXPECT_EQ(range.error().code, MetaErrorCode::kInvalid);
}

}  // namespace
}  // namespace satchel::meta
