// The key cache of one token issuer: the decisions of when to fetch the
// issuer's JWKS and which keys to trust meanwhile. It does no I/O and reads
// time only from the clock passed in, so every rule is tested without a
// network or a sleep. IssuerKeys drives the actual fetches.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "auth/jwk.h"
#include "common/clock.h"

namespace satchel::auth {

// The defaults are judgement calls, not measurements: providers commonly
// send a max-age between minutes and a day, and a rotation is announced by
// publishing the new key before it signs anything.
struct JwksCacheSettings {
  // Floor on the lifetime of a fetched key set, so a provider sending
  // max-age=0 or no-store cannot make every token trigger a fetch.
  std::chrono::seconds min_lifetime{60};
  // Ceiling on the lifetime, so a key the issuer removes stops working
  // within this time even when the provider sends a longer max-age.
  std::chrono::seconds max_lifetime{24 * 3600};
  // Lifetime when the response carries no usable max-age.
  std::chrono::seconds default_lifetime{10 * 60};
  // No fetch starts within this interval of the previous one, whatever the
  // reason (unknown kid, expired set, retry after a failure). This bounds
  // the load that tokens with made-up kids can put on the provider.
  std::chrono::seconds refetch_interval{30};
  // While fetches fail, an expired key set is still used for this long
  // after its lifetime ended, so a provider outage does not sign everyone
  // out. After that its keys are no longer trusted.
  std::chrono::seconds max_stale{24 * 3600};
};

// Operator counters, monotonically increasing.
struct JwksCacheCounters {
  uint64_t fetches = 0;                // fetches started, for any reason
  uint64_t fetch_failures = 0;         // fetches that produced no key set
  uint64_t hits = 0;                   // lookups that returned a key
  uint64_t misses = 0;                 // lookups that returned no key
  uint64_t unknown_kid_refetches = 0;  // fetches started because a kid was unknown
  uint64_t refetches_suppressed = 0;   // unknown kids refused a fetch by refetch_interval
  uint64_t stale_lookups = 0;          // lookups served from an expired set
};

enum class FetchReason {
  kInitial,     // no key set was ever fetched
  kExpired,     // the key set outlived its lifetime
  kUnknownKey,  // a token names a kid the fresh set does not contain
};
std::string_view fetch_reason_name(FetchReason reason);

// The step a caller takes before verifying a token.
struct CachePlan {
  enum class Step {
    kUseCache,           // verify with the cached keys now
    kFetch,              // this caller has claimed a fetch: wait for it, then verify
    kFetchInBackground,  // this caller has claimed a fetch: start it, verify without waiting
    kAwaitFetch,         // a fetch is in flight and may bring the key: wait for it
  };
  Step step = Step::kUseCache;
  FetchReason reason = FetchReason::kInitial;  // meaningful for kFetch only
};

// Parses the max-age of a Cache-Control header value (RFC 9111 section
// 5.2.2.1). no-store and no-cache count as max-age 0. Returns nullopt when
// neither is present or the value is not a number of seconds. Repeated
// max-age directives take the smallest.
std::optional<std::chrono::seconds> parse_cache_max_age(std::string_view cache_control);

// Thread-safe: every method takes the internal mutex. The clock must outlive
// the cache.
class JwksCache {
 public:
  JwksCache(JwksCacheSettings settings, const Clock& clock);

  // Decides whether a token with this kid needs a fetch first. A kFetch or
  // kFetchInBackground result marks the fetch as in flight, so exactly one
  // caller gets it, and that caller must then call fetch_succeeded() or
  // fetch_failed().
  //
  // An expired set is refreshed before use, so a key the issuer removed stops
  // working once the lifetime ends. The exception is a set whose last fetch
  // failed: its known keys are used while a fetch runs in the background, so
  // a provider that is down or slow stalls no request.
  CachePlan plan(std::string_view kid);

  // Replaces the key set. max_age is the response's, clamped to the floor
  // and ceiling; nullopt uses default_lifetime.
  void fetch_succeeded(std::shared_ptr<const JwkSet> keys,
                       std::optional<std::chrono::seconds> max_age);
  // Keeps the current key set, which stays usable until max_stale past its
  // lifetime.
  void fetch_failed();

  // Returns the key for kid from memory, or nullptr when there is none or the
  // set is older than its lifetime plus max_stale. Never blocks on I/O.
  std::shared_ptr<const Jwk> find(std::string_view kid);

  bool fetch_in_flight() const;
  // When the current key set's lifetime ends, or nullopt before the first
  // successful fetch.
  std::optional<SystemTime> expires_at() const;
  JwksCacheCounters counters() const;
  const JwksCacheSettings& settings() const { return settings_; }

 private:
  bool may_start_fetch(SystemTime now) const;
  CachePlan start_fetch(FetchReason reason, SystemTime now);

  const JwksCacheSettings settings_;
  const Clock& clock_;

  mutable std::mutex mutex_;
  // Everything below is guarded by mutex_.
  std::shared_ptr<const JwkSet> keys_;
  SystemTime expires_at_{};
  std::optional<SystemTime> last_fetch_started_;
  bool in_flight_ = false;
  bool last_fetch_failed_ = false;
  JwksCacheCounters counters_;
};

}  // namespace satchel::auth
