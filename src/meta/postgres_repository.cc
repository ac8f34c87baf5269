#include "meta/postgres_repository.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <span>
#include <string>
#include <utility>

#include "common/encoding.h"
#include "fmt/format.h"
#include "meta/audit_cursor.h"
#include "meta/commit_rules.h"
#include "meta/connection_pool.h"
#include "meta/key_range.h"
#include "meta/lifecycle_index.h"
#include "meta/list_filter.h"
#include "meta/object_tags.h"
#include "meta/pg_connection.h"
#include "meta/postgres_migrations.h"
#include "meta/record_validation.h"
#include "meta/result_rows.h"
#include "meta/storage_encoding.h"
#include "meta/tenant_cursor.h"
#include "meta/usage_cursor.h"
#include "meta/version_cursor.h"

namespace satchel::meta {
namespace {

// Every value is bound to a $n placeholder, and no SQL is ever built from values.
constexpr std::string_view kSelectObject =
    "SELECT tenant, owner, name, key, version_id, size, etag, content_type, sha256, revision, "
    "created_at_us, updated_at_us, tags, expires_at_us, missing_since_us FROM objects "
    "WHERE tenant = $1 AND key = $2";
// created_at_us is left out of the update, so a replaced object keeps its creation time.
constexpr std::string_view kUpsertObject =
    "INSERT INTO objects (tenant, owner, name, key, version_id, size, etag, content_type, "
    "sha256, revision, created_at_us, updated_at_us, tags, expires_at_us) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14) "
    "ON CONFLICT (tenant, key) DO UPDATE SET owner = excluded.owner, name = excluded.name, "
    "version_id = excluded.version_id, size = excluded.size, etag = excluded.etag, "
    "content_type = excluded.content_type, sha256 = excluded.sha256, "
    "revision = excluded.revision, updated_at_us = excluded.updated_at_us, tags = excluded.tags, "
    "expires_at_us = excluded.expires_at_us, missing_since_us = NULL";
constexpr std::string_view kDeleteObject = "DELETE FROM objects WHERE tenant = $1 AND key = $2";
// The filter conditions of FilterParameters follow the key range and the limit: exact content
// type, content type family, updated since, name search, required tags (a jsonb object the
// object's tags must contain), unexpired at. A NULL parameter turns its condition off. lower() maps
// ASCII letters only under the "C" collation, as SQLite's does.
constexpr std::string_view kListObjectsInRange =
    "SELECT tenant, owner, name, key, version_id, size, etag, content_type, sha256, revision, "
    "created_at_us, updated_at_us, tags, expires_at_us, missing_since_us FROM objects "
    "WHERE tenant = $1 AND key >= "
    "$2 AND key < $3 "
    "AND ($5::text IS NULL OR lower(content_type COLLATE \"C\") = $5 "
    "OR substr(lower(content_type COLLATE \"C\"), 1, length($5) + 1) = $5 || ';') "
    "AND ($6::text IS NULL OR substr(lower(content_type COLLATE \"C\"), 1, length($6)) = $6) "
    "AND ($7::bigint IS NULL OR updated_at_us >= $7) "
    "AND ($8::text IS NULL OR strpos(lower(name COLLATE \"C\"), $8) > 0) "
    "AND ($9::jsonb IS NULL OR tags @> $9::jsonb) "
    "AND ($10::bigint IS NULL OR expires_at_us IS NULL OR expires_at_us > $10) "
    "ORDER BY key LIMIT $4";
constexpr std::string_view kListObjectsFrom =
    "SELECT tenant, owner, name, key, version_id, size, etag, content_type, sha256, revision, "
    "created_at_us, updated_at_us, tags, expires_at_us, missing_since_us FROM objects "
    "WHERE tenant = $1 AND key >= "
    "$2 "
    "AND ($4::text IS NULL OR lower(content_type COLLATE \"C\") = $4 "
    "OR substr(lower(content_type COLLATE \"C\"), 1, length($4) + 1) = $4 || ';') "
    "AND ($5::text IS NULL OR substr(lower(content_type COLLATE \"C\"), 1, length($5)) = $5) "
    "AND ($6::bigint IS NULL OR updated_at_us >= $6) "
    "AND ($7::text IS NULL OR strpos(lower(name COLLATE \"C\"), $7) > 0) "
    "AND ($8::jsonb IS NULL OR tags @> $8::jsonb) "
    "AND ($9::bigint IS NULL OR expires_at_us IS NULL OR expires_at_us > $9) "
    "ORDER BY key LIMIT $3";

constexpr std::string_view kInsertUpload =
    "INSERT INTO pending_uploads (id, tenant, owner, name, key, content_type, size, sha256, "
    "if_match_revision, if_none_match, created_at_us, expires_at_us, state, tags, "
    "object_expires_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
    "$14::jsonb, $15)";
constexpr std::string_view kSelectUploadForUpdate =
    "SELECT id, tenant, owner, name, key, content_type, size, sha256, if_match_revision, "
    "if_none_match, created_at_us, expires_at_us, state, tags, object_expires_at_us FROM "
    "pending_uploads WHERE id = $1 "
    "FOR UPDATE";
constexpr std::string_view kSelectTenantUpload =
    "SELECT id, tenant, owner, name, key, content_type, size, sha256, if_match_revision, "
    "if_none_match, created_at_us, expires_at_us, state, tags, object_expires_at_us FROM "
    "pending_uploads "
    "WHERE id = $1 AND tenant = $2";
constexpr std::string_view kSelectTenantUploadForUpdate =
    "SELECT id, tenant, owner, name, key, content_type, size, sha256, if_match_revision, "
    "if_none_match, created_at_us, expires_at_us, state, tags, object_expires_at_us FROM "
    "pending_uploads "
    "WHERE id = $1 AND tenant = $2 FOR UPDATE";
constexpr std::string_view kUpdateUploadState =
    "UPDATE pending_uploads SET state = $1 WHERE id = $2";

constexpr std::string_view kInsertVersion =
    "INSERT INTO object_versions (tenant, key, revision, owner, name, version_id, size, etag, "
    "content_type, sha256, committed_at_us, deleted, restored_from, tags, purged_at_us) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15)";
constexpr std::string_view kSelectLastRevision =
    "SELECT coalesce(max(revision), 0) FROM object_versions WHERE tenant = $1 AND key = $2";
constexpr std::string_view kListVersions =
    "SELECT tenant, owner, name, key, revision, version_id, size, etag, content_type, sha256, "
    "committed_at_us, deleted, restored_from, tags, purged_at_us FROM object_versions "
    "WHERE tenant = $1 AND key = $2 AND revision < $3 ORDER BY revision DESC LIMIT $4";
constexpr std::string_view kSelectVersionById =
    "SELECT tenant, owner, name, key, revision, version_id, size, etag, content_type, sha256, "
    "committed_at_us, deleted, restored_from, tags, purged_at_us FROM object_versions "
    "WHERE tenant = $1 AND key = $2 AND version_id = $3 ORDER BY revision DESC LIMIT 1";

constexpr std::string_view kInsertAuditEvent =
    "INSERT INTO audit_events (time_us, request_id, subject, tenant, action, key, decision, "
    "reason, client_address, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
    "RETURNING id";
// One array per column, one element per event. WITH ORDINALITY and ORDER BY make the identity
// column number the rows in the arrays' order.
constexpr std::string_view kInsertAuditEvents =
    "INSERT INTO audit_events (time_us, request_id, subject, tenant, action, key, decision, "
    "reason, client_address, user_agent) "
    "SELECT time_us, request_id, subject, tenant, action, key, decision, reason, client_address, "
    "user_agent FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], "
    "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY "
    "AS batch (time_us, request_id, subject, tenant, action, key, decision, reason, "
    "client_address, user_agent, position) ORDER BY position";
// $3 subject, $4 action, $5 since and $6 until. A NULL parameter turns its condition off. The
// casts give each parameter a type when it is NULL.
constexpr std::string_view kListAuditEvents =
    "SELECT id, time_us, request_id, subject, tenant, action, key, decision, reason, "
    "client_address, user_agent FROM audit_events WHERE tenant = $1 AND id < $2 "
    "AND ($3::text IS NULL OR subject = $3::text) AND ($4::text IS NULL OR action = $4::text) "
    "AND ($5::bigint IS NULL OR time_us >= $5::bigint) "
    "AND ($6::bigint IS NULL OR time_us < $6::bigint) ORDER BY id DESC LIMIT $7";

// $1 is the tenant after which the page starts ('' for the first page, since no tenant is empty).
// Tenants compare by bytes under the "C" collation, as in SQLite.
constexpr std::string_view kListTenants =
    "SELECT tenant FROM (SELECT tenant FROM objects WHERE tenant COLLATE \"C\" > $1 "
    "UNION SELECT tenant FROM object_versions WHERE tenant COLLATE \"C\" > $1) AS tenants "
    "ORDER BY tenant COLLATE \"C\" LIMIT $2";

// $2 is the owner after which the page starts ('' for the first page, since no owner is empty)
// and $3 the name prefix (NULL for all names). Owners compare by bytes under the "C" collation,
// as in SQLite, so both back ends page in the same order.
constexpr std::string_view kListUsage =
    "SELECT owner, count(*), coalesce(sum(size), 0)::bigint FROM objects "
    "WHERE tenant = $1 AND owner COLLATE \"C\" > $2 "
    "AND ($3::text IS NULL OR starts_with(name, $3::text)) "
    "GROUP BY owner ORDER BY owner COLLATE \"C\" LIMIT $4";

constexpr std::string_view kUpsertKeyRedirect =
    "INSERT INTO key_redirects (tenant, old_key, new_key, cut_over_at_us, created_at_us) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, old_key) DO UPDATE SET "
    "new_key = excluded.new_key, cut_over_at_us = excluded.cut_over_at_us, "
    "created_at_us = excluded.created_at_us";
constexpr std::string_view kSelectKeyRedirect =
    "SELECT tenant, old_key, new_key, cut_over_at_us, created_at_us FROM key_redirects "
    "WHERE tenant = $1 AND old_key = $2";

// The lifecycle sweeper's queries, as in the SQLite back end, whose comments explain them.
constexpr std::string_view kListExpiredObjects =
    "SELECT tenant, owner, name, key, version_id, size, etag, content_type, sha256, revision, "
    "created_at_us, updated_at_us, tags, expires_at_us, missing_since_us FROM objects "
    "WHERE expires_at_us IS NOT NULL AND expires_at_us <= $1 "
    "ORDER BY expires_at_us, tenant, key LIMIT $2";
constexpr std::string_view kUpdateObjectExpiry =
    "UPDATE objects SET expires_at_us = $1 WHERE tenant = $2 AND key = $3";
constexpr std::string_view kUpdateObjectMissing =
    "UPDATE objects SET missing_since_us = $1 WHERE tenant = $2 AND key = $3";
constexpr std::string_view kListUploadsToSweep =
    "SELECT id, tenant, owner, name, key, content_type, size, sha256, if_match_revision, "
    "if_none_match, created_at_us, expires_at_us, state, tags, object_expires_at_us "
    "FROM pending_uploads WHERE (state = 'pending' AND created_at_us < $1) "
    "OR (state = 'aborted' AND store_cleaned_at_us IS NULL) "
    "ORDER BY state = 'aborted', created_at_us, id LIMIT $2";
constexpr std::string_view kUpdateUploadStoreCleaned =
    "UPDATE pending_uploads SET store_cleaned_at_us = $1 "
    "WHERE id = $2 AND store_cleaned_at_us IS NULL";
constexpr std::string_view kListNoncurrentVersions =
    "SELECT tenant, owner, name, key, revision, version_id, size, etag, content_type, sha256, "
    "committed_at_us, deleted, restored_from, tags, purged_at_us FROM ("
    "SELECT *, lag(committed_at_us) OVER newest_first AS noncurrent_since_us, "
    "first_value(deleted) OVER newest_first AS key_deleted, "
    "coalesce(sum(CASE WHEN NOT deleted AND purged_at_us IS NULL THEN 1 ELSE 0 END) OVER ("
    "newest_first ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS newer_with_bytes "
    "FROM object_versions WINDOW newest_first AS (PARTITION BY tenant, key ORDER BY revision DESC)"
    ") AS history WHERE noncurrent_since_us IS NOT NULL AND NOT deleted "
    "AND purged_at_us IS NULL AND version_id <> '' AND (tenant, key, revision) > ($1, $2, $3) "
    "AND (($4::bigint IS NOT NULL AND noncurrent_since_us <= $4::bigint) "
    "OR ($5::bigint IS NOT NULL "
    "AND newer_with_bytes - (CASE WHEN key_deleted THEN 0 ELSE 1 END) >= $5::bigint)) "
    "ORDER BY tenant, key, revision LIMIT $6";
constexpr std::string_view kSelectVersionByRevisionForUpdate =
    "SELECT tenant, owner, name, key, revision, version_id, size, etag, content_type, sha256, "
    "committed_at_us, deleted, restored_from, tags, purged_at_us FROM object_versions "
    "WHERE tenant = $1 AND key = $2 AND revision = $3 FOR UPDATE";
constexpr std::string_view kUpdateVersionPurged =
    "UPDATE object_versions SET purged_at_us = $1 WHERE tenant = $2 AND key = $3 AND revision = $4";

// Serializes the writers of one object until their transaction ends. The lock is keyed by a
// 64-bit hash of "{tenant}/{key}", so two keys share a lock only on a hash collision, which
// makes them wait for each other but is otherwise harmless.
constexpr std::string_view kLockObjectKey = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

using PgPool = ConnectionPool<PgConnection>;

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
Expected<ObjectRecord, MetaError> read_object(const PgResult& result, int row) {
  ObjectRecord record;
  record.tenant = result.text(row, 0);
  record.owner = result.text(row, 1);
  record.name = result.text(row, 2);
  record.key = result.text(row, 3);
  record.version_id = result.text(row, 4);
  record.size = static_cast<std::uint64_t>(result.int64(row, 5));
  record.etag = result.text(row, 6);
  record.content_type = result.text(row, 7);
  record.sha256 = result.optional_text(row, 8);
  record.revision = result.int64(row, 9);
  record.created_at = from_unix_us(result.int64(row, 10));
  record.updated_at = from_unix_us(result.int64(row, 11));
  auto tags = decode_tags(result.text(row, 12));
  if (!tags) return Unexpected(tags.error());
  record.tags = std::move(*tags);
  record.expires_at = optional_time(result.optional_int64(row, 13));
  record.missing_since = optional_time(result.optional_int64(row, 14));
  return record;
}

// Reads the columns in the order of kListVersions.
Expected<ObjectVersion, MetaError> read_version(const PgResult& result, int row) {
  ObjectVersion version;
  version.tenant = result.text(row, 0);
  version.owner = result.text(row, 1);
  version.name = result.text(row, 2);
  version.key = result.text(row, 3);
  version.revision = result.int64(row, 4);
  version.version_id = result.text(row, 5);
  version.size = static_cast<std::uint64_t>(result.int64(row, 6));
  version.etag = result.text(row, 7);
  version.content_type = result.text(row, 8);
  version.sha256 = result.optional_text(row, 9);
  version.committed_at = from_unix_us(result.int64(row, 10));
  version.deleted = result.boolean(row, 11);
  version.restored_from = result.optional_text(row, 12);
  auto tags = decode_tags(result.text(row, 13));
  if (!tags) return Unexpected(tags.error());
  version.tags = std::move(*tags);
  version.purged_at = optional_time(result.optional_int64(row, 14));
  return version;
}

// Appends value to a PostgreSQL array literal as a quoted element. Inside the quotes only a
// double quote and a backslash need escaping, each with a backslash.
void append_array_element(std::string& array, std::string_view value) {
  array += array.size() > 1 ? ",\"" : "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') array += '\\';
    array += c;
  }
  array += '"';
}

// The parameters of kInsertAuditEvents: one array literal per column.
PgParams audit_batch_params(std::span<const AuditRecord> records) {
  std::string times = "{";
  for (const AuditRecord& record : records) {
    if (times.size() > 1) times += ',';
    times += std::to_string(to_unix_us(record.time));
  }
  times += '}';
  PgParams params;
  params.text(times);
  const std::string AuditRecord::*const columns[] = {
      &AuditRecord::request_id, &AuditRecord::subject,
      &AuditRecord::tenant,     &AuditRecord::action,
      &AuditRecord::key,        &AuditRecord::decision,
      &AuditRecord::reason,     &AuditRecord::client_address,
      &AuditRecord::user_agent};
  for (const auto column : columns) {
    std::string array = "{";
    for (const AuditRecord& record : records) append_array_element(array, record.*column);
    array += '}';
    params.text(array);
  }
  return params;
}

// Reads the columns in the order of kListAuditEvents.
AuditRecord read_audit_record(const PgResult& result, int row) {
  AuditRecord record;
  record.id = result.int64(row, 0);
  record.time = from_unix_us(result.int64(row, 1));
  record.request_id = result.text(row, 2);
  record.subject = result.text(row, 3);
  record.tenant = result.text(row, 4);
  record.action = result.text(row, 5);
  record.key = result.text(row, 6);
  record.decision = result.text(row, 7);
  record.reason = result.text(row, 8);
  record.client_address = result.text(row, 9);
  record.user_agent = result.text(row, 10);
  return record;
}

// Reads the columns in the order of kSelectTenantUpload.
Expected<PendingUpload, MetaError> read_upload(const PgResult& result, int row) {
  PendingUpload upload;
  upload.id = result.text(row, 0);
  upload.tenant = result.text(row, 1);
  upload.owner = result.text(row, 2);
  upload.name = result.text(row, 3);
  upload.key = result.text(row, 4);
  upload.content_type = result.text(row, 5);
  upload.size = static_cast<std::uint64_t>(result.int64(row, 6));
  upload.sha256 = result.optional_text(row, 7);
  upload.if_match = result.optional_int64(row, 8);
  upload.if_none_match = result.boolean(row, 9);
  upload.created_at = from_unix_us(result.int64(row, 10));
  upload.expires_at = from_unix_us(result.int64(row, 11));
  std::string state_text = result.text(row, 12);
  std::optional<UploadState> state = parse_upload_state(state_text);
  if (!state.has_value()) {
    return Unexpected(
        make_error(MetaErrorCode::kUnavailable,
                   fmt::format("pending upload has unknown state \"{}\"", state_text)));
  }
  upload.state = *state;
  auto tags = decode_tags(result.text(row, 13));
  if (!tags) return Unexpected(tags.error());
  upload.tags = std::move(*tags);
  upload.object_expires_at = optional_time(result.optional_int64(row, 14));
  return upload;
}

// Converts every row of result with read_row(result, row), which returns a T or an
// Expected<T, MetaError>.
template <class T, class ReadRow>
Expected<std::vector<T>, MetaError> read_rows(const PgResult& result, ReadRow read_row) {
  std::vector<T> rows;
  rows.reserve(static_cast<std::size_t>(result.rows()));
  for (int row = 0; row < result.rows(); ++row) {
    if (auto appended = append_row(rows, read_row(result, row)); !appended) {
      return Unexpected(appended.error());
    }
  }
  return rows;
}

PgParams object_params(const ObjectRecord& record) {
  PgParams params;
  params.text(record.tenant)
      .text(record.owner)
      .text(record.name)
      .text(record.key)
      .text(record.version_id)
      .int64(static_cast<std::int64_t>(record.size))
      .text(record.etag)
      .text(record.content_type)
      .optional_text(record.sha256)
      .int64(record.revision)
      .int64(to_unix_us(record.created_at))
      .int64(to_unix_us(record.updated_at))
      .text(encode_tags(record.tags))
      .optional_int64(optional_unix_us(record.expires_at));
  return params;
}

PgParams upload_params(const PendingUpload& upload) {
  PgParams params;
  params.text(upload.id)
      .text(upload.tenant)
      .text(upload.owner)
      .text(upload.name)
      .text(upload.key)
      .text(upload.content_type)
      .int64(static_cast<std::int64_t>(upload.size))
      .optional_text(upload.sha256)
      .optional_int64(upload.if_match)
      .boolean(upload.if_none_match)
      .int64(to_unix_us(upload.created_at))
      .int64(to_unix_us(upload.expires_at))
      .text(upload_state_text(upload.state))
      .text(encode_tags(upload.tags))
      .optional_int64(optional_unix_us(upload.object_expires_at));
  return params;
}

Expected<void, MetaError> insert_version(PgConnection& connection, const ObjectVersion& version) {
  PgParams params;
  params.text(version.tenant)
      .text(version.key)
      .int64(version.revision)
      .text(version.owner)
      .text(version.name)
      .text(version.version_id)
      .int64(static_cast<std::int64_t>(version.size))
      .text(version.etag)
      .text(version.content_type)
      .optional_text(version.sha256)
      .int64(to_unix_us(version.committed_at))
      .boolean(version.deleted)
      .optional_text(version.restored_from)
      .text(encode_tags(version.tags))
      .optional_int64(optional_unix_us(version.purged_at));
  auto inserted = connection.execute(kInsertVersion, params);
  if (!inserted) return Unexpected(inserted.error());
  return {};
}

Expected<std::int64_t, MetaError> select_last_revision(PgConnection& connection,
                                                       std::string_view tenant,
                                                       std::string_view key) {
  auto selected = connection.execute(kSelectLastRevision, PgParams().text(tenant).text(key));
  if (!selected) return Unexpected(selected.error());
  return selected->int64(0, 0);
}

// A missing entry is kNotFound.
Expected<ObjectVersion, MetaError> select_version(PgConnection& connection, std::string_view tenant,
                                                  std::string_view key,
                                                  std::string_view version_id) {
  auto selected =
      connection.execute(kSelectVersionById, PgParams().text(tenant).text(key).text(version_id));
  if (!selected) return Unexpected(selected.error());
  if (selected->rows() == 0) {
    return Unexpected(make_error(MetaErrorCode::kNotFound,
                                 fmt::format("version {} of {} not found", version_id, key)));
  }
  return read_version(*selected, 0);
}

Expected<std::optional<ObjectRecord>, MetaError> select_object(PgConnection& connection,
                                                               std::string_view tenant,
                                                               std::string_view key) {
  auto selected = connection.execute(kSelectObject, PgParams().text(tenant).text(key));
  if (!selected) return Unexpected(selected.error());
  if (selected->rows() == 0) return std::optional<ObjectRecord>();
  auto record = read_object(*selected, 0);
  if (!record) return Unexpected(record.error());
  return std::optional<ObjectRecord>(std::move(*record));
}

// Selects by id alone when tenant is nullopt. A missing upload is kNotFound.
Expected<PendingUpload, MetaError> select_upload(PgConnection& connection, std::string_view sql,
                                                 std::string_view id,
                                                 std::optional<std::string_view> tenant) {
  PgParams params;
  params.text(id);
  if (tenant.has_value()) params.text(*tenant);
  auto selected = connection.execute(sql, params);
  if (!selected) return Unexpected(selected.error());
  if (selected->rows() == 0) {
    return Unexpected(
        make_error(MetaErrorCode::kNotFound, fmt::format("pending upload {} not found", id)));
  }
  return read_upload(*selected, 0);
}

Expected<void, MetaError> lock_object_key(PgConnection& connection, std::string_view tenant,
                                          std::string_view key) {
  auto locked =
      connection.execute(kLockObjectKey, PgParams().text(fmt::format("{}/{}", tenant, key)));
  if (!locked) return Unexpected(locked.error());
  return {};
}

Expected<void, MetaError> set_upload_state(PgConnection& connection, std::string_view id,
                                           UploadState state) {
  auto updated =
      connection.execute(kUpdateUploadState, PgParams().text(upload_state_text(state)).text(id));
  if (!updated) return Unexpected(updated.error());
  return {};
}

// The lower bound of a listing as PostgreSQL can take it. Text parameters cannot contain NUL,
// so a cursor's bound last_key + NUL becomes last_key + U+0001: keys never contain NUL, so no
// key lies between the two and both bounds select the same keys.
std::string postgres_lower_bound(std::string bound) {
  if (!bound.empty() && bound.back() == '\0') bound.back() = '\x01';
  return bound;
}

class PostgresRepository final : public Repository, public LifecycleIndex {
 public:
  explicit PostgresRepository(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}

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
  // Runs work, which reads without writing, on a pooled connection. The server may have closed
  // an idle connection (after a restart or an idle timeout). work then fails on a broken
  // connection, and it runs once more on a newly opened one.
  template <class Work>
  auto read(Work&& work) -> decltype(work(std::declval<PgConnection&>()));

