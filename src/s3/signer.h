// SigV4 signing (AWS Signature Version 4, HMAC-SHA256): signing key
// derivation and its cache, the string to sign, and signers that turn a
// request into an Authorization header or a presigned query.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "common/secret.h"
#include "s3/canonical_request.h"
#include "s3/credentials.h"

namespace satchel::s3 {

inline constexpr std::string_view kSigningAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// X-Amz-Expires must lie in this range: SigV4 presigned URLs live at most
// seven days.
inline constexpr std::chrono::seconds kMinPresignExpiry{1};
inline constexpr std::chrono::seconds kMaxPresignExpiry{604800};

// Reasons a request cannot be signed. All are caller mistakes, found before
// any signing work.
enum class SigningError {
  kInvalidExpiry,           // expires outside kMinPresignExpiry..kMaxPresignExpiry
  kInvalidEndpoint,         // not http(s)://host[:port] without path, query or user info
  kInvalidBucket,           // empty bucket name, or one that cannot be a DNS label
  kReservedHeader,          // the caller passed Host, Authorization or an X-Amz-* auth header
  kReservedQueryParameter,  // the caller passed an X-Amz-* authentication parameter
};
std::string_view describe(SigningError error);

// A derived SigV4 signing key: HMAC chain over "AWS4" + secret, then date,
// region, service and "aws4_request". It has no formatter, so it cannot be
// logged by accident.
class SigningKey {
 public:
  static constexpr size_t kSize = 32;

  SigningKey() = default;
  // Precondition: bytes.size() == kSize.
  explicit SigningKey(std::string_view bytes);

  std::string_view bytes() const { return {bytes_.data(), bytes_.size()}; }

 private:
  std::array<char, kSize> bytes_{};
};

SigningKey derive_signing_key(const Secret& secret_access_key, const SigningScope& scope);

// The scope of a request made at this time: its UTC day, region and service.
SigningScope scope_at(SystemTime time, std::string_view region, std::string_view service);

// Signing keys by access key id and scope, so a hot path derives each key
// once a day instead of running four HMACs per signature. An entry whose
// secret differs (a rotated key) is derived again. Thread-safe.
class SigningKeyCache {
 public:
  static constexpr size_t kDefaultCapacity = 64;

  explicit SigningKeyCache(size_t capacity = kDefaultCapacity);
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;

  // Returns the key for these credentials and scope, deriving it on a miss.
  // When full, a miss replaces the entries in round-robin order.
  SigningKey get(const Credentials& credentials, const SigningScope& scope);

 private:
  struct Entry {
    std::string access_key_id;
    Secret secret_access_key;
    SigningScope scope;
    SigningKey key;
  };

  const size_t capacity_;
  std::mutex mutex_;
  std::vector<Entry> entries_;  // guarded by mutex_
  size_t next_replaced_ = 0;    // guarded by mutex_
};

// "AWS4-HMAC-SHA256" \n amz_date \n credential scope \n hex(SHA-256(canonical request))
std::string string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request);

// Lowercase hex of HMAC-SHA256(signing key, string to sign).
std::string signature_hex(const SigningKey& key, std::string_view string_to_sign);

struct OwnedHeader {
  std::string name;
  std::string value;

  friend bool operator==(const OwnedHeader&, const OwnedHeader&) = default;
};

struct HeaderSigningOptions {
  // Hex SHA-256 of the body, kUnsignedPayload or a STREAMING-* literal.
  std::string_view payload_hash = kEmptyPayloadSha256;
  // Add and sign X-Amz-Content-Sha256 with the payload hash. S3 requires it;
  // other services do not.
  bool add_content_sha256 = true;
  // Sign X-Amz-Security-Token. When false it is added after signing, as a few
  // non-S3 services require.
  bool sign_security_token = true;
  UriOptions uri = kS3Uri;
};

struct HeaderSignature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
  // Headers to add to the request, in this order: X-Amz-Date,
  // x-amz-content-sha256 (when requested), X-Amz-Security-Token (when the
  // credentials have one) and Authorization.
  std::vector<OwnedHeader> headers;
};

struct QuerySigningOptions {
  std::chrono::seconds expires{3600};
  // Hex SHA-256 of the body or kUnsignedPayload, which S3 presigned URLs use.
  std::string_view payload_hash = kUnsignedPayload;
  // Sign X-Amz-Security-Token. When false it is appended after signing.
  bool sign_security_token = true;
  UriOptions uri = kS3Uri;
};

struct QuerySignature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
  // The complete query for the URL: the request's own parameters and the
  // X-Amz-* ones in canonical order and encoding, then X-Amz-Signature.
  std::string query;
};

// Signs requests with one set of credentials for one region and service.
// Thread-safe. Copies share one SigningKeyCache.
class RequestSigner {
 public:
  RequestSigner(Credentials credentials, std::string region, std::string service);

  // Signs every header of the request, which must include Host, plus the
  // ones it adds. The request's own Authorization and X-Amz-Date headers are
  // ignored, and so are x-amz-content-sha256 when add_content_sha256 is set
  // and X-Amz-Security-Token when the credentials have a session token,
  // because the result replaces them.
  HeaderSignature sign_headers(const RequestView& request, SystemTime time,
                               const HeaderSigningOptions& options = {}) const;

  // Signs the request as a presigned query: every header of the request is
  // signed (it needs at least Host), and the authentication goes into the
  // query. Rejects an expiry outside 1..604800 seconds and a query that
  // already has X-Amz-* authentication parameters.
  Expected<QuerySignature, SigningError> sign_query(const RequestView& request, SystemTime time,
                                                    const QuerySigningOptions& options) const;

  SigningKey signing_key(const SigningScope& scope) const;
  SigningScope scope_at(SystemTime time) const;

  const Credentials& credentials() const { return credentials_; }
  const std::string& region() const { return region_; }
  const std::string& service() const { return service_; }

 private:
  Credentials credentials_;
  std::string region_;
  std::string service_;
  std::shared_ptr<SigningKeyCache> keys_;
};

// The X-Amz-* parameters of a presigned request, all but X-Amz-Signature, in
// canonical encoding. The session token is included when given.
std::vector<QueryParameter> presign_parameters(
    std::string_view access_key_id, std::string_view credential_scope, std::string_view amz_date,
    std::chrono::seconds expires, std::string_view signed_headers, const Secret* session_token);

// True for the names a presigned query reserves for authentication
// (X-Amz-Algorithm, X-Amz-Credential, ... in any case).
bool is_presign_parameter(std::string_view name);

}  // namespace satchel::s3
