#include "policy/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace satchel::policy {

RateLimiter::RateLimiter(RateLimit limit, const Clock& clock) : limit_(limit), clock_(clock) {}

RateDecision RateLimiter::acquire(std::string_view subject) {
  const SystemTime now = clock_.now();
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(subject));
  if (it == buckets_.end()) {
    if (buckets_.size() >= limit_.max_subjects && !recency_.empty()) {
      buckets_.erase(recency_.back());
      recency_.pop_back();
    }
    recency_.emplace_front(subject);
    it = buckets_.emplace(recency_.front(), Bucket{limit_.burst, now, recency_.begin()}).first;
  } else {
    recency_.splice(recency_.begin(), recency_, it->second.recency);
  }

  Bucket& bucket = it->second;
  // A clock that steps backwards adds nothing rather than taking tokens away.
  const double elapsed = std::max(0.0, std::chrono::duration<double>(now - bucket.updated).count());
  bucket.tokens = std::min(limit_.burst, bucket.tokens + elapsed * limit_.rate_per_second);
  bucket.updated = std::max(bucket.updated, now);
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  const double wait =
      limit_.rate_per_second > 0 ? (1.0 - bucket.tokens) / limit_.rate_per_second : 24.0 * 3600;
  return {false, std::chrono::seconds(static_cast<int64_t>(std::ceil(wait)))};
}

size_t RateLimiter::tracked_subjects() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace satchel::policy
