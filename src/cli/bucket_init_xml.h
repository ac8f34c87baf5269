// The bucket settings `satchel bucket init` applies, as the S3 XML documents
// it writes (PutBucket*) and reads back (GetBucket*), and the comparisons
// that decide whether a setting must be written. The comparisons are
// semantic: element order, namespaces, whitespace, rule IDs and the order of
// origins, methods and headers do not matter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3/xml_reader.h"
#include "store/records.h"

namespace satchel::cli {

// Versioning (GetBucketVersioning). A bucket that was never versioned
// returns a VersioningConfiguration without Status.
enum class VersioningStatus { kNeverEnabled, kEnabled, kSuspended };

// Precondition: status is kEnabled or kSuspended.
std::string versioning_xml(VersioningStatus status);
std::optional<VersioningStatus> parse_versioning_xml(std::string_view body);
std::string_view describe(VersioningStatus status);

// One rule of a lifecycle configuration. Satchel's own rules use only the
// fields below. A rule read from the store with anything else (tag filters,
// transitions, expiration) keeps its element in `original`, so writing the
// configuration back preserves it.
struct LifecycleRule {
  std::string id;
  bool enabled = true;
  std::string prefix;         // the Filter's (or the legacy rule-level) Prefix
  bool other_filter = false;  // a Filter with tags, sizes or And
  std::optional<int64_t> abort_incomplete_upload_days;
  std::optional<int64_t> noncurrent_days;
  bool other_actions = false;  // Expiration, Transition and the like
  std::optional<s3::XmlElement> original;
};

// The IDs of Satchel's rules. A rule with one of these IDs that differs from
// the configured one is replaced.
inline constexpr std::string_view kAbortUploadsRuleId = "satchel-abort-incomplete-uploads";
inline constexpr std::string_view kNoncurrentRuleId = "satchel-noncurrent-versions";

// Satchel's rules for the whole bucket: abort multipart uploads abort_days
// after they started, and, when noncurrent_days > 0, expire versions that
// many days after they stopped being current.
std::vector<LifecycleRule> satchel_lifecycle_rules(int64_t abort_days, int64_t noncurrent_days);

std::string lifecycle_xml(const std::vector<LifecycleRule>& rules);
// Returns nullopt for a document that is not a LifecycleConfiguration or has
// a rule with a day count that is not a positive integer.
std::optional<std::vector<LifecycleRule>> parse_lifecycle_xml(std::string_view body);

// True when the current rules already do what every desired rule does (an
// enabled whole-bucket rule with the same action and day count, whatever
// its ID), and every rule with one of Satchel's IDs is a desired rule.
bool lifecycle_matches(const std::vector<LifecycleRule>& current,
                       const std::vector<LifecycleRule>& desired);
// The current rules without Satchel's IDs, followed by the desired rules.
std::vector<LifecycleRule> merge_lifecycle_rules(const std::vector<LifecycleRule>& current,
                                                 const std::vector<LifecycleRule>& desired);
// "none", or the rules one after another: "satchel-noncurrent-versions:
// noncurrent versions expire after 30 days; ...".
std::string describe(const std::vector<LifecycleRule>& rules);

// CORS. The documents are read and written by the embedded store's own
// parser and writer, so both sides of the wire agree on the format.
inline constexpr std::string_view kCorsRuleId = "satchel-presigned-urls";

// The rule browsers at origins need to PUT, GET and HEAD with presigned
// URLs: any request header, ETag and x-amz-version-id readable by scripts.
store::CorsRule satchel_cors_rule(std::vector<std::string> origins);

std::string cors_xml(const std::vector<store::CorsRule>& rules);
std::optional<std::vector<store::CorsRule>> parse_cors_xml(std::string_view body);

// True when some current rule allows the same origins, methods, headers,
// exposed headers and max age as desired, and no rule with kCorsRuleId
// allows anything else. Lists compare as sets, and header names ignore case.
bool cors_matches(const std::vector<store::CorsRule>& current, const store::CorsRule& desired);
std::vector<store::CorsRule> merge_cors_rules(const std::vector<store::CorsRule>& current,
                                              const store::CorsRule& desired);
std::string describe(const std::vector<store::CorsRule>& rules);

// Default encryption (GetBucketEncryption): the first rule's algorithm.
struct DefaultEncryption {
  std::string algorithm;   // "AES256" or "aws:kms"
  std::string kms_key_id;  // with aws:kms; empty: the account's default key

  friend bool operator==(const DefaultEncryption&, const DefaultEncryption&) = default;
};

std::string encryption_xml(const DefaultEncryption& encryption);
std::optional<DefaultEncryption> parse_encryption_xml(std::string_view body);
std::string describe(const DefaultEncryption& encryption);

// Object Lock (GetObjectLockConfiguration) and its default retention.
struct ObjectLockSettings {
  bool enabled = false;
  std::string mode;  // "" (no default retention), "GOVERNANCE" or "COMPLIANCE"
  int64_t days = 0;
  int64_t years = 0;

  friend bool operator==(const ObjectLockSettings&, const ObjectLockSettings&) = default;
};

std::string object_lock_xml(const ObjectLockSettings& settings);
std::optional<ObjectLockSettings> parse_object_lock_xml(std::string_view body);
// True when lock is enabled and, if desired has a default retention, the
// current one has the same mode and period. A current default retention is
// kept when desired has none, because removing it weakens the protection.
bool object_lock_matches(const ObjectLockSettings& current, const ObjectLockSettings& desired);
std::string describe(const ObjectLockSettings& settings);

// The Code and Message of an S3 error document; empty strings when the body
// is not one.
struct S3ErrorBody {
  std::string code;
  std::string message;
};
S3ErrorBody parse_error_xml(std::string_view body);

}  // namespace satchel::cli
