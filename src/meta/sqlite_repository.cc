#include "meta/sqlite_repository.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <limits>
#include <mutex>
#include <span>
#include <system_error>
#include <thread>
#include <utility>

#include "common/encoding.h"
#include "fmt/format.h"
#include "meta/audit_cursor.h"
#include "meta/commit_rules.h"
#include "meta/key_range.h"
#include "meta/lifecycle_index.h"
#include "meta/list_filter.h"
#include "meta/migrations.h"
#include "meta/object_tags.h"
#include "meta/record_validation.h"
#include "meta/result_rows.h"
#include "meta/sqlite_connection.h"
#include "meta/sqlite_connection_pool.h"
#include "meta/storage_encoding.h"
#include "meta/tenant_cursor.h"
#include "meta/usage_cursor.h"
#include "meta/version_cursor.h"

namespace satchel::meta {
namespace {

// Every value is bound to a ? placeholder, and no SQL is ever built from values.
constexpr std::string_view kSelectObject =
    "SELECT tenant, owner, name, key, version_id, size, etag, content_type, sha256, revision, "
    "created_at_us, updated_at_us, tags, expires_at_us, missing_since_us FROM objects "
    "WHERE tenant = ? AND key = ?";
// created_at_us is left out of the update, so a replaced object keeps its creation time.
constexpr std::string_view kUpsertObject =
    "INSERT INTO objects (tenant, owner, name, key, version_id, size, etag, content_type, "
    "sha256, revision, created_at_us, updated_at_us, tags, expires_at_us) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (tenant, key) DO UPDATE SET owner = excluded.owner, name = excluded.name, "
    "version_id = excluded.version_id, size = excluded.size, etag = excluded.etag, "
    "content_type = excluded.content_type, sha256 = excluded.sha256, "
    "revision = excluded.revision, updated_at_us = excluded.updated_at_us, tags = excluded.tags, "
    "expires_at_us = excluded.expires_at_us, missing_since_us = NULL";
constexpr std::string_view kDeleteObject = "DELETE FROM objects WHERE tenant = ? AND key = ?";
// The filter conditions of FilterParameters: ?5 exact content type, ?6 content type family,
// ?7 updated since, ?8 name search, ?9 required tags (no member of ?9 may be missing from the
// object's tags), ?10 unexpired at. A NULL parameter turns its condition off.
constexpr std::string_view kListObjectsInRange =
    "SELECT tenant, owner, name, key, version_id, size, etag, content_type, sha256, revision, "
    "created_at_us, updated_at_us, tags, expires_at_us, missing_since_us FROM objects "
    "WHERE tenant = ?1 AND key >= "
    "?2 AND key < ?3 "
    "AND (?5 IS NULL OR lower(content_type) = ?5 "
    "OR substr(lower(content_type), 1, length(?5) + 1) = ?5 || ';') "
    "AND (?6 IS NULL OR substr(lower(content_type), 1, length(?6)) = ?6) "
    "AND (?7 IS NULL OR updated_at_us >= ?7) "
    "AND (?8 IS NULL OR instr(lower(name), ?8) > 0) "
    "AND (?9 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?9) AS wanted WHERE NOT EXISTS ("
    "SELECT 1 FROM json_each(objects.tags) AS have "
    "WHERE have.key = wanted.key AND have.value = wanted.value))) "
    "AND (?10 IS NULL OR expires_at_us IS NULL OR expires_at_us > ?10) "
    "ORDER BY key LIMIT ?4";
// The same without an upper bound. ?3 is not used, and binding it is harmless.
constexpr std::string_view kListObjectsFrom =
    "SELECT tenant, owner, name, key, version_id, size, etag, content_type, sha256, revision, "
    "created_at_us, updated_at_us, tags, expires_at_us, missing_since_us FROM objects "
    "WHERE tenant = ?1 AND key >= "
    "?2 "
    "AND (?5 IS NULL OR lower(content_type) = ?5 "
    "OR substr(lower(content_type), 1, length(?5) + 1) = ?5 || ';') "
    "AND (?6 IS NULL OR substr(lower(content_type), 1, length(?6)) = ?6) "
    "AND (?7 IS NULL OR updated_at_us >= ?7) "
    "AND (?8 IS NULL OR instr(lower(name), ?8) > 0) "
    "AND (?9 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?9) AS wanted WHERE NOT EXISTS ("
    "SELECT 1 FROM json_each(objects.tags) AS have "
    "WHERE have.key = wanted.key AND have.value = wanted.value))) "
    "AND (?10 IS NULL OR expires_at_us IS NULL OR expires_at_us > ?10) "
    "ORDER BY key LIMIT ?4";

constexpr std::string_view kInsertUpload =
    "INSERT INTO pending_uploads (id, tenant, owner, name, key, content_type, size, sha256, "
    "if_match_revision, if_none_match, created_at_us, expires_at_us, state, tags, "
    "object_expires_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kSelectUpload =
    "SELECT id, tenant, owner, name, key, content_type, size, sha256, if_match_revision, "
    "if_none_match, created_at_us, expires_at_us, state, tags, object_expires_at_us FROM "
    "pending_uploads WHERE id = ?";
constexpr std::string_view kSelectTenantUpload =
    "SELECT id, tenant, owner, name, key, content_type, size, sha256, if_match_revision, "
    "if_none_match, created_at_us, expires_at_us, state, tags, object_expires_at_us FROM "
    "pending_uploads "
    "WHERE id = ? AND tenant = ?";
constexpr std::string_view kUpdateUploadState = "UPDATE pending_uploads SET state = ? WHERE id = ?";

constexpr std::string_view kInsertVersion =
    "INSERT INTO object_versions (tenant, key, revision, owner, name, version_id, size, etag, "
    "content_type, sha256, committed_at_us, deleted, restored_from, tags, purged_at_us) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kSelectLastRevision =
    "SELECT coalesce(max(revision), 0) FROM object_versions WHERE tenant = ? AND key = ?";
constexpr std::string_view kListVersions =
    "SELECT tenant, owner, name, key, revision, version_id, size, etag, content_type, sha256, "
    "committed_at_us, deleted, restored_from, tags, purged_at_us FROM object_versions "
    "WHERE tenant = ? AND key = ? AND revision < ? ORDER BY revision DESC LIMIT ?";
constexpr std::string_view kSelectVersionById =
    "SELECT tenant, owner, name, key, revision, version_id, size, etag, content_type, sha256, "
    "committed_at_us, deleted, restored_from, tags, purged_at_us FROM object_versions "
    "WHERE tenant = ? AND key = ? AND version_id = ? ORDER BY revision DESC LIMIT 1";

constexpr std::string_view kInsertAuditEvent =
    "INSERT INTO audit_events (time_us, request_id, subject, tenant, action, key, decision, "
    "reason, client_address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
// kInsertAuditEvent without RETURNING, which costs SQLite a temporary result per row, for
// batches that need no ids.
constexpr std::string_view kInsertAuditEventRow =
    "INSERT INTO audit_events (time_us, request_id, subject, tenant, action, key, decision, "
    "reason, client_address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
// ?3 subject, ?4 action, ?5 since and ?6 until. A NULL parameter turns its condition off.
constexpr std::string_view kListAuditEvents =
    "SELECT id, time_us, request_id, subject, tenant, action, key, decision, reason, "
    "client_address, user_agent FROM audit_events WHERE tenant = ?1 AND id < ?2 "
    "AND (?3 IS NULL OR subject = ?3) AND (?4 IS NULL OR action = ?4) "
    "AND (?5 IS NULL OR time_us >= ?5) AND (?6 IS NULL OR time_us < ?6) "
    "ORDER BY id DESC LIMIT ?7";

// ?2 is the owner after which the page starts ('' for the first page, since no owner is empty)
// and ?3 the name prefix (NULL for all names). substr() and length() count characters of the
// same UTF-8 text on both sides, so the comparison is a byte prefix test.
constexpr std::string_view kListUsage =
    "SELECT owner, count(*), coalesce(sum(size), 0) FROM objects "
    "WHERE tenant = ?1 AND owner > ?2 AND (?3 IS NULL OR substr(name, 1, length(?3)) = ?3) "
    "GROUP BY owner ORDER BY owner LIMIT ?4";

// ?1 is the tenant after which the page starts ('' for the first page, since no tenant is empty).
constexpr std::string_view kListTenants =
    "SELECT tenant FROM objects WHERE tenant > ?1 "
    "UNION SELECT tenant FROM object_versions WHERE tenant > ?1 "
    "ORDER BY tenant LIMIT ?2";

constexpr std::string_view kUpsertKeyRedirect =
    "INSERT INTO key_redirects (tenant, old_key, new_key, cut_over_at_us, created_at_us) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, old_key) DO UPDATE SET "
    "new_key = excluded.new_key, cut_over_at_us = excluded.cut_over_at_us, "
    "created_at_us = excluded.created_at_us";
constexpr std::string_view kSelectKeyRedirect =
    "SELECT tenant, old_key, new_key, cut_over_at_us, created_at_us FROM key_redirects "
    "WHERE tenant = ? AND old_key = ?";

// The lifecycle sweeper's queries (lifecycle_index.h).
constexpr std::string_view kListExpiredObjects =
    "SELECT tenant, owner, name, key, version_id, size, etag, content_type, sha256, revision, "
    "created_at_us, updated_at_us, tags, expires_at_us, missing_since_us FROM objects "
    "WHERE expires_at_us IS NOT NULL AND expires_at_us <= ? "
    "ORDER BY expires_at_us, tenant, key LIMIT ?";
constexpr std::string_view kUpdateObjectExpiry =
    "UPDATE objects SET expires_at_us = ? WHERE tenant = ? AND key = ?";
constexpr std::string_view kUpdateObjectMissing =
    "UPDATE objects SET missing_since_us = ? WHERE tenant = ? AND key = ?";
constexpr std::string_view kListUploadsToSweep =
    "SELECT id, tenant, owner, name, key, content_type, size, sha256, if_match_revision, "
    "if_none_match, created_at_us, expires_at_us, state, tags, object_expires_at_us "
    "FROM pending_uploads WHERE (state = 'pending' AND created_at_us < ?1) "
    "OR (state = 'aborted' AND store_cleaned_at_us IS NULL) "
    "ORDER BY state = 'aborted', created_at_us, id LIMIT ?2";
constexpr std::string_view kUpdateUploadStoreCleaned =
    "UPDATE pending_uploads SET store_cleaned_at_us = ? "
    "WHERE id = ? AND store_cleaned_at_us IS NULL";
// newest_first orders each key's history newest first, so lag() reads the time of the next
// newer entry (when the entry became noncurrent) and first_value() whether the key's newest
// entry is a delete marker. newer_with_bytes counts the newer entries whose bytes the store
// keeps. Unless the key is deleted, the newest of those is the current object, so it is
// subtracted to count newer noncurrent versions. ?1..?3 is the position to continue after, ?4
// the noncurrent_before time and ?5 the newer noncurrent count, each NULL when unset.
constexpr std::string_view kListNoncurrentVersions =
    "SELECT tenant, owner, name, key, revision, version_id, size, etag, content_type, sha256, "
    "committed_at_us, deleted, restored_from, tags, purged_at_us FROM ("
    "SELECT *, lag(committed_at_us) OVER newest_first AS noncurrent_since_us, "
    "first_value(deleted) OVER newest_first AS key_deleted, "
    "coalesce(sum(CASE WHEN deleted = 0 AND purged_at_us IS NULL THEN 1 ELSE 0 END) OVER ("
    "newest_first ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS newer_with_bytes "
    "FROM object_versions WINDOW newest_first AS (PARTITION BY tenant, key ORDER BY revision DESC)"
    ") WHERE noncurrent_since_us IS NOT NULL AND deleted = 0 AND purged_at_us IS NULL "
    "AND version_id <> '' AND (tenant, key, revision) > (?1, ?2, ?3) "
    "AND ((?4 IS NOT NULL AND noncurrent_since_us <= ?4) "
    "OR (?5 IS NOT NULL AND newer_with_bytes - (1 - key_deleted) >= ?5)) "
    "ORDER BY tenant, key, revision LIMIT ?6";
constexpr std::string_view kSelectVersionByRevision =
    "SELECT tenant, owner, name, key, revision, version_id, size, etag, content_type, sha256, "
    "committed_at_us, deleted, restored_from, tags, purged_at_us FROM object_versions "
    "WHERE tenant = ? AND key = ? AND revision = ?";
constexpr std::string_view kUpdateVersionPurged =
    "UPDATE object_versions SET purged_at_us = ? WHERE tenant = ? AND key = ? AND revision = ?";

constexpr std::string_view kEnableWal = "PRAGMA journal_mode = WAL";

MetaError make_error(MetaErrorCode code, std::string message,
                     std::optional<ObjectRecord> current = std::nullopt) {
  return MetaError{code, std::move(message), std::move(current)};
}

std::optional<std::int64_t> optional_unix_us(const std::optional<SystemTime>& time) {
  if (!time) return std::nullopt;
  return to_unix_us(*time);
}

std::optional<SystemTime> optional_time(std::optional<std::int64_t> unix_us) {
  if (!unix_us) return std::nullopt;
  return from_unix_us(*unix_us);
}

// Reads the columns in the order of kSelectObject.
Expected<ObjectRecord, MetaError> read_object(const SqliteStatement& row) {
  ObjectRecord record;
  record.tenant = row.text(0);
  record.owner = row.text(1);
  record.name = row.text(2);
  record.key = row.text(3);
  record.version_id = row.text(4);
  record.size = static_cast<std::uint64_t>(row.int64(5));
  record.etag = row.text(6);
  record.content_type = row.text(7);
  record.sha256 = row.optional_text(8);
  record.revision = row.int64(9);
  record.created_at = from_unix_us(row.int64(10));
  record.updated_at = from_unix_us(row.int64(11));
  auto tags = decode_tags(row.text(12));
  if (!tags) return Unexpected(tags.error());
  record.tags = std::move(*tags);
  record.expires_at = optional_time(row.optional_int64(13));
  record.missing_since = optional_time(row.optional_int64(14));
  return record;
}

// Reads the columns in the order of kListVersions.
Expected<ObjectVersion, MetaError> read_version(const SqliteStatement& row) {
  ObjectVersion version;
  version.tenant = row.text(0);
  version.owner = row.text(1);
  version.name = row.text(2);
  version.key = row.text(3);
  version.revision = row.int64(4);
  version.version_id = row.text(5);
  version.size = static_cast<std::uint64_t>(row.int64(6));
  version.etag = row.text(7);
  version.content_type = row.text(8);
  version.sha256 = row.optional_text(9);
  version.committed_at = from_unix_us(row.int64(10));
  version.deleted = row.int64(11) != 0;
  version.restored_from = row.optional_text(12);
  auto tags = decode_tags(row.text(13));
  if (!tags) return Unexpected(tags.error());
  version.tags = std::move(*tags);
  version.purged_at = optional_time(row.optional_int64(14));
  return version;
}

// Binds the parameters of kInsertAuditEvent and kInsertAuditEventRow.
void bind_audit_record(SqliteStatement& insert, const AuditRecord& record) {
  insert.bind(1, to_unix_us(record.time));
  insert.bind(2, record.request_id);
  insert.bind(3, record.subject);
  insert.bind(4, record.tenant);
  insert.bind(5, record.action);
  insert.bind(6, record.key);
  insert.bind(7, record.decision);
  insert.bind(8, record.reason);
  insert.bind(9, record.client_address);
  insert.bind(10, record.user_agent);
}

// Reads the columns in the order of kListAuditEvents.
AuditRecord read_audit_record(const SqliteStatement& row) {
  AuditRecord record;
  record.id = row.int64(0);
  record.time = from_unix_us(row.int64(1));
  record.request_id = row.text(2);
  record.subject = row.text(3);
  record.tenant = row.text(4);
  record.action = row.text(5);
  record.key = row.text(6);
  record.decision = row.text(7);
  record.reason = row.text(8);
  record.client_address = row.text(9);
  record.user_agent = row.text(10);
  return record;
}

// Reads the columns in the order of kSelectUpload.
Expected<PendingUpload, MetaError> read_upload(const SqliteStatement& row) {
  PendingUpload upload;
  upload.id = row.text(0);
  upload.tenant = row.text(1);
  upload.owner = row.text(2);
  upload.name = row.text(3);
  upload.key = row.text(4);
  upload.content_type = row.text(5);
  upload.size = static_cast<std::uint64_t>(row.int64(6));
  upload.sha256 = row.optional_text(7);
  upload.if_match = row.optional_int64(8);
  upload.if_none_match = row.int64(9) != 0;
  upload.created_at = from_unix_us(row.int64(10));
  upload.expires_at = from_unix_us(row.int64(11));
  std::optional<UploadState> state = parse_upload_state(row.text(12));
  if (!state.has_value()) {
    return Unexpected(
        make_error(MetaErrorCode::kUnavailable,
                   fmt::format("pending upload has unknown state \"{}\"", row.text(12))));
  }
  upload.state = *state;
  auto tags = decode_tags(row.text(13));
  if (!tags) return Unexpected(tags.error());
  upload.tags = std::move(*tags);
  upload.object_expires_at = optional_time(row.optional_int64(14));
  return upload;
}

// Steps select through its remaining rows and converts each with read_row, which returns a T
// or an Expected<T, MetaError>.
template <class T, class ReadRow>
Expected<std::vector<T>, MetaError> read_rows(SqliteStatement& select, ReadRow read_row) {
  std::vector<T> rows;
  while (true) {
    auto row = select.step();
    if (!row) return Unexpected(row.error());
    if (!*row) return rows;
    if (auto appended = append_row(rows, read_row(select)); !appended) {
      return Unexpected(appended.error());
    }
  }
}

Expected<std::optional<ObjectRecord>, MetaError> select_object(SqliteConnection& connection,
                                                               std::string_view tenant,
                                                               std::string_view key) {
  auto select = connection.prepare(kSelectObject);
  if (!select) return Unexpected(select.error());
  select->bind(1, tenant);
  select->bind(2, key);
  auto row = select->step();
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<ObjectRecord>();
  auto record = read_object(*select);
  if (!record) return Unexpected(record.error());
  return std::optional<ObjectRecord>(std::move(*record));
}

// Selects by id alone when tenant is nullopt. A missing upload is kNotFound.
Expected<PendingUpload, MetaError> select_upload(SqliteConnection& connection, std::string_view id,
                                                 std::optional<std::string_view> tenant) {
  auto select = connection.prepare(tenant.has_value() ? kSelectTenantUpload : kSelectUpload);
  if (!select) return Unexpected(select.error());
  select->bind(1, id);
  if (tenant.has_value()) select->bind(2, *tenant);
  auto row = select->step();
  if (!row) return Unexpected(row.error());
  if (!*row) {
    return Unexpected(
        make_error(MetaErrorCode::kNotFound, fmt::format("pending upload {} not found", id)));
  }
  return read_upload(*select);
}

Expected<void, MetaError> insert_upload(SqliteConnection& connection, const PendingUpload& upload) {
  auto insert = connection.prepare(kInsertUpload);
  if (!insert) return Unexpected(insert.error());
  insert->bind(1, upload.id);
  insert->bind(2, upload.tenant);
  insert->bind(3, upload.owner);
  insert->bind(4, upload.name);
  insert->bind(5, upload.key);
  insert->bind(6, upload.content_type);
  insert->bind(7, static_cast<std::int64_t>(upload.size));
  insert->bind_optional(8, upload.sha256);
  insert->bind_optional(9, upload.if_match);
  insert->bind(10, std::int64_t{upload.if_none_match ? 1 : 0});
  insert->bind(11, to_unix_us(upload.created_at));
  insert->bind(12, to_unix_us(upload.expires_at));
  insert->bind(13, upload_state_text(upload.state));
  insert->bind(14, encode_tags(upload.tags));
  insert->bind_optional(15, optional_unix_us(upload.object_expires_at));
  return insert->run();
}

Expected<void, MetaError> set_upload_state(SqliteConnection& connection, std::string_view id,
                                           UploadState state) {
  auto update = connection.prepare(kUpdateUploadState);
  if (!update) return Unexpected(update.error());
  update->bind(1, upload_state_text(state));
  update->bind(2, id);
  return update->run();
}

Expected<void, MetaError> upsert_object(SqliteConnection& connection, const ObjectRecord& record) {
  auto upsert = connection.prepare(kUpsertObject);
  if (!upsert) return Unexpected(upsert.error());
  upsert->bind(1, record.tenant);
  upsert->bind(2, record.owner);
  upsert->bind(3, record.name);
  upsert->bind(4, record.key);
  upsert->bind(5, record.version_id);
  upsert->bind(6, static_cast<std::int64_t>(record.size));
  upsert->bind(7, record.etag);
  upsert->bind(8, record.content_type);
  upsert->bind_optional(9, record.sha256);
  upsert->bind(10, record.revision);
  upsert->bind(11, to_unix_us(record.created_at));
  upsert->bind(12, to_unix_us(record.updated_at));
  upsert->bind(13, encode_tags(record.tags));
  upsert->bind_optional(14, optional_unix_us(record.expires_at));
  return upsert->run();
}

Expected<void, MetaError> insert_version(SqliteConnection& connection,
                                         const ObjectVersion& version) {
  auto insert = connection.prepare(kInsertVersion);
  if (!insert) return Unexpected(insert.error());
  insert->bind(1, version.tenant);
  insert->bind(2, version.key);
  insert->bind(3, version.revision);
  insert->bind(4, version.owner);
  insert->bind(5, version.name);
  insert->bind(6, version.version_id);
  insert->bind(7, static_cast<std::int64_t>(version.size));
  insert->bind(8, version.etag);
  insert->bind(9, version.content_type);
  insert->bind_optional(10, version.sha256);
  insert->bind(11, to_unix_us(version.committed_at));
  insert->bind(12, std::int64_t{version.deleted ? 1 : 0});
  insert->bind_optional(13, version.restored_from);
  insert->bind(14, encode_tags(version.tags));
  insert->bind_optional(15, optional_unix_us(version.purged_at));
  return insert->run();
}

Expected<std::int64_t, MetaError> select_last_revision(SqliteConnection& connection,
                                                       std::string_view tenant,
                                                       std::string_view key) {
  auto select = connection.prepare(kSelectLastRevision);
  if (!select) return Unexpected(select.error());
  select->bind(1, tenant);
  select->bind(2, key);
  auto row = select->step();
  if (!row) return Unexpected(row.error());
  return select->int64(0);
}

// A missing entry is kNotFound.
Expected<ObjectVersion, MetaError> select_version(SqliteConnection& connection,
                                                  std::string_view tenant, std::string_view key,
                                                  std::string_view version_id) {
  auto select = connection.prepare(kSelectVersionById);
  if (!select) return Unexpected(select.error());
  select->bind(1, tenant);
  select->bind(2, key);
  select->bind(3, version_id);
  auto row = select->step();
  if (!row) return Unexpected(row.error());
  if (!*row) {
    return Unexpected(make_error(MetaErrorCode::kNotFound,
                                 fmt::format("version {} of {} not found", version_id, key)));
  }
  return read_version(*select);
}

Expected<void, MetaError> delete_object_row(SqliteConnection& connection, std::string_view tenant,
                                            std::string_view key) {
  auto remove = connection.prepare(kDeleteObject);
  if (!remove) return Unexpected(remove.error());
  remove->bind(1, tenant);
  remove->bind(2, key);
  return remove->run();
}

// Creates the file with mode 0600 before SQLite opens it, because SQLite would create it with
// 0644 less the umask. SQLite then gives the -wal and -shm files the database file's mode.
Expected<void, MetaError> create_database_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return Unexpected(
        make_error(MetaErrorCode::kUnavailable,
                   fmt::format("cannot create database file {}: {}", path.string(),
                               std::error_code(errno, std::generic_category()).message())));
  }
  // The umask cannot add bits, but a umask like 0277 could remove the owner's write bit.
  int chmod_status = ::fchmod(fd, S_IRUSR | S_IWUSR);
  int chmod_errno = errno;
  ::close(fd);
  if (chmod_status != 0) {
    return Unexpected(
        make_error(MetaErrorCode::kUnavailable,
                   fmt::format("cannot set mode 0600 on database file {}: {}", path.string(),
                               std::error_code(chmod_errno, std::generic_category()).message())));
  }
  return {};
}

