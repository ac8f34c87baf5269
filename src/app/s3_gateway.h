// StoreGateway over the S3 protocol: SigV4 presigned URLs for browsers and
// header-signed HEAD and DELETE calls from the API, path-style. Each call
// carries the W3C traceparent of the request being served, and is counted in
// the satchel_store_client_* metrics.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "app/store_capabilities.h"
#include "app/store_gateway.h"
#include "http/client.h"
#include "http/url.h"
#include "s3/credentials.h"
#include "s3/presigner.h"
#include "s3/signer.h"

namespace satchel::app {

struct S3Endpoint {
  http::Url url;  // scheme://host[:port] of the store, as browsers reach it
  std::string bucket;
  std::string region = "us-east-1";
  s3::Credentials credentials;
  // Server-side encryption that presigned PUTs with
  // PutConditions::server_side_encryption sign: "" (none), "AES256" or
  // "aws:kms", with the KMS key id for aws:kms (empty: the store's default).
  std::string sse;
  std::string sse_kms_key_id;
};

// The parameters of one ListObjectVersions page, unencoded. Empty fields are left out.
struct ListVersionsRequest {
  std::string prefix;
  std::string delimiter;
  // The key-marker and version-id-marker of the previous page's
  // NextKeyMarker and NextVersionIdMarker, empty for the first page.
  std::string key_marker;
  std::string version_id_marker;
  std::size_t max_keys = 1000;
};

class S3Gateway final : public StoreGateway {
 public:
  // Fails with a message when the endpoint cannot be presigned for. The
  // clock must outlive the gateway.
  static Expected<std::unique_ptr<S3Gateway>, std::string> create(
      S3Endpoint endpoint, http::asio::any_io_executor executor, const Clock& clock,
      http::ClientOptions client_options = {});

  PresignedRequest presign_put(const std::string& key, const PutConditions& conditions,
                               std::chrono::seconds ttl, SystemTime now) const override;
  PresignedRequest presign_get(const std::string& key, const std::string& version_id,
                               std::chrono::seconds ttl, SystemTime now) const override;

  http::asio::awaitable<Expected<ObjectHead, StoreError>> head(const std::string& key) override;
  http::asio::awaitable<Expected<ObjectHead, StoreError>> head_version(
      const std::string& key, const std::string& version_id) override;
  http::asio::awaitable<Expected<std::string, StoreError>> remove(const std::string& key) override;
  http::asio::awaitable<Expected<ObjectHead, StoreError>> copy_version(
      const std::string& key, const std::string& source_version_id) override;
  // Copies version source_version_id of source_key to a new latest version
  // of key inside the store (S3 CopyObject, user metadata copied), and
  // returns the head of the copy. kNotFound when the source version does not
  // exist.
  http::asio::awaitable<Expected<ObjectHead, StoreError>> copy_from(
      const std::string& source_key, const std::string& source_version_id, const std::string& key);
  http::asio::awaitable<Expected<std::string, StoreError>> get_range(const std::string& key,
                                                                     const std::string& version_id,
                                                                     uint64_t first_byte,
                                                                     uint64_t max_bytes) override;
  http::asio::awaitable<Expected<ObjectHead, StoreError>> put_object(
      const std::string& key, std::string body, const std::string& content_type,
      const std::string& upload_id) override;
  http::asio::awaitable<Expected<void, StoreError>> remove_version(
      const std::string& key, const std::string& version_id) override;
  http::asio::awaitable<Expected<KeyVersions, StoreError>> list_key_versions(
      const std::string& key, std::size_t max_versions) override;

  // Sends one ListObjectVersions request for the bucket and returns the
  // ListVersionsResult XML document as the store sent it. kDenied for 403,
  // kNotFound when the bucket does not exist, kProtocol for other statuses.
  http::asio::awaitable<Expected<std::string, StoreError>> list_object_versions(
      const ListVersionsRequest& page);

  // Checks that the store answers a signed HEAD of the bucket, for /readyz.
  // A 403 counts as reachable, because a key limited to its prefix may not
  // read the bucket itself. Fails with a message otherwise.
  http::asio::awaitable<Expected<void, std::string>> probe();

  // The status and headers of one signed object request, for the capability
  // probe.
  struct ObjectReply {
    unsigned status = 0;
    std::string etag;
    std::string version_id;
    std::string checksum_sha256;
  };
  // Sends a signed request for key with body (SHA-256 signed as the payload
  // hash) and extra_headers signed. query is sent as given (already encoded).
  http::asio::awaitable<Expected<ObjectReply, StoreError>> send_object_request(
      http::Verb method, const std::string& key, std::span<const s3::Header> extra_headers = {},
      std::string_view query = {}, std::string body = {});

  // Not thread-safe: set the capabilities before the API serves requests,
  // and never again.
  void set_capabilities(StoreCapabilities capabilities) { capabilities_ = capabilities; }
  const StoreCapabilities& capabilities() const { return capabilities_; }
  bool conditional_writes() const override { return capabilities_.conditional_writes; }

 private:
  S3Gateway(S3Endpoint endpoint, s3::Presigner presigner, http::asio::any_io_executor executor,
            const Clock& clock, http::ClientOptions client_options);

  std::string object_path(const std::string& key) const;
  // Adds the x-amz-server-side-encryption headers of endpoint_.sse, if any,
  // which the store's writes of new versions then carry.
  void add_encryption_headers(std::vector<s3::Header>& headers) const;
  // Signs and sends a bodiless request to path. operation names the call in
  // metrics and logs ("head_object"). query is sent and signed as given
  // (already encoded), and extra_headers are sent and signed beside host.
  // A body is sent with its SHA-256 as the signed payload hash.
  http::asio::awaitable<Expected<http::Response, StoreError>> send_signed(
      http::Verb method, const std::string& path, std::string_view operation,
      std::string_view query = {}, std::span<const s3::Header> extra_headers = {},
      std::string body = {});
  S3Endpoint endpoint_;
  std::string authority_;
  const Clock& clock_;
  s3::Presigner presigner_;
  s3::RequestSigner signer_;
  http::Client client_;
  StoreCapabilities capabilities_;
};

}  // namespace satchel::app
