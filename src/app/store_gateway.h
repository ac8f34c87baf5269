// The API's view of the object store: presigned URLs for browsers, and the
// few calls the API makes itself (HEAD to check an upload, DELETE, listing
// the versions of one key). It speaks
// only the S3 protocol, so it works the same against the embedded store, Ceph
// RGW or AWS S3.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "http/beast.h"
#include "s3/version_listing.h"

namespace satchel::app {

struct PresignedRequest {
  std::string url;
  // Headers the client must send exactly as given, because they are signed.
  std::vector<std::pair<std::string, std::string>> headers;
  SystemTime expires_at;
};

// Conditions a presigned PUT binds the upload to. Every field that is set
// becomes a signed header, so the URL accepts no other bytes.
struct PutConditions {
  std::optional<std::string> content_type;
  std::optional<uint64_t> content_length;
  std::optional<std::string> sha256_hex;
  // Stored with the object as user metadata, so complete can tell this
  // upload's bytes from a later upload to the same key.
  std::optional<std::string> upload_id;
  // The upload's precondition. The gateway signs it into the URL only when
  // the store honours conditional PUT; otherwise complete enforces it alone.
  std::optional<std::string> if_match;  // the committed ETag the upload replaces
  bool if_none_match = false;           // create-only
  // Sign the configured server-side encryption headers (store.sse), so the
  // client must send them. The tutorial route leaves it off, because its
  // clients send Content-Type alone.
  bool server_side_encryption = false;
};

// The user metadata header that carries PutConditions::upload_id.
inline constexpr std::string_view kUploadIdHeader = "x-amz-meta-satchel-upload-id";

struct ObjectHead {
  uint64_t size = 0;
  std::string etag;
  std::string content_type;
  std::string version_id;
  std::string upload_id;  // from kUploadIdHeader; empty when the object has none
  // Base64 x-amz-checksum-sha256 as the store returns it; empty when the store
  // keeps no checksum or the gateway did not ask for it.
  std::string checksum_sha256;
};

// The versions of one key as ListObjectVersions reports them.
struct KeyVersions {
  // Versions and delete markers of exactly that key, newest first.
  std::vector<s3::StoreVersion> versions;
  // Whether the key has more versions than the listing's maximum. The older ones are left out.
  bool truncated = false;
};

enum class StoreErrorCode { kNotFound, kDenied, kUnavailable, kProtocol };

struct StoreError {
  StoreErrorCode code;
  std::string message;
};

class StoreGateway {
 public:
  virtual ~StoreGateway() = default;

  // Whether presign_put signs the If-Match / If-None-Match of its conditions
  // (the store honours them).
  virtual bool conditional_writes() const = 0;
  virtual PresignedRequest presign_put(const std::string& key, const PutConditions& conditions,
                                       std::chrono::seconds ttl, SystemTime now) const = 0;
  // Presigns a GET of one version; an empty version id means the latest.
  virtual PresignedRequest presign_get(const std::string& key, const std::string& version_id,
                                       std::chrono::seconds ttl, SystemTime now) const = 0;

  virtual boost::asio::awaitable<Expected<ObjectHead, StoreError>> head(const std::string& key) = 0;
  // HEAD of one version of the key, or of the latest when version_id is
  // empty.
  virtual boost::asio::awaitable<Expected<ObjectHead, StoreError>> head_version(
      const std::string& key, const std::string& version_id) = 0;
  // Deletes the latest version. On a versioned bucket this adds a delete
  // marker, so the history stays recoverable. Returns the delete marker's
  // version id, or an empty string when the store reports none.
  virtual boost::asio::awaitable<Expected<std::string, StoreError>> remove(
      const std::string& key) = 0;
  // Copies version source_version_id of key to a new latest version of the
  // same key inside the store (S3 CopyObject), and returns the head of the
  // copy. kNotFound when the store has no such version.
  virtual boost::asio::awaitable<Expected<ObjectHead, StoreError>> copy_version(
      const std::string& key, const std::string& source_version_id) = 0;
  // Reads at most max_bytes of one version of key (the latest when
  // version_id is empty), starting at first_byte, with a ranged GET. The
  // result is shorter at the end of the object, and empty for an empty
  // object or a first_byte past its end. kNotFound when the version does not
  // exist. Precondition: max_bytes > 0.
  virtual boost::asio::awaitable<Expected<std::string, StoreError>> get_range(
      const std::string& key, const std::string& version_id, uint64_t first_byte,
      uint64_t max_bytes) = 0;
  // Stores body as a new latest version of key and returns its head. A
  // non-empty upload_id is stored as kUploadIdHeader, like a presigned PUT.
  virtual boost::asio::awaitable<Expected<ObjectHead, StoreError>> put_object(
      const std::string& key, std::string body, const std::string& content_type,
      const std::string& upload_id) = 0;
  // Deletes one version of key for good (DELETE with versionId), so unlike
  // remove it leaves no delete marker and cannot be undone. The other
  // versions stay. Deleting a version that does not exist succeeds.
  // Precondition: version_id is not empty.
  virtual boost::asio::awaitable<Expected<void, StoreError>> remove_version(
      const std::string& key, const std::string& version_id) = 0;
  // Lists the versions and delete markers of exactly key, newest first, with
  // ListObjectVersions under the prefix key. Keys that only start with key
  // are left out. Reads at most max_versions entries and sets truncated when
  // the key has more. kDenied when the store denies the listing, kProtocol
  // for a reply that is not a valid ListVersionsResult.
  // Precondition: max_versions > 0.
  virtual boost::asio::awaitable<Expected<KeyVersions, StoreError>> list_key_versions(
      const std::string& key, std::size_t max_versions) = 0;
};

}  // namespace satchel::app