// Switches the database to WAL and returns the journal mode SQLite reports afterwards.
Expected<std::string, MetaError> set_wal_mode(SqliteConnection& connection) {
  auto pragma = connection.prepare(kEnableWal);
  if (!pragma) return Unexpected(pragma.error());
  auto row = pragma->step();
  if (!row) return Unexpected(row.error());
  return *row ? pragma->text(0) : std::string();
}

Expected<void, MetaError> enable_wal(SqliteConnection& connection,
                                     std::chrono::milliseconds busy_timeout) {
  // When several processes open a new file at once, SQLite may fail all but one switch to WAL
  // with "database is locked" without calling the busy handler, so the switch is retried here
  // until the busy timeout.
  constexpr auto kRetryPause = std::chrono::milliseconds(10);
  auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  auto mode = set_wal_mode(connection);
  while (!mode && mode.error().code == MetaErrorCode::kUnavailable &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kRetryPause);
    mode = set_wal_mode(connection);
  }
  if (!mode) return Unexpected(mode.error());
  if (*mode != "wal") {
    return Unexpected(make_error(
        MetaErrorCode::kUnavailable,
        fmt::format("SQLite kept journal_mode \"{}\" instead of WAL; the file system may not "
                    "support the shared memory WAL needs",
                    *mode)));
  }
  return {};
}

