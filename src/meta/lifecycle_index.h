// The queries of the lifecycle sweeper, which reads across all tenants. Kept apart from
// Repository, because no request handler may run them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/records.h"

namespace satchel::meta {

class Repository;

// The position after which list_noncurrent_versions() continues: the last entry of the previous
// page. Empty tenant for the first page.
struct VersionPosition {
  std::string tenant;
  std::string key;
  std::int64_t revision = 0;

  bool operator==(const VersionPosition&) const = default;
};

// The rules that select noncurrent versions whose bytes may be deleted. A version is noncurrent
// from the time the next entry of its key's history (a newer write, restore or delete) was
// committed. A rule left unset does not select anything.
struct NoncurrentVersionRules {
  // Versions that became noncurrent at or before this time.
  std::optional<SystemTime> noncurrent_before;
  // Versions that have at least this many newer noncurrent versions with bytes in the store.
  std::optional<std::int64_t> newer_noncurrent_at_least;
};

// Like Repository, every call is synchronous, may block, and is thread-safe. limit is clamped
// to 1..kMaxListLimit.
class LifecycleIndex {
 public:
  virtual ~LifecycleIndex() = default;

  // Lists the objects of every tenant whose expires_at <= now, soonest expiry first.
  virtual Expected<std::vector<ObjectRecord>, MetaError> list_expired_objects(
      SystemTime now, std::size_t limit) = 0;

  // Sets the expiry of tenant's object at key, and returns the updated record. Fails with
  // kNotFound when the object does not exist, and with kConflict (current set) when it is no
  // longer at expected_revision. The revision and the history do not change.
  virtual Expected<ObjectRecord, MetaError> set_object_expiry(
      std::string_view tenant, std::string_view key, std::int64_t expected_revision,
      std::optional<SystemTime> expires_at) = 0;

  // Lists the uploads of every tenant that the sweeper has work on, each group oldest first.
  // First come those still kPending that were created before created_before. Then come those
  // kAborted whose store clean-up is not marked finished (mark_upload_store_cleaned), whatever
  // their age, so a clean-up that keeps failing never delays the abort of newer uploads.
  virtual Expected<std::vector<PendingUpload>, MetaError> list_uploads_to_sweep(
      SystemTime created_before, std::size_t limit) = 0;

  // Records that the store clean-up of tenant's aborted upload finished, so
  // list_uploads_to_sweep() no longer returns it. The time stored is now rounded down to the
  // microsecond, and marking a marked upload again keeps its first time. kNotFound when there is
  // no such upload, and kConflict when it is not kAborted.
  virtual Expected<void, MetaError> mark_upload_store_cleaned(std::string_view tenant,
                                                              std::string_view id,
                                                              SystemTime now) = 0;

  // Lists the history entries after position, in (tenant, key, revision) order, that are
  // noncurrent, have bytes in the store (not a delete marker, not purged, a non-empty version
  // id) and match at least one of rules. An entry is never selected while it is the newest of
  // its key. An empty result ends the walk.
  //
  // NOTE: each call reads the whole history table with window functions, so its cost grows with
  // the number of versions of all tenants, not with limit.
  virtual Expected<std::vector<ObjectVersion>, MetaError> list_noncurrent_versions(
      const NoncurrentVersionRules& rules, const VersionPosition& after, std::size_t limit) = 0;

  // Records that the store no longer keeps the bytes of the history entry with this revision,
  // and returns the entry. purged_at = now rounded down to the microsecond. Marking a purged
  // entry again keeps its first time. kNotFound when there is no such entry, and kInvalid for a
  // delete marker.
  virtual Expected<ObjectVersion, MetaError> mark_version_purged(std::string_view tenant,
                                                                 std::string_view key,
                                                                 std::int64_t revision,
                                                                 SystemTime now) = 0;
};

// Returns the lifecycle queries of a repository that open_repository() opened, or null for any
// other Repository (such as a wrapper around one).
LifecycleIndex* find_lifecycle_index(Repository& repository);

}  // namespace satchel::meta
