#include "auth/jwks_cache.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace satchel::auth {
namespace {

std::string_view trim(std::string_view text) {
  const size_t start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t");
  return text.substr(start, end - start + 1);
}

bool iequals(std::string_view left, std::string_view right) {
  return left.size() == right.size() &&
         std::equal(left.begin(), left.end(), right.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// delta-seconds (RFC 9111 section 1.2.2), optionally quoted. Values too large
// for the type saturate at 2^31, as the RFC requires.
std::optional<std::chrono::seconds> parse_delta_seconds(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return std::nullopt;
  constexpr int64_t kMaxDeltaSeconds = int64_t{1} << 31;
  if (error == std::errc::result_out_of_range) return std::chrono::seconds(kMaxDeltaSeconds);
  if (error != std::errc{} || value < 0) return std::nullopt;
  return std::chrono::seconds(std::min(value, kMaxDeltaSeconds));
}

}  // namespace

std::string_view fetch_reason_name(FetchReason reason) {
  switch (reason) {
    case FetchReason::kInitial:
      return "initial";
    case FetchReason::kExpired:
      return "expired";
    case FetchReason::kUnknownKey:
      return "unknown_kid";
  }
  return "unknown";
}

std::optional<std::chrono::seconds> parse_cache_max_age(std::string_view cache_control) {
  std::optional<std::chrono::seconds> max_age;
  auto lower = [&](std::chrono::seconds value) {
    max_age = max_age ? std::min(*max_age, value) : value;
  };
  while (!cache_control.empty()) {
    const size_t comma = cache_control.find(',');
    const std::string_view directive = trim(cache_control.substr(0, comma));
    cache_control =
        comma == std::string_view::npos ? std::string_view{} : cache_control.substr(comma + 1);
    const size_t equals = directive.find('=');
    const std::string_view name = trim(directive.substr(0, equals));
    if (iequals(name, "no-store") || iequals(name, "no-cache")) {
      lower(std::chrono::seconds{0});
    } else if (iequals(name, "max-age") && equals != std::string_view::npos) {
      if (auto value = parse_delta_seconds(trim(directive.substr(equals + 1)))) lower(*value);
    }
  }
  return max_age;
}

JwksCache::JwksCache(JwksCacheSettings settings, const Clock& clock)
    : settings_(settings), clock_(clock) {}

bool JwksCache::may_start_fetch(SystemTime now) const {
  return !last_fetch_started_ || now >= *last_fetch_started_ + settings_.refetch_interval;
}

CachePlan JwksCache::start_fetch(FetchReason reason, SystemTime now) {
  in_flight_ = true;
  last_fetch_started_ = now;
  ++counters_.fetches;
  if (reason == FetchReason::kUnknownKey) ++counters_.unknown_kid_refetches;
  return {CachePlan::Step::kFetch, reason};
}

CachePlan JwksCache::plan(std::string_view kid) {
  const SystemTime now = clock_.now();
  std::lock_guard lock(mutex_);
  const bool fresh = keys_ && now < expires_at_;
  // Known means find() would return the key: in a set fresh or within max_stale.
  const bool known =
      keys_ && now < expires_at_ + settings_.max_stale && keys_->find(kid) != nullptr;
  if (fresh && known) return {};
  // Waiting on a provider whose last fetch failed would stall every request
  // for the fetch timeout, so known keys are then used as they are.
  const bool use_stale = known && last_fetch_failed_;
  if (in_flight_) return use_stale ? CachePlan{} : CachePlan{CachePlan::Step::kAwaitFetch};

  FetchReason reason = FetchReason::kUnknownKey;
  if (!keys_) {
    reason = FetchReason::kInitial;
  } else if (!fresh) {
    reason = FetchReason::kExpired;
  }
  if (!may_start_fetch(now)) {
    if (reason == FetchReason::kUnknownKey) ++counters_.refetches_suppressed;
    return {};
  }
  CachePlan planned = start_fetch(reason, now);
  if (use_stale) planned.step = CachePlan::Step::kFetchInBackground;
  return planned;
}

void JwksCache::fetch_succeeded(std::shared_ptr<const JwkSet> keys,
                                std::optional<std::chrono::seconds> max_age) {
  const SystemTime now = clock_.now();
  const std::chrono::seconds lifetime = std::clamp(max_age.value_or(settings_.default_lifetime),
                                                   settings_.min_lifetime, settings_.max_lifetime);
  std::lock_guard lock(mutex_);
  keys_ = std::move(keys);
  expires_at_ = now + lifetime;
  in_flight_ = false;
  last_fetch_failed_ = false;
}

void JwksCache::fetch_failed() {
  std::lock_guard lock(mutex_);
  ++counters_.fetch_failures;
  in_flight_ = false;
  last_fetch_failed_ = true;
}

std::shared_ptr<const Jwk> JwksCache::find(std::string_view kid) {
  const SystemTime now = clock_.now();
  std::lock_guard lock(mutex_);
  std::shared_ptr<const Jwk> key;
  if (keys_ && now < expires_at_ + settings_.max_stale) key = keys_->find(kid);
  if (!key) {
    ++counters_.misses;
    return nullptr;
  }
  ++counters_.hits;
  if (now >= expires_at_) ++counters_.stale_lookups;
  return key;
}

bool JwksCache::fetch_in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

std::optional<SystemTime> JwksCache::expires_at() const {
  std::lock_guard lock(mutex_);
  if (!keys_) return std::nullopt;
  return expires_at_;
}

JwksCacheCounters JwksCache::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace satchel::auth
