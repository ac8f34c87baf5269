// Tokens that passed verification, remembered by the SHA-256 digest of their
// text, so a client that sends the same bearer token on every request pays
// for the signature check once instead of on each request.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/jwt_verifier.h"
#include "common/clock.h"

namespace satchel::auth {

struct VerifiedTokenCacheSettings {
  // Entries kept at most; the least recently used one makes room. Zero turns
  // the cache off.
  size_t capacity = 4096;
  // How long an entry is trusted after its verification, even when the
  // token's exp is later. A key that the issuer removes from its JWKS stops
  // verifying new tokens once the JWKS cache lets it go, and this bounds how
  // much longer tokens verified earlier with that key are still accepted.
  std::chrono::seconds max_age{60};
};

struct VerifiedTokenCacheCounters {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;  // entries dropped to make room, not expired ones
};

// Thread-safe. The clock must outlive the cache.
//
// The key is a SHA-256 digest rather than a cheaper hash because a hit skips
// the signature check: finding a second token with the same key as a cached
// one would mean finding a SHA-256 collision. The cache stores no token text.
class VerifiedTokenCache {
 public:
  VerifiedTokenCache(const Clock& clock, VerifiedTokenCacheSettings settings = {});

  // Returns the claims stored for exactly this token text, or nullopt when
  // there are none or they are no longer valid: from the token's expiry on
  // (the verifier's leeway is not applied here), or max_age after insert().
  std::optional<VerifiedToken> find(std::string_view token);

  // Stores the result of a successful verification of token. A token that
  // has already expired is not stored.
  void insert(std::string_view token, const VerifiedToken& verified);

  size_t size() const;
  VerifiedTokenCacheCounters counters() const;

 private:
  struct Entry {
    std::string digest;
    SystemTime valid_until;
    std::shared_ptr<const VerifiedToken> token;
  };
  using Order = std::list<Entry>;

  const Clock& clock_;
  const VerifiedTokenCacheSettings settings_;
  mutable std::mutex mutex_;
  Order order_;                                             // guarded by mutex_, most recent first
  std::unordered_map<std::string, Order::iterator> index_;  // guarded by mutex_
  VerifiedTokenCacheCounters counters_;                     // guarded by mutex_
};

}  // namespace satchel::auth