class SqliteRepository final : public Repository, public LifecycleIndex {
 public:
  SqliteRepository(const std::filesystem::path& path, const SqliteOptions& options,
                   std::unique_ptr<SqliteConnection> writer)
      : writer_(std::move(writer)),
        readers_(
            make_sqlite_reader_pool(path, options.busy_timeout, options.max_reader_connections)) {}

  Expected<PendingUpload, MetaError> create_pending_upload(const PendingUpload& upload) override;
  Expected<PendingUpload, MetaError> find_pending_upload(std::string_view tenant,
                                                         std::string_view id) override;
  Expected<ObjectRecord, MetaError> commit_upload(std::string_view upload_id,
                                                  const ObjectRecord& observed,
                                                  SystemTime now) override;
  Expected<ObjectRecord, MetaError> get_object(std::string_view tenant,
                                               std::string_view key) override;
  Expected<Page<ObjectRecord>, MetaError> list_objects(std::string_view tenant,
                                                       std::string_view key_prefix,
                                                       std::string_view cursor, std::size_t limit,
                                                       const ObjectFilter& filter) override;
  Expected<ObjectRecord, MetaError> delete_object(std::string_view tenant, std::string_view key,
                                                  std::optional<std::int64_t> expected_revision,
                                                  std::string_view marker_version_id,
                                                  SystemTime now) override;
  Expected<Page<ObjectVersion>, MetaError> list_versions(std::string_view tenant,
                                                         std::string_view key,
                                                         std::string_view cursor,
                                                         std::size_t limit) override;
  Expected<ObjectVersion, MetaError> find_version(std::string_view tenant, std::string_view key,
                                                  std::string_view version_id) override;
  Expected<ObjectRecord, MetaError> set_object_missing(
      std::string_view tenant, std::string_view key, std::int64_t expected_revision,
      std::string_view expected_version_id, std::optional<SystemTime> missing_since) override;
  Expected<ObjectRecord, MetaError> restore_version(const RestoreRequest& request,
                                                    SystemTime now) override;
  Expected<PendingUpload, MetaError> abort_pending_upload(std::string_view tenant,
                                                          std::string_view id) override;
  Expected<std::int64_t, MetaError> append_audit_event(const AuditRecord& record) override;
  Expected<void, MetaError> append_audit_events(std::span<const AuditRecord> records) override;
  Expected<Page<AuditRecord>, MetaError> list_audit_events(std::string_view tenant,
                                                           const AuditFilter& filter,
                                                           std::string_view cursor,
                                                           std::size_t limit) override;
  Expected<Page<SubjectUsage>, MetaError> list_usage(std::string_view tenant,
                                                     std::string_view name_prefix,
                                                     std::string_view cursor,
                                                     std::size_t limit) override;
  Expected<Page<std::string>, MetaError> list_tenants(std::string_view cursor,
                                                      std::size_t limit) override;
  Expected<KeyRedirect, MetaError> record_key_redirect(const KeyRedirect& redirect) override;
  Expected<KeyRedirect, MetaError> find_key_redirect(std::string_view tenant,
                                                     std::string_view old_key) override;

