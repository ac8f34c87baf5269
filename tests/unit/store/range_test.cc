#include "store/range.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace satchel::store {
namespace {

using Kind = RangeDecision::Kind;

TEST(Range, ParsesSingleRanges) {
  auto closed = evaluate_range("bytes=2-5", 10);
  EXPECT_EQ(closed.kind, Kind::kPartial);
  EXPECT_EQ(closed.first, 2u);
  EXPECT_EQ(closed.length, 4u);
  auto open = evaluate_range("bytes=7-", 10);
  EXPECT_EQ(open.first, 7u);
  EXPECT_EQ(open.length, 3u);
  auto suffix = evaluate_range("bytes=-4", 10);
  EXPECT_EQ(suffix.first, 6u);
  EXPECT_EQ(suffix.length, 4u);
  auto clamped = evaluate_range("bytes=5-99", 10);
  EXPECT_EQ(clamped.length, 5u);
  auto spaced = evaluate_range(" Bytes=1-1 ", 10);
  EXPECT_EQ(spaced.kind, Kind::kPartial);
  EXPECT_EQ(spaced.length, 1u);
}

TEST(Range, UnsatisfiableRanges) {
  EXPECT_EQ(evaluate_range("bytes=10-", 10).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(evaluate_range("bytes=10-12", 10).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(evaluate_range("bytes=-0", 10).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(evaluate_range("bytes=0-", 0).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(evaluate_range("bytes=-5", 0).kind, Kind::kUnsatisfiable);
}

TEST(Range, IgnoredValuesSelectWholeObject) {
  for (const char* value : {"", "bytes=", "bytes=5-2", "bytes=0-1,4-5", "lines=0-1", "bytes=x-",
                            "bytes=-", "bytes=1-2-3", "bytes=99999999999999999999-"}) {
    EXPECT_EQ(evaluate_range(value, 10).kind, Kind::kWhole) << value;
  }
}

TEST(Range, IfRangeComparesStrongEtagOrExactDate) {
  auto modified = from_unix_seconds(1700000000);
  EXPECT_TRUE(if_range_allows("", "abc", modified));
  EXPECT_TRUE(if_range_allows("\"abc\"", "abc", modified));
  EXPECT_FALSE(if_range_allows("\"abd\"", "abc", modified));
  EXPECT_FALSE(if_range_allows("W/\"abc\"", "abc", modified));
  EXPECT_TRUE(if_range_allows(format_http_date(modified), "abc", modified));
  EXPECT_FALSE(
      if_range_allows(format_http_date(modified + std::chrono::seconds(1)), "abc", modified));
}

TEST(Range, FormatsContentRange) { EXPECT_EQ(content_range(2, 4, 10), "bytes 2-5/10"); }

}  // namespace
}  // namespace satchel::store
