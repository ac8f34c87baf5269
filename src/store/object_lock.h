// S3 Object Lock: the decisions that protect locked object versions, and
// the XML documents of PutObjectLockConfiguration, PutObjectRetention and
// PutObjectLegalHold with their replies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/expected.h"
#include "http/beast.h"
#include "store/document_error.h"
#include "store/records.h"
#include "store/store_error.h"

namespace satchel::store {

// "GOVERNANCE" or "COMPLIANCE".
std::string_view retention_mode_name(RetentionMode mode);
std::optional<RetentionMode> parse_retention_mode(std::string_view name);

// The end of a bucket's default retention for a version written at
// written_at. A year counts as 365 days.
SystemTime default_retain_until(const DefaultRetention& retention, SystemTime written_at);

// Whether a version with this lock may be removed permanently at now. A
// legal hold and a COMPLIANCE retention always protect it; a GOVERNANCE
// retention protects it unless bypass_governance. Fails with kObjectLocked.
Expected<void, StoreError> check_version_removal(const ObjectLock& lock, SystemTime now,
                                                 bool bypass_governance);

// Whether a version's retention may change from current to requested
// (nullopt removes it) at now. An expired or missing retention may change
// freely, and any retention may be extended in the same mode. Shortening,
// removing or changing the mode needs bypass_governance on a GOVERNANCE
// retention and is never allowed on a COMPLIANCE one. Fails with
// kObjectLocked.
Expected<void, StoreError> check_retention_change(const std::optional<Retention>& current,
                                                  const std::optional<Retention>& requested,
                                                  SystemTime now, bool bypass_governance);

// Parses an ISO 8601 UTC time as S3 clients send it: with "Z" or "+00:00",
// with or without fractional seconds.
std::optional<SystemTime> parse_utc_time(std::string_view text);

// Reads an ObjectLockConfiguration document: ObjectLockEnabled must be
// "Enabled", and an optional Rule holds a DefaultRetention with a Mode and
// exactly one positive Days or Years.
Expected<ObjectLockConfiguration, DocumentError> parse_object_lock_document(std::string_view body);
// The GetObjectLockConfiguration reply.
std::string object_lock_document(const ObjectLockConfiguration& configuration);

// Reads a Retention document. Mode and RetainUntilDate come together;
// neither of them means removing the retention (nullopt).
Expected<std::optional<Retention>, DocumentError> parse_retention_document(std::string_view body);
// The GetObjectRetention reply.
std::string retention_document(const Retention& retention);

// Reads a LegalHold document: Status ON (true) or OFF (false).
Expected<bool, DocumentError> parse_legal_hold_document(std::string_view body);
// The GetObjectLegalHold reply.
std::string legal_hold_document(bool on);

}  // namespace satchel::store