  Expected<std::vector<ObjectRecord>, MetaError> list_expired_objects(SystemTime now,
                                                                      std::size_t limit) override;
  Expected<ObjectRecord, MetaError> set_object_expiry(
      std::string_view tenant, std::string_view key, std::int64_t expected_revision,
      std::optional<SystemTime> expires_at) override;
  Expected<std::vector<PendingUpload>, MetaError> list_uploads_to_sweep(SystemTime created_before,
                                                                        std::size_t limit) override;
  Expected<void, MetaError> mark_upload_store_cleaned(std::string_view tenant, std::string_view id,
                                                      SystemTime now) override;
  Expected<std::vector<ObjectVersion>, MetaError> list_noncurrent_versions(
      const NoncurrentVersionRules& rules, const VersionPosition& after,
      std::size_t limit) override;
  Expected<ObjectVersion, MetaError> mark_version_purged(std::string_view tenant,
                                                         std::string_view key,
                                                         std::int64_t revision,
                                                         SystemTime now) override;

 private:
  // Serializes this process's writes, so they queue here instead of polling SQLite's lock
  // with the busy timeout. Always taken before a reader connection, never after one.
  std::mutex write_mutex_;
  // The only connection that writes. Guarded by write_mutex_.
  std::unique_ptr<SqliteConnection> writer_;
  std::unique_ptr<SqliteConnectionPool> readers_;
};

