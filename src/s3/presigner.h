// Presigned S3 URLs (SigV4 query authentication): the URL a browser uses to
// GET or PUT one object without credentials of its own.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/expected.h"
#include "s3/canonical_request.h"
#include "s3/credentials.h"
#include "s3/signer.h"

namespace satchel::s3 {

// The place of the bucket in the URL: the path (http://host/bucket/key),
// which the embedded store and most S3-compatible stores use, or the host
// name (http://bucket.host/key), which AWS S3 prefers.
enum class AddressingStyle { kPath, kVirtualHosted };

// A query parameter as plain text; the presigner encodes it.
struct QueryArgument {
  std::string_view name;
  std::string_view value;
};

struct PresignerConfig {
  std::string endpoint{};  // scheme://host[:port], as the browser reaches the store
  Credentials credentials{};
  std::string region{};
  std::string service = "s3";
  AddressingStyle addressing = AddressingStyle::kPath;
};

inline constexpr std::chrono::seconds kDefaultPresignExpiry{900};

struct PresignRequest {
  std::string_view method = "GET";
  std::string_view bucket{};
  // The object key as stored, not encoded. Empty for bucket operations.
  std::string_view key{};
  // Extra parameters such as versionId, uploadId, partNumber or
  // response-content-disposition.
  std::span<const QueryArgument> query{};
  // Headers the client must send with exactly these values (Content-Type,
  // Content-Length, If-None-Match, x-amz-checksum-sha256, ...). All are
  // signed. An x-amz-content-sha256 header also replaces UNSIGNED-PAYLOAD as
  // the payload hash, so the store checks the body against it.
  std::span<const Header> headers{};
  std::chrono::seconds expires = kDefaultPresignExpiry;
  SystemTime time{};
};

struct PresignedUrl {
  std::string url;
  SystemTime expires_at;
};

// Builds presigned URLs for one endpoint and one set of credentials.
// Thread-safe: one instance serves every request of the API, and the
// signing key is derived once per day.
class Presigner {
 public:
  // Rejects an endpoint that is not http(s)://host[:port] (a trailing '/'
  // is accepted). A default port (80 for http, 443 for https) is dropped,
  // because browsers leave it out of the Host header they send.
  static Expected<Presigner, SigningError> create(PresignerConfig config);

  // Returns the URL with X-Amz-Signature last. Errors: kInvalidExpiry for an
  // expiry outside 1..604800 seconds, kInvalidBucket, kReservedHeader for Host,
  // Authorization or X-Amz-Date/-Security-Token in the headers, and
  // kReservedQueryParameter for an X-Amz-* authentication parameter.
  Expected<PresignedUrl, SigningError> presign(const PresignRequest& request) const;

  // The Host header value the browser will send for path-style URLs.
  const std::string& authority() const { return authority_; }

 private:
  Presigner(std::string scheme, std::string authority, AddressingStyle addressing,
            RequestSigner signer);

  std::string scheme_;
  std::string authority_;  // host[:port], lower-case, without a default port
  AddressingStyle addressing_;
  RequestSigner signer_;
};

// Percent-encodes an object key for a URL path, keeping '/': "a+b c/ü"
// becomes "a%2Bb%20c/%C3%BC".
std::string encode_key(std::string_view key);

}  // namespace satchel::s3
