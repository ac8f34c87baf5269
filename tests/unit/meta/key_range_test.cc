#include "meta/key_range.h"

#include <gtest/gtest.h>

#include <string>

namespace satchel::meta {
namespace {

TEST(PrefixUpperBound, IncrementsLastByte) {
  EXPECT_EQ(prefix_upper_bound("a/b"), std::optional<std::string>("a/c"));
}

TEST(PrefixUpperBound, CarriesOverMaximalBytes) {
  EXPECT_EQ(prefix_upper_bound("ab\xff\xff"), std::optional<std::string>("ac"));
}

TEST(PrefixUpperBound, HasNoneForEmptyPrefix) { EXPECT_EQ(prefix_upper_bound(""), std::nullopt); }

TEST(PrefixUpperBound, HasNoneForMaximalBytesOnly) {
  EXPECT_EQ(prefix_upper_bound("\xff\xff"), std::nullopt);
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

TEST(ListKeyRange, RejectsCursorOfEmptyKey) {
  auto range = list_key_range("", "=");
  ASSERT_FALSE(range.has_value());
  EXPECT_EQ(range.error().code, MetaErrorCode::kInvalid);
}

}  // namespace
}  // namespace satchel::meta