Expected<PendingUpload, MetaError> SqliteRepository::create_pending_upload(
    const PendingUpload& upload) {
  if (auto valid = validate_new_upload(upload); !valid) return Unexpected(valid.error());
  PendingUpload stored = upload;
  stored.created_at = floor_to_us(upload.created_at);
  stored.expires_at = floor_to_us(upload.expires_at);
  if (upload.object_expires_at) stored.object_expires_at = floor_to_us(*upload.object_expires_at);

  std::lock_guard lock(write_mutex_);
  if (auto inserted = insert_upload(*writer_, stored); !inserted) {
    if (inserted.error().code == MetaErrorCode::kConflict) {
      return Unexpected(make_error(MetaErrorCode::kConflict,
                                   fmt::format("pending upload {} already exists", stored.id)));
    }
    return Unexpected(inserted.error());
  }
  return stored;
}

Expected<PendingUpload, MetaError> SqliteRepository::find_pending_upload(std::string_view tenant,
                                                                         std::string_view id) {
  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  return select_upload(**reader, id, tenant);
}

Expected<ObjectRecord, MetaError> SqliteRepository::commit_upload(std::string_view upload_id,
                                                                  const ObjectRecord& observed,
                                                                  SystemTime now) {
  std::lock_guard lock(write_mutex_);
  auto transaction = SqliteTransaction::begin_immediate(*writer_);
  if (!transaction) return Unexpected(transaction.error());

  auto upload = select_upload(*writer_, upload_id, std::nullopt);
  if (!upload) return Unexpected(upload.error());
  if (auto usable = check_committable(*upload, now); !usable) return Unexpected(usable.error());
  if (auto valid = validate_observed_object(observed, *upload); !valid) {
    return Unexpected(valid.error());
  }

  auto current = select_object(*writer_, upload->tenant, upload->key);
  if (!current) return Unexpected(current.error());
  if (auto met = check_preconditions(*upload, *current, now); !met) return Unexpected(met.error());

  auto last_revision = select_last_revision(*writer_, upload->tenant, upload->key);
  if (!last_revision) return Unexpected(last_revision.error());
  ObjectRecord record = build_committed_record(*upload, observed, *current, *last_revision, now);
  if (auto written = upsert_object(*writer_, record); !written) {
    return Unexpected(written.error());
  }
  if (auto recorded = insert_version(*writer_, version_entry(record, std::nullopt)); !recorded) {
    return Unexpected(recorded.error());
  }
  if (auto marked = set_upload_state(*writer_, upload->id, UploadState::kCompleted); !marked) {
    return Unexpected(marked.error());
  }
  if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
  return record;
}

Expected<ObjectRecord, MetaError> SqliteRepository::get_object(std::string_view tenant,
                                                               std::string_view key) {
  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  auto record = select_object(**reader, tenant, key);
  if (!record) return Unexpected(record.error());
  if (!record->has_value()) {
    return Unexpected(
        make_error(MetaErrorCode::kNotFound, fmt::format("object {} not found", key)));
  }
  return std::move(**record);
}