  // Runs work inside one transaction and commits it when work succeeds. When BEGIN fails on a
  // broken connection, nothing has run yet, so it starts again on a newly opened connection.
  // A failure after BEGIN is returned as it is, because the outcome of a COMMIT lost with the
  // connection is unknown.
  template <class Work>
  auto transact(Work&& work) -> decltype(work(std::declval<PgConnection&>()));

  std::unique_ptr<PgPool> pool_;
};

template <class Work>
auto PostgresRepository::read(Work&& work) -> decltype(work(std::declval<PgConnection&>())) {
  for (int attempt = 0;; ++attempt) {
    auto connection = pool_->acquire();
    if (!connection) return Unexpected(connection.error());
    auto result = work(**connection);
    if (result.has_value() || attempt > 0 || !(*connection)->is_broken()) return result;
    pool_->close_idle();
  }
}

template <class Work>
auto PostgresRepository::transact(Work&& work) -> decltype(work(std::declval<PgConnection&>())) {
  for (int attempt = 0;; ++attempt) {
    auto connection = pool_->acquire();
    if (!connection) return Unexpected(connection.error());
    auto transaction = PgTransaction::begin(**connection);
    if (!transaction) {
      if (attempt == 0 && (*connection)->is_broken()) {
        pool_->close_idle();
        continue;
      }
      return Unexpected(transaction.error());
    }
    auto result = work(**connection);
    if (!result.has_value()) return result;
    if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
    return result;
  }
}

Expected<PendingUpload, MetaError> PostgresRepository::create_pending_upload(
    const PendingUpload& upload) {
  if (auto valid = validate_new_upload(upload); !valid) return Unexpected(valid.error());
  PendingUpload stored = upload;
  stored.created_at = floor_to_us(upload.created_at);
  stored.expires_at = floor_to_us(upload.expires_at);
  if (upload.object_expires_at) stored.object_expires_at = floor_to_us(*upload.object_expires_at);

  return transact([&](PgConnection& connection) -> Expected<PendingUpload, MetaError> {
    auto inserted = connection.execute(kInsertUpload, upload_params(stored));
    if (!inserted) {
      if (inserted.error().code == MetaErrorCode::kConflict) {
        return Unexpected(make_error(MetaErrorCode::kConflict,
                                     fmt::format("pending upload {} already exists", stored.id)));
      }
      return Unexpected(inserted.error());
    }
    return stored;
  });
}

Expected<PendingUpload, MetaError> PostgresRepository::find_pending_upload(std::string_view tenant,
                                                                           std::string_view id) {
  return read([&](PgConnection& connection) {
    return select_upload(connection, kSelectTenantUpload, id, tenant);
  });
}

Expected<ObjectRecord, MetaError> PostgresRepository::commit_upload(std::string_view upload_id,
                                                                    const ObjectRecord& observed,
                                                                    SystemTime now) {
  return transact([&](PgConnection& connection) -> Expected<ObjectRecord, MetaError> {
    // FOR UPDATE makes a second commit of the same upload wait, then read the new state.
    auto upload = select_upload(connection, kSelectUploadForUpdate, upload_id, std::nullopt);
    if (!upload) return Unexpected(upload.error());
    if (auto usable = check_committable(*upload, now); !usable) return Unexpected(usable.error());
    if (auto valid = validate_observed_object(observed, *upload); !valid) {
      return Unexpected(valid.error());
    }

    // The object row may not exist yet, so FOR UPDATE could not lock it: the advisory lock
    // covers a missing row as well.
    if (auto locked = lock_object_key(connection, upload->tenant, upload->key); !locked) {
      return Unexpected(locked.error());
    }
    auto current = select_object(connection, upload->tenant, upload->key);
    if (!current) return Unexpected(current.error());
    if (auto met = check_preconditions(*upload, *current, now); !met) {
      return Unexpected(met.error());
    }

    auto last_revision = select_last_revision(connection, upload->tenant, upload->key);
    if (!last_revision) return Unexpected(last_revision.error());
    ObjectRecord record = build_committed_record(*upload, observed, *current, *last_revision, now);
    if (auto written = connection.execute(kUpsertObject, object_params(record)); !written) {
      return Unexpected(written.error());
    }
    if (auto recorded = insert_version(connection, version_entry(record, std::nullopt));
        !recorded) {
      return Unexpected(recorded.error());
    }
    if (auto marked = set_upload_state(connection, upload->id, UploadState::kCompleted); !marked) {
      return Unexpected(marked.error());
    }
    return record;
  });
}

Expected<ObjectRecord, MetaError> PostgresRepository::get_object(std::string_view tenant,
                                                                 std::string_view key) {
  auto record =
      read([&](PgConnection& connection) { return select_object(connection, tenant, key); });
  if (!record) return Unexpected(record.error());
  if (!record->has_value()) {
    return Unexpected(
        make_error(MetaErrorCode::kNotFound, fmt::format("object {} not found", key)));
  }
  return std::move(**record);
}

Expected<Page<ObjectRecord>, MetaError> PostgresRepository::list_objects(
    std::string_view tenant, std::string_view key_prefix, std::string_view cursor,
    std::size_t limit, const ObjectFilter& filter) {
  if (tenant.empty()) return Unexpected(make_error(MetaErrorCode::kInvalid, "tenant is empty"));
  auto range = list_key_range(key_prefix, cursor);
  if (!range) return Unexpected(range.error());
  auto conditions = make_filter_parameters(filter);
  if (!conditions) return Unexpected(conditions.error());
  std::size_t page_size = std::clamp<std::size_t>(limit, 1, kMaxListLimit);

  PgParams params;
  params.text(tenant).text(postgres_lower_bound(range->lower_inclusive));
  bool bounded = range->upper_exclusive.has_value();
  if (bounded) params.text(*range->upper_exclusive);
  // Reading one row past the page shows whether another page follows.
  params.int64(static_cast<std::int64_t>(page_size + 1))
      .optional_text(conditions->exact_content_type)
      .optional_text(conditions->content_type_family)
      .optional_int64(conditions->updated_since_us)
      .optional_text(conditions->name_contains)
      .optional_text(conditions->tags_json)
      .optional_int64(conditions->unexpired_at_us);

  auto rows = read([&](PgConnection& connection) {
    return connection.execute(bounded ? kListObjectsInRange : kListObjectsFrom, params);
  });
  if (!rows) return Unexpected(rows.error());
  auto items = read_rows<ObjectRecord>(*rows, read_object);
  if (!items) return Unexpected(items.error());
  return page_from_rows(std::move(*items), page_size,
                        [](const auto& last) { return encode_list_cursor(last.key); });
}

Expected<ObjectRecord, MetaError> PostgresRepository::delete_object(
    std::string_view tenant, std::string_view key, std::optional<std::int64_t> expected_revision,
    std::string_view marker_version_id, SystemTime now) {
  return transact([&](PgConnection& connection) -> Expected<ObjectRecord, MetaError> {
    if (auto locked = lock_object_key(connection, tenant, key); !locked) {
      return Unexpected(locked.error());
    }
    auto current = select_object(connection, tenant, key);
    if (!current) return Unexpected(current.error());
    if (!current->has_value()) {
      return Unexpected(
          make_error(MetaErrorCode::kNotFound, fmt::format("object {} not found", key)));
    }
    ObjectRecord record = std::move(**current);
    if (expected_revision.has_value() && record.revision != *expected_revision) {
      std::string message =
          fmt::format("object is at revision {} but the delete expected revision {}",
                      record.revision, *expected_revision);
      return Unexpected(
          make_error(MetaErrorCode::kConflict, std::move(message), std::move(record)));
    }
    if (auto deleted = connection.execute(kDeleteObject, PgParams().text(tenant).text(key));
        !deleted) {
      return Unexpected(deleted.error());
    }
    if (auto marked =
            insert_version(connection, delete_marker_entry(record, marker_version_id, now));
        !marked) {
      return Unexpected(marked.error());
    }
    return record;
  });
}

Expected<Page<ObjectVersion>, MetaError> PostgresRepository::list_versions(std::string_view tenant,
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
  // Reading one row past the page shows whether another page follows.
  PgParams params;
  params.text(tenant)
      .text(key)
      .int64(below_revision)
      .int64(static_cast<std::int64_t>(page_size + 1));

  auto rows =
      read([&](PgConnection& connection) { return connection.execute(kListVersions, params); });
  if (!rows) return Unexpected(rows.error());
  auto items = read_rows<ObjectVersion>(*rows, read_version);
  if (!items) return Unexpected(items.error());
  return page_from_rows(std::move(*items), page_size,
                        [](const auto& last) { return encode_version_cursor(last.revision); });
}

Expected<ObjectVersion, MetaError> PostgresRepository::find_version(std::string_view tenant,
                                                                    std::string_view key,
                                                                    std::string_view version_id) {
  return read([&](PgConnection& connection) {
    return select_version(connection, tenant, key, version_id);
  });
}

Expected<ObjectRecord, MetaError> PostgresRepository::set_object_missing(
    std::string_view tenant, std::string_view key, std::int64_t expected_revision,
    std::string_view expected_version_id, std::optional<SystemTime> missing_since) {
  return transact([&](PgConnection& connection) -> Expected<ObjectRecord, MetaError> {
    if (auto locked = lock_object_key(connection, tenant, key); !locked) {
      return Unexpected(locked.error());
    }
    auto current = select_object(connection, tenant, key);
    if (!current) return Unexpected(current.error());
    auto record =
        apply_missing_change(*current, key, expected_revision, expected_version_id, missing_since);
    if (!record) return Unexpected(record.error());
    PgParams params;
    params.optional_int64(optional_unix_us(record->missing_since)).text(tenant).text(key);
    if (auto updated = connection.execute(kUpdateObjectMissing, params); !updated) {
      return Unexpected(updated.error());
    }
    return std::move(*record);
  });
}

Expected<ObjectRecord, MetaError> PostgresRepository::restore_version(const RestoreRequest& request,
                                                                      SystemTime now) {
  if (auto valid = validate_restore_request(request); !valid) return Unexpected(valid.error());

  return transact([&](PgConnection& connection) -> Expected<ObjectRecord, MetaError> {
    if (auto locked = lock_object_key(connection, request.tenant, request.key); !locked) {
      return Unexpected(locked.error());
    }
    auto source =
        select_version(connection, request.tenant, request.key, request.source_version_id);
    if (!source) return Unexpected(source.error());
    auto current = select_object(connection, request.tenant, request.key);
    if (!current) return Unexpected(current.error());
    if (auto allowed = check_restore(request, *source, *current); !allowed) {
      return Unexpected(allowed.error());
    }
    auto last_revision = select_last_revision(connection, request.tenant, request.key);
    if (!last_revision) return Unexpected(last_revision.error());

    ObjectRecord record = build_restored_record(request, *source, *current, *last_revision, now);
    if (auto written = connection.execute(kUpsertObject, object_params(record)); !written) {
      return Unexpected(written.error());
    }
    if (auto recorded =
            insert_version(connection, version_entry(record, request.source_version_id));
        !recorded) {
      return Unexpected(recorded.error());
    }
    return record;
  });
}

Expected<PendingUpload, MetaError> PostgresRepository::abort_pending_upload(std::string_view tenant,
                                                                            std::string_view id) {
  return transact([&](PgConnection& connection) -> Expected<PendingUpload, MetaError> {
    auto upload = select_upload(connection, kSelectTenantUploadForUpdate, id, tenant);
    if (!upload) return Unexpected(upload.error());
    if (upload->state == UploadState::kCompleted) {
      return Unexpected(
          make_error(MetaErrorCode::kAlreadyCompleted, "upload was already completed"));
    }
    if (upload->state == UploadState::kAborted) return std::move(*upload);

    if (auto marked = set_upload_state(connection, upload->id, UploadState::kAborted); !marked) {
      return Unexpected(marked.error());
    }
    upload->state = UploadState::kAborted;
    return std::move(*upload);
  });
}

Expected<std::int64_t, MetaError> PostgresRepository::append_audit_event(
    const AuditRecord& record) {
  if (auto valid = validate_audit_record(record); !valid) return Unexpected(valid.error());
  PgParams params;
  params.int64(to_unix_us(record.time))
      .text(record.request_id)
      .text(record.subject)
      .text(record.tenant)
      .text(record.action)
      .text(record.key)
      .text(record.decision)
      .text(record.reason)
      .text(record.client_address)
      .text(record.user_agent);
  // One statement in a transaction, so a connection lost before BEGIN is retried and one lost
  // later never inserts the event twice.
  return transact([&](PgConnection& connection) -> Expected<std::int64_t, MetaError> {
    auto inserted = connection.execute(kInsertAuditEvent, params);
    if (!inserted) return Unexpected(inserted.error());
    return inserted->int64(0, 0);
  });
}

Expected<void, MetaError> PostgresRepository::append_audit_events(
    std::span<const AuditRecord> records) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (auto valid = validate_audit_record(records[i]); !valid) {
      return Unexpected(make_error(MetaErrorCode::kInvalid,
                                   fmt::format("audit record {}: {}", i, valid.error().message)));
    }
  }
  if (records.empty()) return {};
  PgParams params = audit_batch_params(records);
  // One statement, retried like append_audit_event's.
  return transact([&](PgConnection& connection) -> Expected<void, MetaError> {
    auto inserted = connection.execute(kInsertAuditEvents, params);
    if (!inserted) return Unexpected(inserted.error());
    return {};
  });
}

