// The records of the metadata index. Plain values with no behaviour, shared by
// every back end.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace satchel::meta {

// User-defined key=value labels of an object, ordered by key. validate_tags() (object_tags.h)
// checks the rules: at most 10 tags, keys of 1 to 128 and values of 0 to 256 characters.
using ObjectTags = std::map<std::string, std::string>;

// The committed state of one stored object in the metadata index.
struct ObjectRecord {
  std::string tenant;
  // The token subject that owns the object.
  std::string owner;
  // The path inside the owner's space, such as "attachments/avatar.jpg".
  std::string name;
  // The full store key, "{tenant}/{owner}/{name}".
  std::string key;
  // The store's version id of the committed bytes. Empty for a store without versioning.
  std::string version_id;
  std::uint64_t size = 0;
  // The quoted MD5 as S3 returns it, such as "\"9e107d9d372bb6826bd81d3542a419d6\"".
  std::string etag;
  std::string content_type;
  // Lower-case hex SHA-256 of the bytes, when the client supplied one.
  std::optional<std::string> sha256;
  // 1 for the first committed write of the key, incremented by each later write, restore and
  // delete. A key that is deleted and written again continues from its last revision, so a
  // revision never names two different states of one key.
  std::int64_t revision = 0;
  SystemTime created_at{};
  SystemTime updated_at{};
  // The tags given when the upload started. A restore brings back the restored version's tags.
  ObjectTags tags;
  // When the object expires: from this time on it is neither served nor listed, and the
  // lifecycle sweeper deletes it. nullopt keeps it until someone deletes it. A restore gives
  // the new version no expiry.
  std::optional<SystemTime> expires_at;
  // When reconcile found that the store no longer has this version's bytes, so the API answers
  // 410 Gone instead of presigning a URL to nothing. nullopt while the bytes are there. The
  // next commit or restore of the key clears it.
  std::optional<SystemTime> missing_since;

  bool operator==(const ObjectRecord&) const = default;
};

// One entry of a key's version history: a committed write, a restore or a delete.
struct ObjectVersion {
  std::string tenant;
  std::string owner;
  std::string name;
  std::string key;
  // The revision this entry gave the key. Unique within the key's history.
  std::int64_t revision = 0;
  // The store's version id of the bytes, or of the delete marker for a delete. Empty for a
  // store without versioning.
  std::string version_id;
  // Size, etag and content type are 0 and empty for a delete.
  std::uint64_t size = 0;
  std::string etag;
  std::string content_type;
  std::optional<std::string> sha256;
  SystemTime committed_at{};
  // A delete marker: the object stopped existing at this revision.
  bool deleted = false;
  // For a restore, the version id that the store copied to make this version.
  std::optional<std::string> restored_from;
  // The object's tags at this version. Empty for a delete.
  ObjectTags tags;
  // When the lifecycle sweeper deleted this version's bytes from the store for good, so it can
  // no longer be restored. nullopt while the store keeps them.
  std::optional<SystemTime> purged_at;

  bool operator==(const ObjectVersion&) const = default;
};

// A restore that the store has performed: it copied version source_version_id of the key to a
// new latest version, and the metadata must now make that copy current.
struct RestoreRequest {
  std::string tenant;
  std::string key;
  // The history entry that was copied.
  std::string source_version_id;
  // The store's report on the copy: its version_id, size, etag and content_type. Other fields
  // are ignored.
  ObjectRecord observed;
  // The revision the object had when the restore started, or nullopt when the object did not
  // exist then. The restore fails with kConflict when this no longer holds.
  std::optional<std::int64_t> expected_revision;
};

enum class UploadState { kPending, kCompleted, kAborted };

// An upload that was presigned and may still be committed.
struct PendingUpload {
  // An opaque identifier chosen by the caller, unique across tenants.
  std::string id;
  std::string tenant;
  std::string owner;
  std::string name;
  std::string key;
  std::string content_type;
  std::uint64_t size = 0;
  std::optional<std::string> sha256;
  // The revision the object must still have at commit time, or nullopt to accept any.
  std::optional<std::int64_t> if_match;
  // Create-only: the commit fails if the object exists by then.
  bool if_none_match = false;
  SystemTime created_at{};
  SystemTime expires_at{};
  UploadState state = UploadState::kPending;
  // The tags the committed object gets.
  ObjectTags tags;
  // The expiry the committed object gets (ObjectRecord::expires_at), or nullopt for none. Not
  // to be confused with expires_at, the end of the time to complete the upload.
  std::optional<SystemTime> object_expires_at;

  bool operator==(const PendingUpload&) const = default;
};

// Conditions a listed object must meet besides its key prefix. An unset field matches every
// object.
struct ObjectFilter {
  // A media type such as "application/json", which also matches stored types with parameters
  // ("application/json; charset=utf-8"), or a family such as "image/*". Compared without regard
  // to ASCII case.
  std::optional<std::string> content_type;
  // Objects whose updated_at is at or after this time.
  std::optional<SystemTime> updated_since;
  // Objects whose name contains this text, compared without regard to ASCII case (other
  // letters must match exactly).
  std::optional<std::string> name_contains;
  // Objects that carry every one of these tags with exactly this value. Keys and values are
  // compared byte for byte, so case matters. Empty matches every object.
  ObjectTags tags;
  // Objects that have not expired at this time: no expires_at, or one after it.
  std::optional<SystemTime> unexpired_at;

  bool operator==(const ObjectFilter&) const = default;
};

// The current objects of one subject (owner) of a tenant, as counted by list_usage(). Older
// versions and delete markers in the store are not counted.
struct SubjectUsage {
  std::string owner;
  std::int64_t object_count = 0;
  // The sum of the objects' sizes.
  std::int64_t total_bytes = 0;

  bool operator==(const SubjectUsage&) const = default;
};

// A key that moved: requests for old_key may be sent to new_key until cut_over_at, after which
// the old key is no longer answered. Both keys belong to tenant.
struct KeyRedirect {
  std::string tenant;
  std::string old_key;
  std::string new_key;
  SystemTime cut_over_at{};
  // When the redirect was recorded (or last replaced).
  SystemTime created_at{};

  // Whether a request at time now is still redirected.
  bool is_active(SystemTime now) const { return now < cut_over_at; }

  bool operator==(const KeyRedirect&) const = default;
};

// One audit event as stored: who did what to which key, and what was decided.
struct AuditRecord {
  // Assigned by Repository::append_audit_event, larger than every id the database assigned
  // before. Ignored on append.
  std::int64_t id = 0;
  SystemTime time{};
  std::string request_id;
  std::string subject;  // empty when no token was verified
  std::string tenant;   // empty when the token's claims were not readable
  std::string action;
  std::string key;
  std::string decision;
  std::string reason;
  std::string client_address;
  std::string user_agent;

  bool operator==(const AuditRecord&) const = default;
};

// Conditions a listed audit event must meet besides its tenant. An unset field matches every
// event.
struct AuditFilter {
  std::optional<std::string> subject;
  std::optional<std::string> action;
  std::optional<SystemTime> since;  // inclusive
  std::optional<SystemTime> until;  // exclusive

  bool operator==(const AuditFilter&) const = default;
};

// One page of a keyset-paginated listing.
template <class T>
struct Page {
  std::vector<T> items;
  // An opaque cursor for the next page, or nullopt after the last page.
  std::optional<std::string> next_cursor;
};

}  // namespace satchel::meta
