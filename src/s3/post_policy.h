// Browser uploads with HTTP POST (S3 POST Object): a form carries a base64
// JSON policy, signed with SigV4, whose conditions every other form field
// must meet.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "s3/auth_error.h"
#include "s3/credentials.h"
#include "s3/presigner.h"
#include "s3/signer.h"
#include "s3/verifier.h"

namespace satchel::s3 {

struct FormField {
  std::string name;
  std::string value;

  friend bool operator==(const FormField&, const FormField&) = default;
};

// The file size a policy allows, both ends included.
struct ContentLengthRange {
  uint64_t min_bytes = 0;
  uint64_t max_bytes = 0;

  friend bool operator==(const ContentLengthRange&, const ContentLengthRange&) = default;
};

struct VerifiedPostPolicy {
  std::string access_key_id;
  SigningScope scope;
  SystemTime expiration;
  // The key field as sent. Replacing "${filename}" with the name of the
  // uploaded file is the store's job.
  std::string key;
  // The store must reject a file outside this range, which it learns only
  // while reading the file.
  std::optional<ContentLengthRange> content_length_range;
};

// Verifies POST policy forms for one region and service. Thread-safe, as
// long as the lookup function is. The clock must outlive the verifier.
class PostPolicyVerifier {
 public:
  PostPolicyVerifier(VerifierConfig config, CredentialLookup lookup, const Clock& clock);

  // Checks the form fields other than the file against the bucket of the
  // request URL. Field names match in any case. In order: the required
  // fields (kInvalidPolicyField), the algorithm, the credential scope, the
  // access key and session token, the signature over the Policy field as
  // sent, the policy document (kInvalidPolicyDocument), its expiration, and
  // its conditions. Every field except Policy, X-Amz-Signature, file and
  // x-ignore-* must be named by a condition (kPolicyConditionFailed).
  Expected<VerifiedPostPolicy, AuthError> verify(std::string_view bucket,
                                                 std::span<const FormField> fields) const;

 private:
  VerifierConfig config_;
  CredentialLookup lookup_;
  const Clock* clock_;
  std::shared_ptr<SigningKeyCache> keys_;
};

// Lowercase hex of HMAC-SHA256(signing key, base64 policy): the value of
// the X-Amz-Signature form field.
std::string post_policy_signature(const SigningKey& key, std::string_view policy_base64);

struct PostPolicyCondition {
  enum class Kind { kEquals, kStartsWith };
  Kind kind = Kind::kEquals;
  std::string field;  // a form field name without '$', such as "key" or "Content-Type"
  std::string value;
};

struct PostPolicyRequest {
  std::string_view bucket{};
  std::span<const PostPolicyCondition> conditions{};
  std::optional<ContentLengthRange> content_length_range{};
  std::chrono::seconds expires = kDefaultPresignExpiry;
  SystemTime time{};
};

// Writes and signs a policy for the request. Returns the form fields the
// browser must send as they are: Policy, X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Security-Token (with temporary credentials) and
// X-Amz-Signature. The fields the conditions name (key, Content-Type, ...)
// are the caller's to add. Errors: kInvalidExpiry outside 1..604800 seconds,
// kInvalidBucket for an empty bucket.
Expected<std::vector<FormField>, SigningError> presign_post_policy(
    const RequestSigner& signer, const PostPolicyRequest& request);

}  // namespace satchel::s3