Expected<Page<ObjectRecord>, MetaError> SqliteRepository::list_objects(std::string_view tenant,
                                                                       std::string_view key_prefix,
                                                                       std::string_view cursor,
                                                                       std::size_t limit,
                                                                       const ObjectFilter& filter) {
  if (tenant.empty()) return Unexpected(make_error(MetaErrorCode::kInvalid, "tenant is empty"));
  auto range = list_key_range(key_prefix, cursor);
  if (!range) return Unexpected(range.error());
  auto conditions = make_filter_parameters(filter);
  if (!conditions) return Unexpected(conditions.error());
  std::size_t page_size = std::clamp<std::size_t>(limit, 1, kMaxListLimit);

  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  bool bounded = range->upper_exclusive.has_value();
  auto select = (*reader)->prepare(bounded ? kListObjectsInRange : kListObjectsFrom);
  if (!select) return Unexpected(select.error());
  select->bind(1, tenant);
  select->bind(2, std::string_view(range->lower_inclusive));
  if (bounded) select->bind(3, std::string_view(*range->upper_exclusive));
  // Reading one row past the page shows whether another page follows.
  select->bind(4, static_cast<std::int64_t>(page_size + 1));
  select->bind_optional(5, conditions->exact_content_type);
  select->bind_optional(6, conditions->content_type_family);
  select->bind_optional(7, conditions->updated_since_us);
  select->bind_optional(8, conditions->name_contains);
  select->bind_optional(9, conditions->tags_json);
  select->bind_optional(10, conditions->unexpired_at_us);

  auto rows = read_rows<ObjectRecord>(*select, read_object);
  if (!rows) return Unexpected(rows.error());
  return page_from_rows(std::move(*rows), page_size,
                        [](const auto& last) { return encode_list_cursor(last.key); });
}

Expected<ObjectRecord, MetaError> SqliteRepository::delete_object(
    std::string_view tenant, std::string_view key, std::optional<std::int64_t> expected_revision,
    std::string_view marker_version_id, SystemTime now) {
  std::lock_guard lock(write_mutex_);
  auto transaction = SqliteTransaction::begin_immediate(*writer_);
  if (!transaction) return Unexpected(transaction.error());

  auto current = select_object(*writer_, tenant, key);
  if (!current) return Unexpected(current.error());
  if (!current->has_value()) {
    return Unexpected(
        make_error(MetaErrorCode::kNotFound, fmt::format("object {} not found", key)));
  }
  ObjectRecord record = std::move(**current);
  if (expected_revision.has_value() && record.revision != *expected_revision) {
    std::string message =
        fmt::format("object is at revision {} but the delete expected revision {}", record.revision,
                    *expected_revision);
    return Unexpected(make_error(MetaErrorCode::kConflict, std::move(message), std::move(record)));
  }
  if (auto deleted = delete_object_row(*writer_, tenant, key); !deleted) {
    return Unexpected(deleted.error());
  }
  if (auto marked = insert_version(*writer_, delete_marker_entry(record, marker_version_id, now));
      !marked) {
    return Unexpected(marked.error());
  }
  if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
  return record;
}

Expected<Page<ObjectVersion>, MetaError> SqliteRepository::list_versions(std::string_view tenant,
                                                                         std::string_view key,
                                                                         std::string_view cursor,
                                                                         std::size_t limit) {
  std::int64_t below_revision = std::numeric_limits<std::int64_t>::max();
  if (!cursor.empty()) {
    auto decoded = decode_version_cursor(cursor);
    if (!decoded) return Unexpected(decoded.error());
    below_revision = *decoded;
  }
  std::size_t page_size = std::clamp<std::size_t>(limit, 1, kMaxListLimit);

  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  auto select = (*reader)->prepare(kListVersions);
  if (!select) return Unexpected(select.error());
  select->bind(1, tenant);
  select->bind(2, key);
  select->bind(3, below_revision);
  // Reading one row past the page shows whether another page follows.
  select->bind(4, static_cast<std::int64_t>(page_size + 1));

  auto rows = read_rows<ObjectVersion>(*select, read_version);
  if (!rows) return Unexpected(rows.error());
  return page_from_rows(std::move(*rows), page_size,
                        [](const auto& last) { return encode_version_cursor(last.revision); });
}

Expected<ObjectVersion, MetaError> SqliteRepository::find_version(std::string_view tenant,
                                                                  std::string_view key,
                                                                  std::string_view version_id) {
  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  return select_version(**reader, tenant, key, version_id);
}

Expected<ObjectRecord, MetaError> SqliteRepository::set_object_missing(
    std::string_view tenant, std::string_view key, std::int64_t expected_revision,
    std::string_view expected_version_id, std::optional<SystemTime> missing_since) {
  std::lock_guard lock(write_mutex_);
  auto transaction = SqliteTransaction::begin_immediate(*writer_);
  if (!transaction) return Unexpected(transaction.error());
  auto current = select_object(*writer_, tenant, key);
  if (!current) return Unexpected(current.error());
  auto record =
      apply_missing_change(*current, key, expected_revision, expected_version_id, missing_since);
  if (!record) return Unexpected(record.error());

  auto update = writer_->prepare(kUpdateObjectMissing);
  if (!update) return Unexpected(update.error());
  update->bind_optional(1, optional_unix_us(record->missing_since));
  update->bind(2, tenant);
  update->bind(3, key);
  if (auto updated = update->run(); !updated) return Unexpected(updated.error());
  if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
  return std::move(*record);
}

Expected<ObjectRecord, MetaError> SqliteRepository::restore_version(const RestoreRequest& request,
                                                                    SystemTime now) {
  if (auto valid = validate_restore_request(request); !valid) return Unexpected(valid.error());

  std::lock_guard lock(write_mutex_);
  auto transaction = SqliteTransaction::begin_immediate(*writer_);
  if (!transaction) return Unexpected(transaction.error());

  auto source = select_version(*writer_, request.tenant, request.key, request.source_version_id);
  if (!source) return Unexpected(source.error());
  auto current = select_object(*writer_, request.tenant, request.key);
  if (!current) return Unexpected(current.error());
  if (auto allowed = check_restore(request, *source, *current); !allowed) {
    return Unexpected(allowed.error());
  }
  auto last_revision = select_last_revision(*writer_, request.tenant, request.key);
  if (!last_revision) return Unexpected(last_revision.error());

  ObjectRecord record = build_restored_record(request, *source, *current, *last_revision, now);
  if (auto written = upsert_object(*writer_, record); !written) {
    return Unexpected(written.error());
  }
  if (auto recorded = insert_version(*writer_, version_entry(record, request.source_version_id));
      !recorded) {
    return Unexpected(recorded.error());
  }
  if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
  return record;
}

