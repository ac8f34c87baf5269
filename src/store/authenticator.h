// How the store decides who sent a request: SigV4 in the Authorization
// header or in a presigned query, checked against the store's access keys.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "http/beast.h"
#include "http/request.h"
#include "s3/post_policy.h"
#include "s3/verifier.h"
#include "store/key_policy.h"

namespace satchel::store {

struct AuthenticatedCaller {
  std::string access_key_id;
  // What the SigV4 verifier established, including the signing key that
  // aws-chunked bodies are checked with. Unset for authenticators that do
  // not verify SigV4 (tests).
  std::optional<s3::VerifiedRequest> verified;
};

// The reason a request was not authenticated, in S3 terms.
struct AuthRejection {
  std::string_view code;     // S3 error code, such as "SignatureDoesNotMatch"
  http::Status status;       // usually 403 or 400
  std::string_view message;  // a sentence without request content
  std::string_view reason;   // a snake_case label for logs
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Verifies the request's signature from its method, raw path, raw query
  // and headers. The body is not read; its x-amz-content-sha256 is checked
  // by the PUT handler while streaming. Must be thread-safe.
  virtual Expected<AuthenticatedCaller, AuthRejection> authenticate(
      const http::Request& request) const = 0;
  // Verifies the signed policy of a browser form upload (POST Object)
  // against the form fields before the file. The default rejects every
  // form. Must be thread-safe.
  virtual Expected<s3::VerifiedPostPolicy, AuthRejection> verify_post_policy(
      std::string_view bucket, std::span<const s3::FormField> fields) const;
  // Decides whether the authenticated caller may make this access, after
  // authenticate() and before the operation runs. The default allows
  // everything, for test authenticators. Must be thread-safe.
  virtual Expected<void, AuthRejection> authorize(const AuthenticatedCaller& caller,
                                                  const StoreAccess& access) const;
  // Whether x-amz-bypass-governance-retention from this caller takes effect.
  // The default allows it, for test authenticators. Must be thread-safe.
  virtual bool may_bypass_governance_retention(const AuthenticatedCaller& caller) const;
};

// The 403 AccessDenied rejection, with reason as its log label.
AuthRejection access_denied(std::string_view reason);

// The rejection for an s3 authentication error.
AuthRejection to_rejection(s3::AuthError error);

}  // namespace satchel::store
