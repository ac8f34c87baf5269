#include "meta/migrations.h"

#include <array>
#include <cstdint>

#include "common/time_format.h"
#include "fmt/format.h"
#include "meta/sqlite_connection.h"

namespace satchel::meta {
namespace {

// Version 1: committed objects and pending uploads. Times are microseconds since the Unix
// epoch. Keys compare with SQLite's default BINARY collation (memcmp order), which listing
// relies on. STRICT makes SQLite reject values of the wrong type.
constexpr std::string_view kSchemaVersion1 = R"sql(
CREATE TABLE objects (
  id INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 0),
  etag TEXT NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT,
  revision INTEGER NOT NULL CHECK (revision >= 1),
  created_at_us INTEGER NOT NULL,
  updated_at_us INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX objects_tenant_key ON objects (tenant, key);

CREATE TABLE pending_uploads (
  id TEXT NOT NULL PRIMARY KEY,
  tenant TEXT NOT NULL,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  key TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 0),
  sha256 TEXT,
  if_match_revision INTEGER CHECK (if_match_revision >= 1),
  if_none_match INTEGER NOT NULL CHECK (if_none_match IN (0, 1)),
  created_at_us INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'completed', 'aborted'))
) STRICT, WITHOUT ROWID;
)sql";

// Version 2: the version history. Each key's entries are numbered by the revision they gave it,
// so the primary key also orders a key's history for listing. Objects committed before this
// version start their history at their current revision.
constexpr std::string_view kSchemaVersion2 = R"sql(
CREATE TABLE object_versions (
  tenant TEXT NOT NULL,
  key TEXT NOT NULL,
  revision INTEGER NOT NULL CHECK (revision >= 1),
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  version_id TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 0),
  etag TEXT NOT NULL,
  content_type TEXT NOT NULL,
  sha256 TEXT,
  committed_at_us INTEGER NOT NULL,
  deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
  restored_from TEXT,
  PRIMARY KEY (tenant, key, revision)
) STRICT, WITHOUT ROWID;

INSERT INTO object_versions (tenant, key, revision, owner, name, version_id, size, etag,
                             content_type, sha256, committed_at_us, deleted, restored_from)
SELECT tenant, key, revision, owner, name, version_id, size, etag, content_type, sha256,
       updated_at_us, 0, NULL
FROM objects;
)sql";

// Version 3: the audit log. AUTOINCREMENT keeps ids increasing even after the newest rows are
// deleted, so a cursor never skips or repeats an event. Listing walks a tenant's events by id.
constexpr std::string_view kSchemaVersion3 = R"sql(
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_us INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  tenant TEXT NOT NULL,
  action TEXT NOT NULL,
  key TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT NOT NULL,
  client_address TEXT NOT NULL,
  user_agent TEXT NOT NULL
) STRICT;

CREATE INDEX audit_events_tenant_id ON audit_events (tenant, id);
)sql";

// Version 4: object tags, the per-owner index that usage counts walk, and key redirects. Tags
// are a JSON object of strings (object_tags.h); rows written before this version have none.
constexpr std::string_view kSchemaVersion4 = R"sql(
ALTER TABLE objects ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
ALTER TABLE object_versions ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
ALTER TABLE pending_uploads ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';

CREATE INDEX objects_tenant_owner ON objects (tenant, owner);

CREATE TABLE key_redirects (
  tenant TEXT NOT NULL,
  old_key TEXT NOT NULL,
  new_key TEXT NOT NULL,
  cut_over_at_us INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL,
  PRIMARY KEY (tenant, old_key)
) STRICT, WITHOUT ROWID;
)sql";

// Version 5: data lifecycle. An object's expiry and the expiry its upload requests, and when
// the lifecycle sweeper removed a noncurrent version's bytes. The partial index lets the
// sweeper find expired objects without reading the others, and the uploads index lets it find
// stale pending uploads by age.
constexpr std::string_view kSchemaVersion5 = R"sql(
ALTER TABLE objects ADD COLUMN expires_at_us INTEGER;
ALTER TABLE pending_uploads ADD COLUMN object_expires_at_us INTEGER;
ALTER TABLE object_versions ADD COLUMN purged_at_us INTEGER;

CREATE INDEX objects_expires_at ON objects (expires_at_us) WHERE expires_at_us IS NOT NULL;
CREATE INDEX pending_uploads_state_created ON pending_uploads (state, created_at_us);
)sql";

// Version 6: when reconcile found an object's bytes missing from the store (NULL while they are
// there). A commit or restore of the key writes the row again and clears it.
constexpr std::string_view kSchemaVersion6 = R"sql(
ALTER TABLE objects ADD COLUMN missing_since_us INTEGER;
)sql";