Expected<Page<AuditRecord>, MetaError> PostgresRepository::list_audit_events(
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
  // Reading one row past the page shows whether another page follows.
  PgParams params;
  params.text(tenant)
      .int64(below_id)
      .optional_text(filter.subject)
      .optional_text(filter.action)
      .optional_int64(optional_unix_us(filter.since))
      .optional_int64(optional_unix_us(filter.until))
      .int64(static_cast<std::int64_t>(page_size + 1));

  auto rows =
      read([&](PgConnection& connection) { return connection.execute(kListAuditEvents, params); });
  if (!rows) return Unexpected(rows.error());
  auto items = read_rows<AuditRecord>(*rows, read_audit_record);
  if (!items) return Unexpected(items.error());
  return page_from_rows(std::move(*items), page_size,
                        [](const auto& last) { return encode_audit_cursor(last.id); });
}

Expected<Page<SubjectUsage>, MetaError> PostgresRepository::list_usage(std::string_view tenant,
                                                                       std::string_view name_prefix,
                                                                       std::string_view cursor,
                                                                       std::size_t limit) {
  auto bounds = usage_page_bounds(name_prefix, cursor, limit);
  if (!bounds) return Unexpected(bounds.error());
  const std::string& after_owner = bounds->after_owner;
  std::size_t page_size = bounds->page_size;
  std::optional<std::string> prefix;
  if (!name_prefix.empty()) prefix = std::string(name_prefix);
  // Reading one row past the page shows whether another page follows.
  PgParams params;
  params.text(tenant)
      .text(after_owner)
      .optional_text(prefix)
      .int64(static_cast<std::int64_t>(page_size + 1));

  auto rows =
      read([&](PgConnection& connection) { return connection.execute(kListUsage, params); });
  if (!rows) return Unexpected(rows.error());
  auto items = read_rows<SubjectUsage>(*rows, [](const PgResult& result, int row) {
    return SubjectUsage{.owner = result.text(row, 0),
                        .object_count = result.int64(row, 1),
                        .total_bytes = result.int64(row, 2)};
  });
  if (!items) return Unexpected(items.error());
  return page_from_rows(std::move(*items), page_size,
                        [](const auto& last) { return encode_usage_cursor(last.owner); });
}

