#include "migrate/progress.h"

#include <gtest/gtest.h>

namespace satchel::migrate {
namespace {

ProgressSnapshot halfway() {
  return {.done_objects = 500,
          .total_objects = 1000,
          .done_bytes = 1536 * 1024,
          .total_bytes = 3 * 1024 * 1024,
          .elapsed = std::chrono::seconds(10)};
}

TEST(FormatBytes, UsesBinaryUnits) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3ULL << 30), "3.0 GiB");
}

TEST(FormatDuration, MinutesAndHours) {
  EXPECT_EQ(format_duration(std::chrono::seconds(65)), "1:05");
  EXPECT_EQ(format_duration(std::chrono::seconds(3725)), "1:02:05");
  EXPECT_EQ(format_duration(std::nullopt), "--:--");
}

TEST(EstimateTimeLeft, FromObjectRate) {
  auto left = estimate_time_left(halfway());
  ASSERT_TRUE(left);
  EXPECT_EQ(left->count(), 10);
}

TEST(EstimateTimeLeft, UnknownBeforeFirstObject) {
  ProgressSnapshot start = halfway();
  start.done_objects = 0;
  EXPECT_FALSE(estimate_time_left(start));
}

TEST(ProgressBar, ShowsCountsBytesRateAndTimeLeft) {
  EXPECT_EQ(format_progress_bar(halfway(), 10),
            "[#####.....] 500/1000 objects  1.5 MiB  50.0 objects/s  0:10 left");
}

TEST(ProgressLine, ShowsPercent) {
  EXPECT_EQ(format_progress_line(halfway()),
            "progress: 500/1000 objects (50%), 1.5 MiB, 50.0 objects/s, 0:10 left");
}

}  // namespace
}  // namespace satchel::migrate
