// OpenID Connect Discovery 1.0: where an issuer publishes its metadata, and
// the members Satchel reads from it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace satchel::auth {

enum class DiscoveryError {
  kNotAnObject,     // the body is not a JSON object
  kIssuerMismatch,  // "issuer" differs from the configured issuer
  kMissingJwksUri,  // no "jwks_uri" string
  kInvalidJwksUri,  // jwks_uri is not an absolute http or https URL
};
std::string_view discovery_error_description(DiscoveryError error);

// The provider metadata members Satchel uses.
struct ProviderMetadata {
  std::string issuer;
  std::string jwks_uri;
  // id_token_signing_alg_values_supported, empty when absent. Informational:
  // the accepted algorithms come from configuration and the keys.
  std::vector<std::string> signing_algorithms;
};

// ${issuer}/.well-known/openid-configuration, with one trailing '/' of the
// issuer removed first (OpenID Connect Discovery 1.0 section 4).
std::string discovery_url(std::string_view issuer);

// Parses a discovery document. The "issuer" member must equal the configured
// issuer exactly (section 4.3), so one provider cannot publish keys that
// another issuer's tokens are checked against.
Expected<ProviderMetadata, DiscoveryError> parse_provider_metadata(std::string_view body,
                                                                   std::string_view issuer);

}  // namespace satchel::auth
