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
    : credentials_(credentials),
      verifier_(s3::VerifierConfig{.region = region}, make_lookup(credentials), clock),
      post_verifier_(s3::VerifierConfig{.region = std::move(region)}, make_lookup(credentials),
                     clock) {}

Expected<s3::VerifiedPostPolicy, AuthRejection> SigV4Authenticator::verify_post_policy(
    std::string_view bucket, std::span<const s3::FormField> fields) const {
  auto verified = post_verifier_.verify(bucket, fields);
  if (!verified) return Unexpected(to_rejection(verified.error()));
  auto allowed = policy_of(verified->access_key_id).check_form_upload(bucket, verified->key);
  if (!allowed) return Unexpected(access_denied(allowed.error()));
  return std::move(*verified);
}

Expected<void, AuthRejection> SigV4Authenticator::authorize(const AuthenticatedCaller& caller,
                                                            const StoreAccess& access) const {
  auto allowed = policy_of(caller.access_key_id).check(access);
  if (!allowed) return Unexpected(access_denied(allowed.error()));
  return {};
}

bool SigV4Authenticator::may_bypass_governance_retention(const AuthenticatedCaller& caller) const {
  return policy_of(caller.access_key_id).may_bypass_governance_retention();
}

const KeyPolicy& SigV4Authenticator::policy_of(std::string_view access_key_id) const {
  static const KeyPolicy kDenyAll;
  const AccessKey* key = credentials_.find(access_key_id);
  return key ? key->policy : kDenyAll;
}

Expected<AuthenticatedCaller, AuthRejection> SigV4Authenticator::authenticate(
    const http::Request& request) const {
  std::vector<s3::Header> headers;
  for (const auto& field : request.header()) {
    headers.push_back(s3::Header{field.name_string(), field.value()});
  }
  std::string_view method = http::bhttp::to_string(request.method());
  s3::RequestView view{method, request.path(), request.raw_query(), headers};
  auto verified = verifier_.verify(view);
  if (!verified) return Unexpected(to_rejection(verified.error()));
  std::string access_key_id = verified->access_key_id;
  return AuthenticatedCaller{std::move(access_key_id), std::move(*verified)};
}

}  // namespace satchel::store
