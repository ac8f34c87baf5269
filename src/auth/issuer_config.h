// Configuration of the trusted token issuers: one [[auth.issuers]] table per
// issuer in the TOML configuration file, plus the [auth.jwks_cache] settings
// shared by all of them.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "auth/jwks_cache.h"
#include "auth/jws_algorithm.h"
#include "auth/jwt_verifier.h"
#include "common/expected.h"
#include "common/secret.h"

namespace satchel::auth {

// One trusted issuer. Tokens are routed to it by their "iss" claim.
struct IssuerConfig {
  // The exact "iss" of its tokens, such as "https://login.example.com/realms/staff".
  std::string issuer;
  // A token's "aud" must contain one of these. At least one is required.
  std::vector<std::string> audiences;
  // The JWKS URL. When absent, the jwks_uri of the issuer's discovery
  // document is used.
  std::optional<std::string> jwks_uri;
  // PEM certificates trusted for https discovery and JWKS fetches of this
  // issuer. Empty means the system's CA roots.
  std::filesystem::path ca_file;
  std::string subject_claim = "sub";
  std::string tenant_claim = "org";
  // Dotted path to the roles array, such as "groups" or "realm_access.roles".
  std::string roles_claim = "roles";
  // Enables HS256 for this issuer alone. Must pass check_shared_secret().
  std::optional<Secret> hs256_secret;
  // The asymmetric algorithms accepted from this issuer.
  std::vector<JwsAlgorithm> algorithms = kAsymmetricAlgorithms;
  std::chrono::seconds leeway = kDefaultLeeway;
};

// Timeout of one discovery or JWKS request.
inline constexpr std::chrono::milliseconds kDefaultKeyFetchTimeout{5000};

struct AuthConfig {
  std::vector<IssuerConfig> issuers;
  JwksCacheSettings jwks_cache;
  std::chrono::milliseconds fetch_timeout = kDefaultKeyFetchTimeout;
};

// Reads the [auth] table of a parsed configuration file:
//
//   [auth.jwks_cache]                  # optional, every key optional
//   min_lifetime_seconds = 60
//   max_lifetime_seconds = 86400
//   default_lifetime_seconds = 600
//   refetch_interval_seconds = 30
//   max_stale_seconds = 86400
//   fetch_timeout_seconds = 5
//
//   [[auth.issuers]]
//   issuer = "https://login.example.com"
//   audiences = ["satchel"]
//   jwks_uri = "https://login.example.com/keys"   # optional
//   ca_file = "/etc/satchel/issuer-ca.pem"        # optional, default the system's roots
//   subject_claim = "sub"                         # optional, these are the defaults
//   tenant_claim = "org"
//   roles_claim = "roles"
//   hs256_secret = "..."                          # optional
//   algorithms = ["RS256", "ES256"]               # optional, default all asymmetric
//   leeway_seconds = 30                           # optional
//
// A missing [auth] table gives an empty issuer list. An unknown key, a value
// of the wrong type, a repeated issuer or a bad shared secret is an error
// whose message names the key and its line, such as
// "auth.issuers[2].audiences (line 14): expected a non-empty array of strings".
Expected<AuthConfig, std::string> parse_auth_config(const toml::table& root);

// The verifier settings of one issuer.
JwtVerifierConfig make_verifier_config(const IssuerConfig& issuer);

}  // namespace satchel::auth
