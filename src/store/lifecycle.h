// Bucket lifecycle configuration (PutBucketLifecycleConfiguration): the
// rules, their XML document, and the pure decisions of when a rule's
// action is due for an object, a noncurrent version or a multipart upload.
// Engine::run_lifecycle_once() applies them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "store/document_error.h"
#include "store/object_lock.h"
#include "store/records.h"

namespace satchel::store {

inline constexpr size_t kMaxLifecycleRules = 1000;
inline constexpr size_t kMaxLifecycleRuleIdLength = 255;
// S3 keeps at most 100 newer noncurrent versions per rule.
inline constexpr int64_t kMaxNewerNoncurrentVersions = 100;

// The objects a rule applies to: those that meet every condition.
struct LifecycleFilter {
  // The shape the filter was written in, which GetBucketLifecycleConfiguration
  // returns: the deprecated rule-level Prefix, an empty Filter, a Filter with
  // one Prefix, Tag or size condition, or a Filter with And.
  enum class Form { kRulePrefix, kEmpty, kSingle, kAnd };
  Form form = Form::kEmpty;
  std::string prefix;
  // Tag key and value pairs the object version must all carry.
  std::vector<std::pair<std::string, std::string>> tags;
  std::optional<uint64_t> object_size_greater_than;
  std::optional<uint64_t> object_size_less_than;

  friend bool operator==(const LifecycleFilter&, const LifecycleFilter&) = default;
};

struct LifecycleRule {
  std::string id;
  bool enabled = true;
  LifecycleFilter filter;
  // Expiration of current versions: after days (rounded up to the next
  // midnight UTC) or from a date at midnight UTC. On a versioned bucket
  // expiring adds a delete marker; otherwise it removes the object.
  std::optional<int64_t> expiration_days;
  std::optional<SystemTime> expiration_date;
  // Removes a delete marker that is the only version left of its key.
  bool expired_object_delete_marker = false;
  // Removes a version noncurrent_days after it became noncurrent, keeping
  // the newer_noncurrent_versions newest noncurrent versions in any case.
  std::optional<int64_t> noncurrent_days;
  std::optional<int64_t> newer_noncurrent_versions;
  // Aborts multipart uploads this many days after initiation.
  std::optional<int64_t> abort_after_days;

  friend bool operator==(const LifecycleRule&, const LifecycleRule&) = default;
};

// Reads a LifecycleConfiguration document and validates it as S3 does. It
// needs 1 to kMaxLifecycleRules rules with unique IDs of at most 255
// characters, and a missing ID gets a random one. Each rule needs Status
// Enabled or Disabled, a Filter or a Prefix, at least one action, positive
// day counts and dates at midnight UTC. Transitions fail with 501
// NotImplemented, because the store has one storage class.
Expected<std::vector<LifecycleRule>, DocumentError> parse_lifecycle_document(std::string_view body);

// The GetBucketLifecycleConfiguration reply.
std::string lifecycle_document(const std::vector<LifecycleRule>& rules);

// The first midnight UTC at or after start plus days: S3 counts lifecycle
// days from the object's time and rounds up to the next midnight UTC.
SystemTime lifecycle_due_time(SystemTime start, int64_t days);

// Whether the rule's filter selects an object version with this key, size
// and tags: every tag of the filter must be among the version's tags.
bool lifecycle_filter_matches(const LifecycleFilter& filter, std::string_view key, uint64_t size,
                              const HeaderList& tags);

// Whether the rule expires a current version (not a delete marker) at now.
bool expiration_due(const LifecycleRule& rule, const ObjectVersion& version, SystemTime now);

// Whether the rule removes a noncurrent version at now. noncurrent_since is
// when the next newer version was written; newer_noncurrent is how many
// noncurrent versions of the key are newer than this one.
bool noncurrent_expiration_due(const LifecycleRule& rule, SystemTime noncurrent_since,
                               size_t newer_noncurrent, SystemTime now);

// Whether the rule aborts a multipart upload at now.
bool abort_upload_due(const LifecycleRule& rule, const MultipartUpload& upload, SystemTime now);

}  // namespace satchel::store
