// Bearer token authentication across several trusted issuers, such as the
// company's provider and a CI workload identity provider, each with its own
// keys and claim mapping.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/issuer_config.h"
#include "auth/issuer_keys.h"
#include "auth/jwt_verifier.h"
#include "auth/verified_token_cache.h"

namespace satchel::auth {

struct TrustedIssuer {
  JwtVerifierConfig verifier;
  std::shared_ptr<KeySource> keys;
};

// Builds the trusted issuer of one configuration entry, with keys fetched
// through discovery or the configured jwks_uri.
TrustedIssuer make_trusted_issuer(const IssuerConfig& config, const JwksCacheSettings& settings,
                                  HttpGet get, const Clock& clock);

// A trusted issuer whose keys never change, such as the development
// provider: its tokens must carry one of audiences.
TrustedIssuer make_fixed_issuer(std::string issuer, std::vector<std::string> audiences,
                                std::shared_ptr<const JwkSet> keys);

// unverified_tenant() ignores longer values, so forged tokens cannot fill
// the audit log with large strings.
inline constexpr size_t kMaxUnverifiedTenantBytes = 256;

// Thread-safe. The issuers are fixed at construction, and only the cache of
// verified tokens changes afterwards. The clock must outlive it.
class TokenAuthenticator {
 public:
  TokenAuthenticator(std::vector<TrustedIssuer> issuers, const Clock& clock,
                     VerifiedTokenCacheSettings cache = {});

  // Verifies a bearer token. The "iss" claim is read before the signature is
  // checked, only to pick the issuer whose verifier then checks everything,
  // "iss" included. A token of an untrusted issuer fails with
  // kInvalidIssuer and never causes a fetch. For an asymmetric algorithm the
  // issuer accepts, the issuer's keys are prepared first, which may wait for
  // a rate-limited JWKS fetch when the kid is unknown or the keys expired.
  // A token that passed these checks before is returned from the cache of
  // verified tokens until its exp or the cache's max_age, whichever is first.
  asio::awaitable<Expected<VerifiedToken, TokenError>> authenticate(std::string token) const;

  size_t issuer_count() const { return entries_.size(); }

  // The tenant of a token that failed verification, read without checking
  // its signature with the claim mapping of the trusted issuer its "iss"
  // names. Empty when the token cannot be decoded, its issuer is not
  // trusted, or the claim is missing, not a string, not UTF-8 or longer than
  // kMaxUnverifiedTenantBytes. For audit events only: anyone can forge it.
  std::string unverified_tenant(std::string_view token) const;

  // The JWKS cache counters of every issuer whose keys are fetched, for the
  // metrics endpoint: pairs of issuer and counters.
  std::vector<std::pair<std::string, JwksCacheCounters>> key_cache_counters() const;

  VerifiedTokenCacheCounters verified_token_cache_counters() const {
    return verified_tokens_->counters();
  }

 private:
  struct Entry {
    std::string issuer;
    std::vector<JwsAlgorithm> algorithms;
    std::shared_ptr<KeySource> keys;
    JwtVerifier verifier;
  };

  const Entry* find(std::string_view issuer) const;

  std::vector<Entry> entries_;
  // A pointer, so that authenticate() can stay const while the cache changes.
  std::unique_ptr<VerifiedTokenCache> verified_tokens_;
};

// Builds the authenticator of `satchel serve`: the fixed issuers first (the
// development provider, when enabled), then every [[auth.issuers]] entry of
// the configuration document, whose keys are fetched on executor. Fails with
// the message of parse_auth_config() for an invalid [auth] table, or when an
// issuer is both fixed and configured.
Expected<std::shared_ptr<const TokenAuthenticator>, std::string> make_token_authenticator(
    const toml::table& document, std::vector<TrustedIssuer> fixed_issuers,
    asio::any_io_executor executor, const Clock& clock);

}  // namespace satchel::auth
