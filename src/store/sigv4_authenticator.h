// The production Authenticator: the s3 part's SigV4 verifier, checking the
// header and presigned-query forms against the store's two access keys, and
// each key's policy.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "s3/post_policy.h"
#include "s3/verifier.h"
#include "store/authenticator.h"
#include "store/credentials.h"

namespace satchel::store {

class SigV4Authenticator final : public Authenticator {
 public:
  // Requests must be signed for this region and the service "s3". The
  // clock must outlive the authenticator.
  SigV4Authenticator(const StoreCredentials& credentials, std::string region, const Clock& clock);

  Expected<AuthenticatedCaller, AuthRejection> authenticate(
      const http::Request& request) const override;
  // Verifies the form's signature, then checks the signing key's policy
  // against the bucket and the form's key field.
  Expected<s3::VerifiedPostPolicy, AuthRejection> verify_post_policy(
      std::string_view bucket, std::span<const s3::FormField> fields) const override;
  // Applies the policy of the key that signed the request.
  Expected<void, AuthRejection> authorize(const AuthenticatedCaller& caller,
                                          const StoreAccess& access) const override;
  // Asks the signing key's policy.
  bool may_bypass_governance_retention(const AuthenticatedCaller& caller) const override;

 private:
  // The policy of the key with this id; one that denies everything for an
  // unknown id.
  const KeyPolicy& policy_of(std::string_view access_key_id) const;

  StoreCredentials credentials_;
  s3::Verifier verifier_;
  s3::PostPolicyVerifier post_verifier_;
};

}  // namespace satchel::store
