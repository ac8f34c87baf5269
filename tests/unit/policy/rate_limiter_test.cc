#include "policy/rate_limiter.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace satchel::policy {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class RateLimiterTest : public ::testing::Test {
 protected:
  ManualClock clock_{from_unix_seconds(1'700'000'000)};
};

TEST_F(RateLimiterTest, AllowsBurstThenRejects) {
  RateLimiter limiter({.burst = 3, .rate_per_second = 1}, clock_);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.acquire("alice").allowed) << i;
  RateDecision denied = limiter.acquire("alice");
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after, seconds{1});
}

TEST_F(RateLimiterTest, RefillsAtConfiguredRate) {
  RateLimiter limiter({.burst = 2, .rate_per_second = 0.5}, clock_);
  ASSERT_TRUE(limiter.acquire("alice").allowed);
  ASSERT_TRUE(limiter.acquire("alice").allowed);
  RateDecision denied = limiter.acquire("alice");
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after, seconds{2});
  clock_.advance(milliseconds{1999});
  EXPECT_FALSE(limiter.acquire("alice").allowed);
  clock_.advance(milliseconds{1});
  EXPECT_TRUE(limiter.acquire("alice").allowed);
}

TEST_F(RateLimiterTest, SubjectsHaveSeparateBuckets) {
  RateLimiter limiter({.burst = 1, .rate_per_second = 1}, clock_);
  EXPECT_TRUE(limiter.acquire("acme/alice").allowed);
  EXPECT_FALSE(limiter.acquire("acme/alice").allowed);
  EXPECT_TRUE(limiter.acquire("acme/bob").allowed);
}

TEST_F(RateLimiterTest, IdleBucketRefillsOnlyToBurst) {
  RateLimiter limiter({.burst = 2, .rate_per_second = 1}, clock_);
  ASSERT_TRUE(limiter.acquire("alice").allowed);
  clock_.advance(seconds{3600});
  EXPECT_TRUE(limiter.acquire("alice").allowed);
  EXPECT_TRUE(limiter.acquire("alice").allowed);
  EXPECT_FALSE(limiter.acquire("alice").allowed);
}

TEST_F(RateLimiterTest, MemoryIsBoundedByMaxSubjects) {
  RateLimiter limiter({.burst = 1, .rate_per_second = 1, .max_subjects = 2}, clock_);
  ASSERT_TRUE(limiter.acquire("a").allowed);
  ASSERT_TRUE(limiter.acquire("b").allowed);
  ASSERT_FALSE(limiter.acquire("a").allowed);  // a is now the most recent
  ASSERT_TRUE(limiter.acquire("c").allowed);   // evicts b, the least recent
  EXPECT_EQ(limiter.tracked_subjects(), 2u);
  EXPECT_FALSE(limiter.acquire("a").allowed);
  EXPECT_TRUE(limiter.acquire("b").allowed);
}

TEST_F(RateLimiterTest, ClockStepBackAddsNothing) {
  RateLimiter limiter({.burst = 1, .rate_per_second = 1}, clock_);
  ASSERT_TRUE(limiter.acquire("alice").allowed);
  clock_.advance(-seconds{60});
  EXPECT_FALSE(limiter.acquire("alice").allowed);
}

}  // namespace
}  // namespace satchel::policy
