// The rules of a commit, shared by every back end so they accept and reject the same writes.
// Each back end runs them inside its write transaction, after reading the rows they check.
#pragma once

#include <optional>

#include "common/clock.h"
#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/records.h"

namespace satchel::meta {

// Fails with kAlreadyCompleted for a completed upload (even one past its expiry, so a retried
// completion learns that its first attempt succeeded), and with kExpired for an aborted upload
// or one whose expires_at <= now.
Expected<void, MetaError> check_committable(const PendingUpload& upload, SystemTime now);

// Checks the upload's if_match and if_none_match against stored, the object's row as it is
// now. An object whose expiry has passed at now counts as missing. Fails with kConflict,
// carrying the object when it counts as existing.
Expected<void, MetaError> check_preconditions(const PendingUpload& upload,
                                              const std::optional<ObjectRecord>& stored,
                                              SystemTime now);

// Returns the revision after both the current object's and last_revision, the newest in the
// key's history (0 when it has none).
std::int64_t next_revision(const std::optional<ObjectRecord>& current, std::int64_t last_revision);

// Builds the record that commit_upload() stores: identity, tags and expiry from the upload,
// content from observed, the next revision, created_at kept from current, and updated_at = now
// rounded down to the microsecond.
ObjectRecord build_committed_record(const PendingUpload& upload, const ObjectRecord& observed,
                                    const std::optional<ObjectRecord>& current,
                                    std::int64_t last_revision, SystemTime now);

// Returns the history entry for a record that was just committed or restored.
ObjectVersion version_entry(const ObjectRecord& record, std::optional<std::string> restored_from);

// Returns the delete marker that follows record in its key's history.
ObjectVersion delete_marker_entry(const ObjectRecord& record, std::string_view marker_version_id,
                                  SystemTime now);

// Checks a restore before any row is read: identity set, text clean, observed content usable.
// kInvalid naming the first field that fails.
Expected<void, MetaError> validate_restore_request(const RestoreRequest& request);

// Checks the source entry and the object as it is now against the request: kInvalid for a
// delete marker or a purged version, kConflict (with current when it exists) when expected_revision
// no longer holds.
Expected<void, MetaError> check_restore(const RestoreRequest& request, const ObjectVersion& source,
                                        const std::optional<ObjectRecord>& current);

// Builds the record that restore_version() stores.
ObjectRecord build_restored_record(const RestoreRequest& request, const ObjectVersion& source,
                                   const std::optional<ObjectRecord>& current,
                                   std::int64_t last_revision, SystemTime now);

// Checks a change of an object's expiry against current, the object as it is now, and returns
// a copy of it. kNotFound when it does not exist, and kConflict (with current) when it is no
// longer at expected_revision.
Expected<ObjectRecord, MetaError> check_expiry_change(const std::optional<ObjectRecord>& current,
                                                      std::string_view key,
                                                      std::int64_t expected_revision);

// Checks a change of an object's missing mark against current and returns a copy of it with the
// mark set to missing_since (rounded down to the microsecond), or kept when it was set before.
// kNotFound when the object does not exist, and kConflict (with current) when it is no longer
// at expected_revision with expected_version_id.
Expected<ObjectRecord, MetaError> apply_missing_change(const std::optional<ObjectRecord>& current,
                                                       std::string_view key,
                                                       std::int64_t expected_revision,
                                                       std::string_view expected_version_id,
                                                       std::optional<SystemTime> missing_since);

// kInvalid for a delete marker, which has no bytes to purge.
Expected<void, MetaError> check_purgeable(const ObjectVersion& version);

// kConflict unless upload is kAborted, because only an aborted upload's bytes are removed.
Expected<void, MetaError> check_store_cleanable(const PendingUpload& upload);

}  // namespace satchel::meta
