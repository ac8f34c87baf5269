// The values the storage engine reads and writes: buckets, object versions and
// the parameters of a write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "store/checksum.h"

namespace satchel::store {

// S3 bucket versioning states. A bucket starts unversioned (or enabled, for
// the default bucket) and can never return to unversioned once enabled.
enum class Versioning { kUnversioned, kEnabled, kSuspended };

// The version id S3 gives objects written while versioning is off or
// suspended. At most one such version exists per key.
inline constexpr std::string_view kNullVersionId = "null";

// S3 Object Lock retention modes. A GOVERNANCE retention may be shortened
// or removed by a key allowed to bypass it; a COMPLIANCE retention may only
// be extended.
enum class RetentionMode { kGovernance, kCompliance };

struct Retention {
  RetentionMode mode = RetentionMode::kGovernance;
  SystemTime retain_until;

  friend bool operator==(const Retention&, const Retention&) = default;
};

// The Object Lock state of one object version.
struct ObjectLock {
  std::optional<Retention> retention;
  // nullopt when no legal hold was ever set, which GetObjectLegalHold
  // reports as a missing configuration.
  std::optional<bool> legal_hold;

  friend bool operator==(const ObjectLock&, const ObjectLock&) = default;
};

// The retention a bucket gives new versions written without one: exactly
// one of days and years is positive.
struct DefaultRetention {
  RetentionMode mode = RetentionMode::kGovernance;
  int64_t days = 0;
  int64_t years = 0;

  friend bool operator==(const DefaultRetention&, const DefaultRetention&) = default;
};

// A bucket's Object Lock configuration. Once enabled it stays enabled, and
// the bucket's versioning stays enabled.
struct ObjectLockConfiguration {
  std::optional<DefaultRetention> default_retention;

  friend bool operator==(const ObjectLockConfiguration&, const ObjectLockConfiguration&) = default;
};

struct BucketInfo {
  std::string name;
  SystemTime created_at;
  Versioning versioning = Versioning::kUnversioned;
  // Set when Object Lock is enabled on the bucket.
  std::optional<ObjectLockConfiguration> object_lock;
};

// An object's additional checksum as stored: base64 of the raw checksum, and
// for a composite multipart checksum, "-N" after it.
struct StoredChecksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kCrc32;
  std::string value;
  ChecksumType type = ChecksumType::kFullObject;
};

// User metadata (x-amz-meta-* without the prefix, names in lower case) and
// the stored representation headers, in the order they were sent.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ObjectVersion {
  std::string bucket;
  std::string key;
  std::string version_id;
  bool delete_marker = false;
  bool is_latest = false;
  // Names the data file under objects/; empty for delete markers.
  std::string file_id;
  uint64_t size = 0;
  // Without quotes: the hex MD5 of the bytes, or for a multipart upload the
  // hex MD5 of the concatenated binary part MD5s followed by "-<part count>".
  std::string etag;
  std::string sha256_hex;  // hex SHA-256 of the bytes
  std::string content_type;
  HeaderList user_metadata;
  // Content-Disposition, Content-Encoding, Cache-Control, Content-Language
  // and Expires as sent on the write.
  HeaderList stored_headers;
  SystemTime last_modified;
  std::optional<StoredChecksum> checksum;
  ObjectLock lock;
  // The object tags (key, value) in the order they were set.
  HeaderList tags;
};

// A write's precondition, checked against the key's latest version in the
// same index transaction that records the new version.
struct WritePrecondition {
  // If-None-Match: *: the key must have no current object.
  bool if_none_match_any = false;
  // If-Match: the current object's ETag must be one of these (unquoted);
  // "*" matches any current object.
  std::vector<std::string> if_match;
};

struct PutRequest {
  std::string content_type = "application/octet-stream";
  HeaderList user_metadata;
  HeaderList stored_headers;
  // The declared length; the body must be exactly this long when set.
  std::optional<uint64_t> content_length;
  // Raw 16-byte MD5 from Content-MD5, checked when set.
  std::optional<std::string> expected_md5;
  // Raw 32-byte SHA-256 from x-amz-content-sha256, checked when set.
  std::optional<std::string> expected_sha256;
  // The additional checksum computed over the body and stored with it.
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  // The raw checksum the client sent for checksum_algorithm, checked when
  // set. A checksum sent as an aws-chunked trailer is set on the PendingPut
  // once the body has arrived.
  std::optional<std::string> expected_checksum;
  WritePrecondition precondition;
  // From the x-amz-object-lock-* headers. Without a retention, the bucket's
  // default retention applies.
  ObjectLock lock;
  // From x-amz-tagging, already validated.
  HeaderList tags;
};