Expected<Page<std::string>, MetaError> PostgresRepository::list_tenants(std::string_view cursor,
                                                                        std::size_t limit) {
  auto bounds = tenant_page_bounds(cursor, limit);
  if (!bounds) return Unexpected(bounds.error());
  // Reading one row past the page shows whether another page follows.
  PgParams params;
  params.text(bounds->after_tenant).int64(static_cast<std::int64_t>(bounds->page_size + 1));
  auto rows =
      read([&](PgConnection& connection) { return connection.execute(kListTenants, params); });
  if (!rows) return Unexpected(rows.error());
  auto items = read_rows<std::string>(
      *rows, [](const PgResult& result, int row) { return result.text(row, 0); });
  if (!items) return Unexpected(items.error());
  return page_from_rows(std::move(*items), bounds->page_size,
                        [](const auto& last) { return encode_tenant_cursor(last); });
}

Expected<KeyRedirect, MetaError> PostgresRepository::record_key_redirect(
    const KeyRedirect& redirect) {
  if (auto valid = validate_key_redirect(redirect); !valid) return Unexpected(valid.error());
  KeyRedirect stored = redirect;
  stored.cut_over_at = floor_to_us(redirect.cut_over_at);
  stored.created_at = floor_to_us(redirect.created_at);
  PgParams params;
  params.text(stored.tenant)
      .text(stored.old_key)
      .text(stored.new_key)
      .int64(to_unix_us(stored.cut_over_at))
      .int64(to_unix_us(stored.created_at));
  auto written = transact([&](PgConnection& connection) -> Expected<KeyRedirect, MetaError> {
    auto upserted = connection.execute(kUpsertKeyRedirect, params);
    if (!upserted) return Unexpected(upserted.error());
    return stored;
  });
  return written;
}

