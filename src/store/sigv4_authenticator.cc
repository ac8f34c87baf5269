#include "store/sigv4_authenticator.h"

#include <vector>

namespace satchel::store {
namespace {

s3::CredentialLookup make_lookup(const StoreCredentials& credentials) {
  return [credentials](std::string_view access_key_id) -> std::optional<s3::Credentials> {
    const AccessKey* key = credentials.find(access_key_id);
    if (!key) return std::nullopt;
    return s3::Credentials{key->access_key_id, key->secret_access_key, std::nullopt};
  };
}

}  // namespace

SigV4Authenticator::SigV4Authenticator(const StoreCredentials& credentials, std::string region,
                                       const Clock& clock)
    : verifier_(s3::VerifierConfig{.region = std::move(region)}, make_lookup(credentials), clock) {}

Expected<AuthenticatedCaller, AuthRejection> SigV4Authenticator::authenticate(
    const http::Request& request) const {
  std::vector<s3::Header> headers;
  for (const auto& field : request.header()) {
    headers.push_back(s3::Header{field.name_string(), field.value()});
  }
  std::string_view method = http::bhttp::to_string(request.method());
  s3::RequestView view{method, request.path(), request.raw_query(), headers};
  auto verified = verifier_.verify(view);
  if (!verified) {
    s3::AuthError error = verified.error();
    return Unexpected(AuthRejection{s3::s3_error_code(error),
                                    static_cast<http::Status>(s3::http_status(error)),
                                    s3::describe(error), s3::reason(error)});
  }
  std::string access_key_id = verified->access_key_id;
  return AuthenticatedCaller{std::move(access_key_id), std::move(*verified)};
}

}  // namespace satchel::store
