// The values the storage engine reads and writes: buckets, object versions and
// the parameters of a write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace satchel::store {

// S3 bucket versioning states. A bucket starts unversioned (or enabled, for
// the default bucket) and can never return to unversioned once enabled.
enum class Versioning { kUnversioned, kEnabled, kSuspended };

// The version id S3 gives objects written while versioning is off or
// suspended. At most one such version exists per key.
inline constexpr std::string_view kNullVersionId = "null";

struct BucketInfo {
  std::string name;
  SystemTime created_at;
  Versioning versioning = Versioning::kUnversioned;
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
  std::string etag;        // hex MD5 of the bytes, without quotes
  std::string sha256_hex;  // hex SHA-256 of the bytes
  std::string content_type;
  HeaderList user_metadata;
  // Content-Disposition, Content-Encoding, Cache-Control, Content-Language
  // and Expires as sent on the write.
  HeaderList stored_headers;
  SystemTime last_modified;
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
  WritePrecondition precondition;
};

struct DeleteResult {
  // The version removed or the delete marker created; empty when nothing was
  // removed from an unversioned bucket.
  std::string version_id;
  // True when a delete marker was created, or when the version removed by id
  // was a delete marker.
  bool delete_marker = false;
};

}  // namespace satchel::store