Expected<KeyRedirect, MetaError> PostgresRepository::find_key_redirect(std::string_view tenant,
                                                                       std::string_view old_key) {
  auto rows = read([&](PgConnection& connection) {
    return connection.execute(kSelectKeyRedirect, PgParams().text(tenant).text(old_key));
  });
  if (!rows) return Unexpected(rows.error());
  if (rows->rows() == 0) {
    return Unexpected(make_error(MetaErrorCode::kNotFound,
                                 fmt::format("no redirect is recorded for {}", old_key)));
  }
  return KeyRedirect{.tenant = rows->text(0, 0),
                     .old_key = rows->text(0, 1),
                     .new_key = rows->text(0, 2),
                     .cut_over_at = from_unix_us(rows->int64(0, 3)),
                     .created_at = from_unix_us(rows->int64(0, 4))};
}

PgSessionSettings session_settings(const PostgresOptions& options) {
  return PgSessionSettings{.connect_timeout = options.connect_timeout,
                           .lock_timeout = options.lock_timeout,
                           .statement_timeout = options.statement_timeout};
}

Expected<std::vector<ObjectRecord>, MetaError> PostgresRepository::list_expired_objects(
    SystemTime now, std::size_t limit) {
  PgParams params;
  params.int64(to_unix_us(now))
      .int64(static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit)));
  auto rows = read(
      [&](PgConnection& connection) { return connection.execute(kListExpiredObjects, params); });
  if (!rows) return Unexpected(rows.error());
  return read_rows<ObjectRecord>(*rows, read_object);
}