struct DeleteResult {
  // The version removed or the delete marker created; empty when nothing was
  // removed from an unversioned bucket.
  std::string version_id;
  // True when a delete marker was created, or when the version removed by id
  // was a delete marker.
  bool delete_marker = false;
};

// ListObjects (V1 and V2): the latest version of each key, skipping keys
// whose latest version is a delete marker.
struct ListObjectsQuery {
  std::string prefix;
  // Keys that contain the delimiter after the prefix are rolled up into one
  // common prefix, up to and including the delimiter. Empty for none.
  std::string delimiter;
  // Listing starts after this key (exclusive).
  std::string marker;
  // Set for markers the store handed out (a V2 continuation token, a V1
  // NextMarker): a marker that is a common prefix then resumes after every
  // key below it, instead of listing that prefix again.
  bool marker_may_be_prefix = false;
  // Objects and common prefixes count alike.
  size_t max_keys = 1000;
};

struct ObjectListing {
  std::vector<ObjectVersion> objects;
  std::vector<std::string> common_prefixes;  // in key order, each once
  bool truncated = false;
  // The last key or common prefix returned; the marker of the next page.
  std::string next_marker;
};

// ListObjectVersions: every version and delete marker, by key and then
// newest first.
struct ListVersionsQuery {
  std::string prefix;
  std::string delimiter;
  // Listing starts after every version of key_marker, or, with
  // version_id_marker, after that version of key_marker.
  std::string key_marker;
  std::optional<std::string> version_id_marker;
  size_t max_keys = 1000;
};

struct VersionListing {
  std::vector<ObjectVersion> versions;  // is_latest is set on each
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;  // empty when the page ended on a common prefix
};

// A multipart upload in progress.
struct MultipartUpload {
  std::string upload_id;
  std::string bucket;
  std::string key;
  SystemTime initiated;
  std::string content_type = "application/octet-stream";
  HeaderList user_metadata;
  HeaderList stored_headers;
  // From x-amz-checksum-algorithm: every part gets this checksum, and the
  // object gets one of checksum_type.
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  ChecksumType checksum_type = ChecksumType::kComposite;
  // From the x-amz-object-lock-* headers; given to the completed object.
  ObjectLock lock;
  // From x-amz-tagging, already validated; given to the completed object.
  HeaderList tags;
};

struct UploadedPart {
  int part_number = 0;
  std::string file_id;
  uint64_t size = 0;
  std::string etag;      // hex MD5, without quotes
  std::string checksum;  // base64, of the upload's checksum algorithm; empty without one
  SystemTime last_modified;
};

// A part named in CompleteMultipartUpload.
struct CompletedPart {
  int part_number = 0;
  std::string etag;  // quotes removed
  // Base64 checksum of the upload's algorithm, when the client listed one.
  std::optional<std::string> checksum;
};

struct CompleteRequest {
  std::vector<CompletedPart> parts;
  WritePrecondition precondition;
  // The whole object's checksum from an x-amz-checksum-* header, as sent:
  // plain base64 for FULL_OBJECT, base64 with "-N" for COMPOSITE.
  std::optional<std::string> expected_checksum;
  // The algorithm of expected_checksum. For an upload created without one,
  // it is computed over the whole object and stored.
  std::optional<ChecksumAlgorithm> checksum_algorithm;
};

struct PartListing {
  MultipartUpload upload;
  std::vector<UploadedPart> parts;
  bool truncated = false;
  int next_part_number_marker = 0;
};

struct ListUploadsQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;
  size_t max_uploads = 1000;
};

struct UploadListing {
  std::vector<MultipartUpload> uploads;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

// One rule of a bucket's CORS configuration (PutBucketCors). Origins and
// allowed headers may contain one '*' wildcard each.
struct CorsRule {
  std::string id;
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_methods;  // GET, PUT, HEAD, POST, DELETE
  std::vector<std::string> allowed_headers;
  std::vector<std::string> expose_headers;
  std::optional<int64_t> max_age_seconds;

  friend bool operator==(const CorsRule&, const CorsRule&) = default;
};

}  // namespace satchel::store
