// Verification of SigV4-signed S3 requests, as the embedded store receives
// them: the Authorization header form and the presigned query form.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "s3/auth_error.h"
#include "s3/canonical_request.h"
#include "s3/credentials.h"
#include "s3/signer.h"

namespace satchel::s3 {

// How far a request's X-Amz-Date may be from the server clock: either way
// for header authentication, as in S3, and into the future for presigned
// URLs, whose expiry bounds the past.
inline constexpr std::chrono::seconds kMaxClockSkew{15 * 60};

// The kind of payload hash in x-amz-content-sha256.
enum class PayloadMode {
  kSha256,                    // a hex SHA-256 that the body must match
  kUnsigned,                  // UNSIGNED-PAYLOAD
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

inline constexpr std::string_view kStreamingSignedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedPayloadTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedPayloadTrailer =
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

// Returns nullopt for anything but 64 lower-case hex digits or one of the
// literals above. The SigV4a (ECDSA) streaming literals are not supported.
std::optional<PayloadMode> classify_payload_hash(std::string_view value);

// True for the three STREAMING-* modes, whose body is aws-chunked.
bool is_streaming(PayloadMode mode);

// Compares the session token a request sent with its credentials in
// constant time. Returns kMissingSecurityToken, kInvalidToken (also for a
// token sent with long-term credentials), or nullopt when they agree.
std::optional<AuthError> check_session_token(const Credentials& credentials,
                                             std::optional<std::string_view> sent_token);

// Returns the credentials of an access key id, or nullopt if it is unknown.
// Called once per verified request, possibly from several threads at once.
using CredentialLookup = std::function<std::optional<Credentials>(std::string_view access_key_id)>;

struct VerifierConfig {
  // The credential scope of every request must name this region and service.
  std::string region{};
  std::string service = "s3";
  std::chrono::seconds max_clock_skew = kMaxClockSkew;
  UriOptions uri = kS3Uri;
};

enum class AuthMethod { kHeader, kQuery };

// A request whose signature checked out, with what the store needs next.
struct VerifiedRequest {
  AuthMethod method = AuthMethod::kHeader;
  std::string access_key_id;
  SigningScope scope;
  std::string amz_date;  // the signed timestamp, YYYYMMDDTHHMMSSZ
  SystemTime request_time;
  std::optional<SystemTime> expires_at;  // presigned requests only
  // The claim of x-amz-content-sha256 (UNSIGNED-PAYLOAD for a presigned
  // request without it). For kSha256 the store must hash the body and reject
  // it with kContentSha256Mismatch when it differs, since only the claim is
  // signed.
  std::string payload_hash;
  PayloadMode payload_mode = PayloadMode::kUnsigned;
  std::vector<std::string> signed_headers;  // lower-case, in SignedHeaders order
  // The request's signature and signing key: the first link and the key of
  // the aws-chunked signature chain.
  std::string seed_signature;
  SigningKey signing_key;

  bool is_signed(std::string_view header_name) const;
  std::string credential_scope() const { return scope.credential_scope(); }
};

// Verifies requests against one region and service. Thread-safe, as long as
// the lookup function is. The clock must outlive the verifier.
class Verifier {
 public:
  Verifier(VerifierConfig config, CredentialLookup lookup, const Clock& clock);

  // Checks the request and returns what it proved. The checks run in this
  // order: the form of the Authorization header or presigned query, the
  // credential scope, and the request time (skew or expiry). Then host and
  // every x-amz-* header must be signed and every signed header present.
  // Last come the payload hash claim, the access key, the session token and
  // the signature, which is compared in constant time. Query authentication
  // signs every query parameter except X-Amz-Signature.
  Expected<VerifiedRequest, AuthError> verify(const RequestView& request) const;

 private:
  struct Claim;
  Expected<VerifiedRequest, AuthError> verify_header(const RequestView& request,
                                                     std::string_view authorization) const;
  Expected<VerifiedRequest, AuthError> verify_query(const RequestView& request) const;
  Expected<VerifiedRequest, AuthError> verify_claim(const RequestView& request, Claim& claim) const;

  VerifierConfig config_;
  CredentialLookup lookup_;
  const Clock* clock_;
  std::shared_ptr<SigningKeyCache> keys_;
};

}  // namespace satchel::s3