Expected<ObjectRecord, MetaError> PostgresRepository::set_object_expiry(
    std::string_view tenant, std::string_view key, std::int64_t expected_revision,
    std::optional<SystemTime> expires_at) {
  return transact([&](PgConnection& connection) -> Expected<ObjectRecord, MetaError> {
    if (auto locked = lock_object_key(connection, tenant, key); !locked) {
      return Unexpected(locked.error());
    }
    auto current = select_object(connection, tenant, key);
    if (!current) return Unexpected(current.error());
    auto record = check_expiry_change(*current, key, expected_revision);
    if (!record) return Unexpected(record.error());
    record->expires_at = expires_at ? std::optional(floor_to_us(*expires_at)) : std::nullopt;
    PgParams params;
    params.optional_int64(optional_unix_us(record->expires_at)).text(tenant).text(key);
    if (auto updated = connection.execute(kUpdateObjectExpiry, params); !updated) {
      return Unexpected(updated.error());
    }
    return std::move(*record);
  });
}

Expected<std::vector<PendingUpload>, MetaError> PostgresRepository::list_uploads_to_sweep(
    SystemTime created_before, std::size_t limit) {
  PgParams params;
  params.int64(to_unix_us(created_before))
      .int64(static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit)));
  auto rows = read(
      [&](PgConnection& connection) { return connection.execute(kListUploadsToSweep, params); });
  if (!rows) return Unexpected(rows.error());
  return read_rows<PendingUpload>(*rows, read_upload);
}

