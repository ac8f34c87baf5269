// Sources of the verification keys of one trusted issuer: a fixed set (the
// development provider), or the issuer's JWKS found through OpenID Connect
// discovery and kept in a JwksCache.
#pragma once

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/http_fetch.h"
#include "auth/jwks_cache.h"
#include "auth/jwt_verifier.h"

namespace satchel::auth {

// The keys of one issuer. find() reads memory only, so the verifier's
// synchronous KeyLookup never waits. prepare() runs first, on the request's
// coroutine, and is where a token may wait for a fetch.
class KeySource {
 public:
  virtual ~KeySource() = default;

  // Makes the keys current enough to verify a token with this kid (empty
  // when the token has none). Never fails: when a fetch fails, the keys stay
  // as they were and verification decides.
  virtual asio::awaitable<void> prepare(std::string kid) = 0;

  // Returns the key for kid from memory, or nullptr.
  virtual std::shared_ptr<const Jwk> find(std::string_view kid) = 0;

  // The cache counters of a fetched key set, nullopt for a fixed one.
  virtual std::optional<JwksCacheCounters> counters() const { return std::nullopt; }
};

// A verifier lookup that reads the source's memory.
KeyLookup make_key_lookup(std::shared_ptr<KeySource> source);

// A key set that never changes.
class FixedKeySource final : public KeySource {
 public:
  explicit FixedKeySource(std::shared_ptr<const JwkSet> keys) : keys_(std::move(keys)) {}
  asio::awaitable<void> prepare(std::string) override { co_return; }
  std::shared_ptr<const Jwk> find(std::string_view kid) override { return keys_->find(kid); }

 private:
  std::shared_ptr<const JwkSet> keys_;
};

// The JWKS of an OpenID provider. The JWKS URL is the configured one, or
// else the jwks_uri of ${issuer}/.well-known/openid-configuration, which is
// looked up again after a failed JWKS fetch in case the provider moved it.
//
// A token that needs a fetch (JwksCache::plan()) waits for it. Tokens that
// arrive while that fetch is in flight wait for the same fetch instead of
// starting their own. The fetch itself runs as a separate coroutine, so it
// completes and wakes its waiters even if the request that started it goes
// away. Thread-safe.
class IssuerKeys final : public KeySource, public std::enable_shared_from_this<IssuerKeys> {
 public:
  // The clock must outlive the object.
  static std::shared_ptr<IssuerKeys> create(std::string issuer, std::optional<std::string> jwks_uri,
                                            JwksCacheSettings settings, HttpGet get,
                                            const Clock& clock);

  asio::awaitable<void> prepare(std::string kid) override;
  std::shared_ptr<const Jwk> find(std::string_view kid) override { return cache_.find(kid); }

  const std::string& issuer() const { return issuer_; }
  std::optional<JwksCacheCounters> counters() const override { return cache_.counters(); }

 private:
  using Waiter = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

  struct FetchedKeys {
    std::shared_ptr<const JwkSet> keys;
    std::optional<std::chrono::seconds> max_age;
  };

  IssuerKeys(std::string issuer, std::optional<std::string> jwks_uri, JwksCacheSettings settings,
             HttpGet get, const Clock& clock);

  // Takes self so the object outlives the coroutine from its creation on.
  static asio::awaitable<void> run_fetch(std::shared_ptr<IssuerKeys> self, FetchReason reason);
  asio::awaitable<Expected<FetchedKeys, std::string>> fetch_keys();
  asio::awaitable<Expected<std::string, std::string>> jwks_location();
  void finish_fetch(std::optional<FetchedKeys> fetched);

  const std::string issuer_;
  const std::optional<std::string> configured_jwks_uri_;
  const HttpGet get_;
  JwksCache cache_;

  // Taken around cache_.plan() with the waiter registration, and around the
  // outcome of a fetch with the wake-up, so no waiter misses its fetch.
  std::mutex mutex_;
  std::vector<std::shared_ptr<Waiter>> waiters_;    // guarded by mutex_
  std::optional<std::string> discovered_jwks_uri_;  // guarded by mutex_
};

}  // namespace satchel::auth