// Version 7: when the lifecycle sweeper finished removing an aborted upload's bytes from the
// store (NULL until then, and for every upload that is not aborted). Uploads aborted before this
// version get one clean-up pass. The partial index lets the sweeper find the aborted uploads
// still to clean up without reading the others, which are never pruned. Its state column makes
// SQLite's planner prefer it to pending_uploads_state_created for that part of the query.
constexpr std::string_view kSchemaVersion7 = R"sql(
ALTER TABLE pending_uploads ADD COLUMN store_cleaned_at_us INTEGER;

CREATE INDEX pending_uploads_store_uncleaned ON pending_uploads (state, created_at_us)
  WHERE state = 'aborted' AND store_cleaned_at_us IS NULL;
)sql";

constexpr std::array kSqliteMigrations{
    Migration{1, kSchemaVersion1}, Migration{2, kSchemaVersion2}, Migration{3, kSchemaVersion3},
    Migration{4, kSchemaVersion4}, Migration{5, kSchemaVersion5}, Migration{6, kSchemaVersion6},
    Migration{7, kSchemaVersion7},
};

constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT";
constexpr std::string_view kSchemaMigrationsExists =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'";
constexpr std::string_view kSelectSchemaVersion =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";
constexpr std::string_view kInsertSchemaMigration =
    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)";

}  // namespace

Expected<void, MetaError> check_migration_numbering(std::span<const Migration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    int expected_version = static_cast<int>(i) + 1;
    if (migrations[i].version != expected_version) {
      return Unexpected(MetaError{
          MetaErrorCode::kInvalid,
          fmt::format("migration {} is numbered {}, but migrations must be numbered 1, 2, 3, ...",
                      expected_version, migrations[i].version),
          std::nullopt});
    }
  }
  return {};
}

Expected<void, MetaError> check_schema_not_newer(int database_version, int binary_version) {
  if (database_version <= binary_version) return {};
  return Unexpected(MetaError{
      MetaErrorCode::kInvalid,
      fmt::format("database schema version {} is newer than this binary's schema version {}. "
                  "Run a satchel release that supports version {}.",
                  database_version, binary_version, database_version),
      std::nullopt});
}

namespace {

Expected<int, MetaError> read_recorded_version(SqliteConnection& connection) {
  auto select = connection.prepare(kSelectSchemaVersion);
  if (!select) return Unexpected(select.error());
  auto row = select->step();
  if (!row) return Unexpected(row.error());
  return static_cast<int>(select->int64(0));
}

// Applies one migration unless another process applied it first. Returns whether it ran.
Expected<bool, MetaError> apply_one(SqliteConnection& connection, const Migration& migration,
                                    int binary_version, SystemTime now) {
  auto transaction = SqliteTransaction::begin_immediate(connection);
  if (!transaction) return Unexpected(transaction.error());
  auto current = read_recorded_version(connection);
  if (!current) return Unexpected(current.error());
  if (auto newer = check_schema_not_newer(*current, binary_version); !newer) {
    return Unexpected(newer.error());
  }
  if (migration.version <= *current) return false;

  if (auto applied = connection.execute_script(migration.sql); !applied) {
    MetaError error = applied.error();
    error.message = fmt::format("schema migration {} failed: {}", migration.version, error.message);
    return Unexpected(std::move(error));
  }
  {
    auto insert = connection.prepare(kInsertSchemaMigration);
    if (!insert) return Unexpected(insert.error());
    insert->bind(1, static_cast<std::int64_t>(migration.version));
    insert->bind(2, format_iso8601(now));
    if (auto recorded = insert->run(); !recorded) return Unexpected(recorded.error());
  }
  if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
  return true;
}

}  // namespace

std::span<const Migration> sqlite_migrations() { return kSqliteMigrations; }

int latest_schema_version(std::span<const Migration> migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

Expected<int, MetaError> read_schema_version(SqliteConnection& connection) {
  {
    auto exists = connection.prepare(kSchemaMigrationsExists);
    if (!exists) return Unexpected(exists.error());
    auto row = exists->step();
    if (!row) return Unexpected(row.error());
    if (exists->int64(0) == 0) return 0;
  }
  return read_recorded_version(connection);
}

Expected<int, MetaError> apply_migrations(SqliteConnection& connection,
                                          std::span<const Migration> migrations, SystemTime now) {
  if (auto numbered = check_migration_numbering(migrations); !numbered) {
    return Unexpected(numbered.error());
  }
  int binary_version = latest_schema_version(migrations);
  if (auto created = connection.execute_script(kCreateSchemaMigrations); !created) {
    return Unexpected(created.error());
  }
  auto current = read_recorded_version(connection);
  if (!current) return Unexpected(current.error());
  if (auto newer = check_schema_not_newer(*current, binary_version); !newer) {
    return Unexpected(newer.error());
  }

  int applied_count = 0;
  for (const Migration& migration : migrations) {
    if (migration.version <= *current) continue;
    auto applied = apply_one(connection, migration, binary_version, now);
    if (!applied) return Unexpected(applied.error());
    if (*applied) ++applied_count;
  }
  return applied_count;
}

}  // namespace satchel::meta