Expected<void, MetaError> PostgresRepository::mark_upload_store_cleaned(std::string_view tenant,
                                                                        std::string_view id,
                                                                        SystemTime now) {
  return transact([&](PgConnection& connection) -> Expected<void, MetaError> {
    auto upload = select_upload(connection, kSelectTenantUploadForUpdate, id, tenant);
    if (!upload) return Unexpected(upload.error());
    if (auto cleanable = check_store_cleanable(*upload); !cleanable) {
      return Unexpected(cleanable.error());
    }
    PgParams params;
    params.int64(to_unix_us(floor_to_us(now))).text(id);
    if (auto updated = connection.execute(kUpdateUploadStoreCleaned, params); !updated) {
      return Unexpected(updated.error());
    }
    return {};
  });
}

Expected<std::vector<ObjectVersion>, MetaError> PostgresRepository::list_noncurrent_versions(
    const NoncurrentVersionRules& rules, const VersionPosition& after, std::size_t limit) {
  PgParams params;
  params.text(after.tenant)
      .text(after.key)
      .int64(after.revision)
      .optional_int64(optional_unix_us(rules.noncurrent_before))
      .optional_int64(rules.newer_noncurrent_at_least)
      .int64(static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit)));
  auto rows = read([&](PgConnection& connection) {
    return connection.execute(kListNoncurrentVersions, params);
  });
  if (!rows) return Unexpected(rows.error());
  return read_rows<ObjectVersion>(*rows, read_version);
}