Expected<PendingUpload, MetaError> SqliteRepository::abort_pending_upload(std::string_view tenant,
                                                                          std::string_view id) {
  std::lock_guard lock(write_mutex_);
  auto transaction = SqliteTransaction::begin_immediate(*writer_);
  if (!transaction) return Unexpected(transaction.error());

  auto upload = select_upload(*writer_, id, tenant);
  if (!upload) return Unexpected(upload.error());
  if (upload->state == UploadState::kCompleted) {
    return Unexpected(make_error(MetaErrorCode::kAlreadyCompleted, "upload was already completed"));
  }
  if (upload->state == UploadState::kAborted) return std::move(*upload);

  if (auto marked = set_upload_state(*writer_, upload->id, UploadState::kAborted); !marked) {
    return Unexpected(marked.error());
  }
  if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
  upload->state = UploadState::kAborted;
  return std::move(*upload);
}

Expected<std::int64_t, MetaError> SqliteRepository::append_audit_event(const AuditRecord& record) {
  if (auto valid = validate_audit_record(record); !valid) return Unexpected(valid.error());
  std::lock_guard lock(write_mutex_);
  auto insert = writer_->prepare(kInsertAuditEvent);
  if (!insert) return Unexpected(insert.error());
  bind_audit_record(*insert, record);
  auto row = insert->step();
  if (!row) return Unexpected(row.error());
  if (!*row) {
    return Unexpected(make_error(MetaErrorCode::kUnavailable, "audit insert returned no id"));
  }
  return insert->int64(0);
}

Expected<void, MetaError> SqliteRepository::append_audit_events(
    std::span<const AuditRecord> records) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (auto valid = validate_audit_record(records[i]); !valid) {
      return Unexpected(make_error(MetaErrorCode::kInvalid,
                                   fmt::format("audit record {}: {}", i, valid.error().message)));
    }
  }
  if (records.empty()) return {};
  std::lock_guard lock(write_mutex_);
  auto transaction = SqliteTransaction::begin_immediate(*writer_);
  if (!transaction) return Unexpected(transaction.error());
  for (const AuditRecord& record : records) {
    // The statement is borrowed once per record, because returning it resets it for the next.
    auto insert = writer_->prepare(kInsertAuditEventRow);
    if (!insert) return Unexpected(insert.error());
    bind_audit_record(*insert, record);
    if (auto inserted = insert->run(); !inserted) return Unexpected(inserted.error());
  }
  return transaction->commit();
}

Expected<Page<AuditRecord>, MetaError> SqliteRepository::list_audit_events(
    std::string_view tenant, const AuditFilter& filter, std::string_view cursor,
    std::size_t limit) {
  if (auto valid = validate_audit_filter(filter); !valid) return Unexpected(valid.error());
  std::int64_t below_id = std::numeric_limits<std::int64_t>::max();
  if (!cursor.empty()) {
    auto decoded = decode_audit_cursor(cursor);
    if (!decoded) return Unexpected(decoded.error());
    below_id = *decoded;
  }
  std::size_t page_size = std::clamp<std::size_t>(limit, 1, kMaxListLimit);

  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  auto select = (*reader)->prepare(kListAuditEvents);
  if (!select) return Unexpected(select.error());
  select->bind(1, tenant);
  select->bind(2, below_id);
  select->bind_optional(3, filter.subject);
  select->bind_optional(4, filter.action);
  select->bind_optional(5, optional_unix_us(filter.since));
  select->bind_optional(6, optional_unix_us(filter.until));
  // Reading one row past the page shows whether another page follows.
  select->bind(7, static_cast<std::int64_t>(page_size + 1));

  auto rows = read_rows<AuditRecord>(*select, read_audit_record);
  if (!rows) return Unexpected(rows.error());
  return page_from_rows(std::move(*rows), page_size,
                        [](const auto& last) { return encode_audit_cursor(last.id); });
}

Expected<Page<SubjectUsage>, MetaError> SqliteRepository::list_usage(std::string_view tenant,
                                                                     std::string_view name_prefix,
                                                                     std::string_view cursor,
                                                                     std::size_t limit) {
  auto bounds = usage_page_bounds(name_prefix, cursor, limit);
  if (!bounds) return Unexpected(bounds.error());
  const std::string& after_owner = bounds->after_owner;
  std::size_t page_size = bounds->page_size;

  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  auto select = (*reader)->prepare(kListUsage);
  if (!select) return Unexpected(select.error());
  select->bind(1, tenant);
  select->bind(2, std::string_view(after_owner));
  if (!name_prefix.empty()) select->bind(3, name_prefix);
  // Reading one row past the page shows whether another page follows.
  select->bind(4, static_cast<std::int64_t>(page_size + 1));

  auto rows = read_rows<SubjectUsage>(*select, [](const SqliteStatement& row) {
    return SubjectUsage{
        .owner = row.text(0), .object_count = row.int64(1), .total_bytes = row.int64(2)};
  });
  if (!rows) return Unexpected(rows.error());
  return page_from_rows(std::move(*rows), page_size,
                        [](const auto& last) { return encode_usage_cursor(last.owner); });
}

Expected<Page<std::string>, MetaError> SqliteRepository::list_tenants(std::string_view cursor,
                                                                      std::size_t limit) {
  auto bounds = tenant_page_bounds(cursor, limit);
  if (!bounds) return Unexpected(bounds.error());
  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  auto select = (*reader)->prepare(kListTenants);
  if (!select) return Unexpected(select.error());
  select->bind(1, std::string_view(bounds->after_tenant));
  // Reading one row past the page shows whether another page follows.
  select->bind(2, static_cast<std::int64_t>(bounds->page_size + 1));

  auto rows =
      read_rows<std::string>(*select, [](const SqliteStatement& row) { return row.text(0); });
  if (!rows) return Unexpected(rows.error());
  return page_from_rows(std::move(*rows), bounds->page_size,
                        [](const std::string& last) { return encode_tenant_cursor(last); });
}

Expected<KeyRedirect, MetaError> SqliteRepository::record_key_redirect(
    const KeyRedirect& redirect) {
  if (auto valid = validate_key_redirect(redirect); !valid) return Unexpected(valid.error());
  KeyRedirect stored = redirect;
  stored.cut_over_at = floor_to_us(redirect.cut_over_at);
  stored.created_at = floor_to_us(redirect.created_at);

  std::lock_guard lock(write_mutex_);
  auto upsert = writer_->prepare(kUpsertKeyRedirect);
  if (!upsert) return Unexpected(upsert.error());
  upsert->bind(1, stored.tenant);
  upsert->bind(2, stored.old_key);
  upsert->bind(3, stored.new_key);
  upsert->bind(4, to_unix_us(stored.cut_over_at));
  upsert->bind(5, to_unix_us(stored.created_at));
  if (auto written = upsert->run(); !written) return Unexpected(written.error());
  return stored;
}

