// Input checks shared by every back end, so they reject the same requests.
#pragma once

#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/records.h"

namespace satchel::meta {

// Checks a new upload against the rules listed at Repository::create_pending_upload.
// Returns kInvalid naming the first field that fails.
Expected<void, MetaError> validate_new_upload(const PendingUpload& upload);

// Checks what the store reported for an upload before it is committed: identity fields empty
// or equal to the upload's, a non-empty etag and content type, a size up to INT64_MAX and a
// well-formed sha256. Returns kInvalid naming the first field that fails.
Expected<void, MetaError> validate_observed_object(const ObjectRecord& observed,
                                                   const PendingUpload& upload);

// Checks every text field of an audit event. Returns kInvalid naming the first field that is
// not UTF-8 or contains NUL.
Expected<void, MetaError> validate_audit_record(const AuditRecord& record);

// Checks the text conditions of an audit listing the same way.
Expected<void, MetaError> validate_audit_filter(const AuditFilter& filter);

// Checks a redirect before it is recorded: tenant, old and new key non-empty UTF-8 without NUL,
// both keys inside "{tenant}/", and different from each other. kInvalid naming the first
// field that fails.
Expected<void, MetaError> validate_key_redirect(const KeyRedirect& redirect);

}  // namespace satchel::meta