Expected<ObjectVersion, MetaError> PostgresRepository::mark_version_purged(std::string_view tenant,
                                                                           std::string_view key,
                                                                           std::int64_t revision,
                                                                           SystemTime now) {
  return transact([&](PgConnection& connection) -> Expected<ObjectVersion, MetaError> {
    auto selected = connection.execute(kSelectVersionByRevisionForUpdate,
                                       PgParams().text(tenant).text(key).int64(revision));
    if (!selected) return Unexpected(selected.error());
    if (selected->rows() == 0) {
      return Unexpected(make_error(MetaErrorCode::kNotFound,
                                   fmt::format("revision {} of {} not found", revision, key)));
    }
    auto version = read_version(*selected, 0);
    if (!version) return Unexpected(version.error());
    if (auto purgeable = check_purgeable(*version); !purgeable) {
      return Unexpected(purgeable.error());
    }
    if (version->purged_at.has_value()) return std::move(*version);
    version->purged_at = floor_to_us(now);
    PgParams params;
    params.int64(to_unix_us(*version->purged_at)).text(tenant).text(key).int64(revision);
    if (auto updated = connection.execute(kUpdateVersionPurged, params); !updated) {
      return Unexpected(updated.error());
    }
    return std::move(*version);
  });
}

}  // namespace

Expected<std::unique_ptr<Repository>, MetaError> open_postgres_repository(
    const Secret& conninfo, const PostgresOptions& options) {
  PgSessionSettings settings = session_settings(options);
  auto open = [conninfo, settings] { return PgConnection::open(conninfo, settings); };
  auto is_reusable = [](const PgConnection& connection) { return connection.is_reusable(); };
  auto pool = std::make_unique<PgPool>(open, is_reusable, options.max_connections);

  {
    auto connection = pool->acquire();
    if (!connection) return Unexpected(connection.error());
    // applied_at only records when a step ran and no logic reads it, so the system clock is
    // fine.
    auto migrated = apply_postgres_migrations(**connection, postgres_migrations(),
                                              std::chrono::system_clock::now());
    if (!migrated) return Unexpected(migrated.error());
  }
  return std::make_unique<PostgresRepository>(std::move(pool));
}

}  // namespace satchel::meta