Expected<KeyRedirect, MetaError> SqliteRepository::find_key_redirect(std::string_view tenant,
                                                                     std::string_view old_key) {
  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  auto select = (*reader)->prepare(kSelectKeyRedirect);
  if (!select) return Unexpected(select.error());
  select->bind(1, tenant);
  select->bind(2, old_key);
  auto row = select->step();
  if (!row) return Unexpected(row.error());
  if (!*row) {
    return Unexpected(make_error(MetaErrorCode::kNotFound,
                                 fmt::format("no redirect is recorded for {}", old_key)));
  }
  return KeyRedirect{.tenant = select->text(0),
                     .old_key = select->text(1),
                     .new_key = select->text(2),
                     .cut_over_at = from_unix_us(select->int64(3)),
                     .created_at = from_unix_us(select->int64(4))};
}

Expected<std::vector<ObjectRecord>, MetaError> SqliteRepository::list_expired_objects(
    SystemTime now, std::size_t limit) {
  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  auto select = (*reader)->prepare(kListExpiredObjects);
  if (!select) return Unexpected(select.error());
  select->bind(1, to_unix_us(now));
  select->bind(2, static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit)));
  return read_rows<ObjectRecord>(*select, read_object);
}

Expected<ObjectRecord, MetaError> SqliteRepository::set_object_expiry(
    std::string_view tenant, std::string_view key, std::int64_t expected_revision,
    std::optional<SystemTime> expires_at) {
  std::lock_guard lock(write_mutex_);
  auto transaction = SqliteTransaction::begin_immediate(*writer_);
  if (!transaction) return Unexpected(transaction.error());
  auto current = select_object(*writer_, tenant, key);
  if (!current) return Unexpected(current.error());
  auto record = check_expiry_change(*current, key, expected_revision);
  if (!record) return Unexpected(record.error());
  record->expires_at = expires_at ? std::optional(floor_to_us(*expires_at)) : std::nullopt;

  auto update = writer_->prepare(kUpdateObjectExpiry);
  if (!update) return Unexpected(update.error());
  update->bind_optional(1, optional_unix_us(record->expires_at));
  update->bind(2, tenant);
  update->bind(3, key);
  if (auto updated = update->run(); !updated) return Unexpected(updated.error());
  if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
  return std::move(*record);
}

Expected<std::vector<PendingUpload>, MetaError> SqliteRepository::list_uploads_to_sweep(
    SystemTime created_before, std::size_t limit) {
  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  auto select = (*reader)->prepare(kListUploadsToSweep);
  if (!select) return Unexpected(select.error());
  select->bind(1, to_unix_us(created_before));
  select->bind(2, static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit)));
  return read_rows<PendingUpload>(*select, read_upload);
}

Expected<void, MetaError> SqliteRepository::mark_upload_store_cleaned(std::string_view tenant,
                                                                      std::string_view id,
                                                                      SystemTime now) {
  std::lock_guard lock(write_mutex_);
  auto transaction = SqliteTransaction::begin_immediate(*writer_);
  if (!transaction) return Unexpected(transaction.error());
  auto upload = select_upload(*writer_, id, tenant);
  if (!upload) return Unexpected(upload.error());
  if (auto cleanable = check_store_cleanable(*upload); !cleanable) {
    return Unexpected(cleanable.error());
  }
  auto update = writer_->prepare(kUpdateUploadStoreCleaned);
  if (!update) return Unexpected(update.error());
  update->bind(1, to_unix_us(floor_to_us(now)));
  update->bind(2, id);
  if (auto updated = update->run(); !updated) return Unexpected(updated.error());
  return transaction->commit();
}

Expected<std::vector<ObjectVersion>, MetaError> SqliteRepository::list_noncurrent_versions(
    const NoncurrentVersionRules& rules, const VersionPosition& after, std::size_t limit) {
  auto reader = readers_->acquire();
  if (!reader) return Unexpected(reader.error());
  auto select = (*reader)->prepare(kListNoncurrentVersions);
  if (!select) return Unexpected(select.error());
  select->bind(1, std::string_view(after.tenant));
  select->bind(2, std::string_view(after.key));
  select->bind(3, after.revision);
  select->bind_optional(4, optional_unix_us(rules.noncurrent_before));
  select->bind_optional(5, rules.newer_noncurrent_at_least);
  select->bind(6, static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit)));
  return read_rows<ObjectVersion>(*select, read_version);
}

Expected<ObjectVersion, MetaError> SqliteRepository::mark_version_purged(std::string_view tenant,
                                                                         std::string_view key,
                                                                         std::int64_t revision,
                                                                         SystemTime now) {
  std::lock_guard lock(write_mutex_);
  auto transaction = SqliteTransaction::begin_immediate(*writer_);
  if (!transaction) return Unexpected(transaction.error());
  auto select = writer_->prepare(kSelectVersionByRevision);
  if (!select) return Unexpected(select.error());
  select->bind(1, tenant);
  select->bind(2, key);
  select->bind(3, revision);
  auto row = select->step();
  if (!row) return Unexpected(row.error());
  if (!*row) {
    return Unexpected(make_error(MetaErrorCode::kNotFound,
                                 fmt::format("revision {} of {} not found", revision, key)));
  }
  auto version = read_version(*select);
  if (!version) return Unexpected(version.error());
  if (auto purgeable = check_purgeable(*version); !purgeable) {
    return Unexpected(purgeable.error());
  }
  if (version->purged_at.has_value()) return std::move(*version);
  version->purged_at = floor_to_us(now);

  auto update = writer_->prepare(kUpdateVersionPurged);
  if (!update) return Unexpected(update.error());
  update->bind(1, to_unix_us(*version->purged_at));
  update->bind(2, tenant);
  update->bind(3, key);
  update->bind(4, revision);
  if (auto updated = update->run(); !updated) return Unexpected(updated.error());
  if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
  return std::move(*version);
}

}  // namespace

Expected<std::unique_ptr<Repository>, MetaError> open_sqlite_repository(
    const std::filesystem::path& path, const SqliteOptions& options) {
  if (auto created = create_database_file(path); !created) return Unexpected(created.error());
  auto writer = SqliteConnection::open(path, options.busy_timeout);
  if (!writer) return Unexpected(writer.error());
  if (auto wal = enable_wal(**writer, options.busy_timeout); !wal) return Unexpected(wal.error());
  // applied_at only records when a step ran and no logic reads it, so the system clock is fine.
  auto migrated = apply_migrations(**writer, sqlite_migrations(), std::chrono::system_clock::now());
  if (!migrated) return Unexpected(migrated.error());
  return std::make_unique<SqliteRepository>(path, options, std::move(*writer));
}

}  // namespace satchel::meta
