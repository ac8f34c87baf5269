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

// Checks the upload's if_match and if_none_match against current, the object as it is now.
// Fails with kConflict, carrying current when it exists.
Expected<void, MetaError> check_preconditions(const PendingUpload& upload,
                                              const std::optional<ObjectRecord>& current);

// Builds the record that commit_upload() stores: identity from the upload, content from
// observed, revision current + 1 (or 1 for a new object), created_at kept from current, and
// updated_at = now rounded down to the microsecond.
ObjectRecord build_committed_record(const PendingUpload& upload, const ObjectRecord& observed,
                                    const std::optional<ObjectRecord>& current, SystemTime now);

}  // namespace satchel::meta
