#include "auth/oidc_discovery.h"

#include <nlohmann/json.hpp>

#include "auth/jwt.h"

namespace satchel::auth {
namespace {

bool is_absolute_http_url(std::string_view url) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (url.starts_with(scheme) && url.size() > scheme.size() &&
        url.find_first_of(" \t\r\n") == std::string_view::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view discovery_error_description(DiscoveryError error) {
  switch (error) {
    case DiscoveryError::kNotAnObject:
      return "the discovery document is not a JSON object";
    case DiscoveryError::kIssuerMismatch:
      return "the discovery document names another issuer";
    case DiscoveryError::kMissingJwksUri:
      return "the discovery document has no jwks_uri";
    case DiscoveryError::kInvalidJwksUri:
      return "the discovery document's jwks_uri is not an absolute http or https URL";
  }
  return "the discovery document is invalid";
}

std::string discovery_url(std::string_view issuer) {
  if (issuer.ends_with('/')) issuer.remove_suffix(1);
  return std::string(issuer) + "/.well-known/openid-configuration";
}

Expected<ProviderMetadata, DiscoveryError> parse_provider_metadata(std::string_view body,
                                                                   std::string_view issuer) {
  auto document = parse_json_object(body);
  if (!document) return Unexpected(DiscoveryError::kNotAnObject);
  auto issuer_member = document->find("issuer");
  if (issuer_member == document->end() || !issuer_member->is_string() ||
      issuer_member->get<std::string>() != issuer) {
    return Unexpected(DiscoveryError::kIssuerMismatch);
  }
  auto jwks_uri = document->find("jwks_uri");
  if (jwks_uri == document->end() || !jwks_uri->is_string()) {
    return Unexpected(DiscoveryError::kMissingJwksUri);
  }
  ProviderMetadata metadata;
  metadata.issuer = std::string(issuer);
  metadata.jwks_uri = jwks_uri->get<std::string>();
  if (!is_absolute_http_url(metadata.jwks_uri)) return Unexpected(DiscoveryError::kInvalidJwksUri);
  auto algorithms = document->find("id_token_signing_alg_values_supported");
  if (algorithms != document->end() && algorithms->is_array()) {
    for (const auto& algorithm : *algorithms) {
      if (algorithm.is_string())
        metadata.signing_algorithms.push_back(algorithm.get<std::string>());
    }
  }
  return metadata;
}

}  // namespace satchel::auth
