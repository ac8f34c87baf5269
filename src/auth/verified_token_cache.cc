#include "auth/verified_token_cache.h"

#include <algorithm>

#include "common/crypto.h"

namespace satchel::auth {

VerifiedTokenCache::VerifiedTokenCache(const Clock& clock, VerifiedTokenCacheSettings settings)
    : clock_(clock), settings_(settings) {}

std::optional<VerifiedToken> VerifiedTokenCache::find(std::string_view token) {
  if (settings_.capacity == 0) return std::nullopt;
  const std::string digest = sha256(token);
  const SystemTime now = clock_.now();
  std::shared_ptr<const VerifiedToken> found;
  {
    std::lock_guard lock(mutex_);
    auto it = index_.find(digest);
    if (it == index_.end()) {
      ++counters_.misses;
      return std::nullopt;
    }
    if (now >= it->second->valid_until) {
      order_.erase(it->second);
      index_.erase(it);
      ++counters_.misses;
      return std::nullopt;
    }
    order_.splice(order_.begin(), order_, it->second);
    found = it->second->token;
    ++counters_.hits;
  }
  // The copy happens outside the lock: the claims object may be large.
  return *found;
}

void VerifiedTokenCache::insert(std::string_view token, const VerifiedToken& verified) {
  if (settings_.capacity == 0) return;
  const SystemTime now = clock_.now();
  const SystemTime valid_until = std::min(verified.expiry, now + settings_.max_age);
  if (valid_until <= now) return;
  std::string digest = sha256(token);
  auto stored = std::make_shared<const VerifiedToken>(verified);

  std::lock_guard lock(mutex_);
  auto it = index_.find(digest);
  if (it != index_.end()) {
    it->second->valid_until = valid_until;
    it->second->token = std::move(stored);
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  if (order_.size() >= settings_.capacity) {
    index_.erase(order_.back().digest);
    order_.pop_back();
    ++counters_.evictions;
  }
  order_.push_front(
      Entry{.digest = digest, .valid_until = valid_until, .token = std::move(stored)});
  index_.emplace(std::move(digest), order_.begin());
}

size_t VerifiedTokenCache::size() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

VerifiedTokenCacheCounters VerifiedTokenCache::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace satchel::auth
