// Per-subject token buckets for the presign endpoints: each subject may make
// burst requests at once and rate_per_second on average.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"

namespace satchel::policy {

struct RateLimit {
  // Requests a subject may make at once, after being idle.
  double burst = 60;
  // Tokens added back per second.
  double rate_per_second = 5;
  // Buckets kept in memory. When full, the least recently used bucket is
  // dropped, which forgets that subject's debt: memory stays bounded at the
  // cost of a subject evicted under pressure starting again with a full
  // bucket.
  size_t max_subjects = 100'000;
};

struct RateDecision {
  bool allowed = true;
  // When denied: how long until one token is available, rounded up to whole
  // seconds for the Retry-After header.
  std::chrono::seconds retry_after{0};
};

// Thread-safe. The clock must outlive the limiter.
class RateLimiter {
 public:
  RateLimiter(RateLimit limit, const Clock& clock);

  // Takes one token from the subject's bucket, or returns how long to wait.
  RateDecision acquire(std::string_view subject);

  size_t tracked_subjects() const;

 private:
  struct Bucket {
    double tokens = 0;
    SystemTime updated{};
    std::list<std::string>::iterator recency;
  };

  const RateLimit limit_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mutex_
  std::list<std::string> recency_;                   // guarded by mutex_, most recent first
};

}  // namespace satchel::policy
