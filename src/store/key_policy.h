// What each access key of the embedded store may do. The admin key has full
// access for setup and tools; the API's key may only work on objects of one
// bucket under one key prefix, so a leaked API key cannot reconfigure the
// store or reach data outside Satchel's prefix.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "http/beast.h"
#include "http/url.h"

namespace satchel::store {

// The bucket the store creates on first start unless configured otherwise.
inline constexpr std::string_view kDefaultBucketName = "satchel";

// The part of a request that the access check looks at.
struct StoreAccess {
  enum class Kind {
    kService,        // ListBuckets
    kBucketRead,     // HeadBucket, GetBucketLocation
    kListing,        // ListObjects(V2), ListObjectVersions, ListMultipartUploads
    kObject,         // one object: read, write, delete, copy, multipart, versions
    kAdministration  // bucket creation, deletion and configuration, DeleteObjects,
                     // PutObjectRetention, PutObjectLegalHold and
                     // Get/Put/DeleteObjectTagging
  };
  struct ObjectLocation {
    std::string bucket;
    std::string key;
  };

  Kind kind = Kind::kAdministration;
  std::string bucket;  // empty for kService
  // The object key for kObject, the listed prefix for kListing.
  std::string key;
  // The x-amz-copy-source of CopyObject and UploadPartCopy. An unparsable
  // header gives an empty bucket, which no limited key may read.
  std::optional<ObjectLocation> copy_source;
};

// Classifies a request that passed path splitting and query parsing the way
// RequestHandler dispatches it. A combination the handler would reject is
// kAdministration, so only full-access keys reach its error reply.
StoreAccess describe_access(http::Verb method, std::string_view bucket, std::string_view key,
                            const http::QueryParams& query,
                            std::optional<std::string_view> copy_source_header);

class KeyPolicy {
 public:
  // Every operation on every bucket.
  static KeyPolicy full_access();
  // Object operations and listings on bucket for keys starting with
  // key_prefix (every key when empty), plus HeadBucket and
  // GetBucketLocation on bucket.
  static KeyPolicy objects_only(std::string bucket, std::string key_prefix);

  // A default-constructed policy denies every request.
  KeyPolicy() = default;

  bool is_full_access() const { return full_access_; }
  // Whether x-amz-bypass-governance-retention takes effect for this key:
  // only full-access keys may shorten, remove or ignore a GOVERNANCE
  // retention, so the API's key never can.
  bool may_bypass_governance_retention() const { return full_access_; }
  const std::string& bucket() const { return bucket_; }
  const std::string& key_prefix() const { return key_prefix_; }

  // Allows the access, or returns a snake_case reason for the denial that
  // names no key or bucket, for logs.
  Expected<void, std::string_view> check(const StoreAccess& access) const;
  // Checks a POST Object form upload to bucket with the form's key field
  // before "${filename}" is replaced. The key must start with the prefix
  // as sent, so the substitution can only change what follows the prefix.
  Expected<void, std::string_view> check_form_upload(std::string_view bucket,
                                                     std::string_view key_field) const;

  // {"access": "full"} or {"access": "objects", "bucket": ..., "key_prefix": ...}.
  nlohmann::json to_json() const;
  // Parses to_json()'s format. Errors name the member that is wrong.
  static Expected<KeyPolicy, std::string> from_json(const nlohmann::json& value);

  friend bool operator==(const KeyPolicy&, const KeyPolicy&) = default;

 private:
  Expected<void, std::string_view> check_object(std::string_view bucket,
                                                std::string_view key) const;

  bool full_access_ = false;
  std::string bucket_;
  std::string key_prefix_;
};

}  // namespace satchel::store
