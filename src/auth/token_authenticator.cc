#include "auth/token_authenticator.h"

#include <algorithm>
#include <map>

#include "common/encoding.h"

namespace satchel::auth {

TrustedIssuer make_trusted_issuer(const IssuerConfig& config, const JwksCacheSettings& settings,
                                  HttpGet get, const Clock& clock) {
  return TrustedIssuer{
      .verifier = make_verifier_config(config),
      .keys = IssuerKeys::create(config.issuer, config.jwks_uri, settings, std::move(get), clock)};
}

TrustedIssuer make_fixed_issuer(std::string issuer, std::vector<std::string> audiences,
                                std::shared_ptr<const JwkSet> keys) {
  JwtVerifierConfig verifier;
  verifier.issuer = std::move(issuer);
  verifier.audiences = std::move(audiences);
  return TrustedIssuer{.verifier = std::move(verifier),
                       .keys = std::make_shared<FixedKeySource>(std::move(keys))};
}

Expected<std::shared_ptr<const TokenAuthenticator>, std::string> make_token_authenticator(
    const toml::table& document, std::vector<TrustedIssuer> fixed_issuers,
    asio::any_io_executor executor, const Clock& clock) {
  auto config = parse_auth_config(document);
  if (!config) return Unexpected(std::move(config).error());
  std::vector<TrustedIssuer> issuers = std::move(fixed_issuers);
  // One fetcher per CA file, so issuers that name the same file share its
  // TLS context. The empty path stands for the system's CA roots.
  std::map<std::filesystem::path, HttpGet> fetchers;
  for (const IssuerConfig& issuer : config->issuers) {
    for (const TrustedIssuer& existing : issuers) {
      if (existing.verifier.issuer == issuer.issuer) {
        return Unexpected("auth.issuers: issuer \"" + issuer.issuer +
                          "\" is already trusted as the development provider");
      }
    }
    auto fetcher = fetchers.find(issuer.ca_file);
    if (fetcher == fetchers.end()) {
      auto made = make_https_get(executor, config->fetch_timeout, issuer.ca_file);
      if (!made) {
        return Unexpected("auth.issuers: issuer \"" + issuer.issuer + "\": " + made.error());
      }
      fetcher = fetchers.emplace(issuer.ca_file, std::move(*made)).first;
    }
    issuers.push_back(make_trusted_issuer(issuer, config->jwks_cache, fetcher->second, clock));
  }
  return std::make_shared<const TokenAuthenticator>(std::move(issuers), clock);
}

TokenAuthenticator::TokenAuthenticator(std::vector<TrustedIssuer> issuers, const Clock& clock,
                                       VerifiedTokenCacheSettings cache)
    : verified_tokens_(std::make_unique<VerifiedTokenCache>(clock, cache)) {
  entries_.reserve(issuers.size());
  for (const TrustedIssuer& issuer : issuers) {
    entries_.push_back(
        Entry{.issuer = issuer.verifier.issuer,
              .algorithms = issuer.verifier.algorithms,
              .keys = issuer.keys,
              .verifier = JwtVerifier(issuer.verifier, make_key_lookup(issuer.keys), clock)});
  }
}

std::vector<std::pair<std::string, JwksCacheCounters>> TokenAuthenticator::key_cache_counters()
    const {
  std::vector<std::pair<std::string, JwksCacheCounters>> result;
  for (const Entry& entry : entries_) {
    if (auto counters = entry.keys->counters()) result.emplace_back(entry.issuer, *counters);
  }
  return result;
}

const TokenAuthenticator::Entry* TokenAuthenticator::find(std::string_view issuer) const {
  for (const Entry& entry : entries_) {
    if (entry.issuer == issuer) return &entry;
  }
  return nullptr;
}

std::string TokenAuthenticator::unverified_tenant(std::string_view token) const {
  auto decoded = decode_jwt(token);
  if (!decoded) return {};
  auto iss = decoded->claims.find("iss");
  if (iss == decoded->claims.end() || !iss->is_string()) return {};
  const Entry* entry = find(iss->get_ref<const std::string&>());
  if (entry == nullptr) return {};
  std::string tenant = entry->verifier.read_tenant(decoded->claims);
  if (tenant.size() > kMaxUnverifiedTenantBytes || !is_valid_utf8(tenant)) return {};
  return tenant;
}

asio::awaitable<Expected<VerifiedToken, TokenError>> TokenAuthenticator::authenticate(
    std::string token) const {
  if (auto cached = verified_tokens_->find(token)) co_return std::move(*cached);
  auto decoded = decode_jwt(token);
  if (!decoded) co_return Unexpected(decoded.error());
  auto iss = decoded->claims.find("iss");
  if (iss == decoded->claims.end() || !iss->is_string()) {
    co_return Unexpected(TokenError::kInvalidIssuer);
  }
  const Entry* entry = find(iss->get_ref<const std::string&>());
  if (entry == nullptr) co_return Unexpected(TokenError::kInvalidIssuer);

  // Only a token whose algorithm this issuer accepts may cause a key fetch;
  // the verifier rejects the others without looking at keys.
  auto algorithm = parse_jws_algorithm(decoded->alg);
  if (algorithm && std::find(entry->algorithms.begin(), entry->algorithms.end(), *algorithm) !=
                       entry->algorithms.end()) {
    co_await entry->keys->prepare(decoded->kid);
  }
  auto verified = entry->verifier.verify(token);
  if (verified) verified_tokens_->insert(token, *verified);
  co_return verified;
}

}  // namespace satchel::auth
