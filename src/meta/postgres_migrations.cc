#include "meta/postgres_migrations.h"

#include <array>
#include <cstdint>

#include "common/time_format.h"
#include "fmt/format.h"
#include "meta/pg_connection.h"

namespace satchel::meta {
namespace {

// Version 1: committed objects and pending uploads, as in the SQLite schema. Times are
// microseconds since the Unix epoch. Keys use the "C" collation, so they compare by bytes
// (UTF-8 byte order) whatever the database's locale, which listing relies on.
constexpr std::string_view kSchemaVersion1 = R"sql(
CREATE TABLE objects (
  tenant text COLLATE "C" NOT NULL,
  owner text NOT NULL,
  name text NOT NULL,
  key text COLLATE "C" NOT NULL,
  version_id text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  etag text NOT NULL,
  content_type text NOT NULL,
  sha256 text,
  revision bigint NOT NULL CHECK (revision >= 1),
  created_at_us bigint NOT NULL,
  updated_at_us bigint NOT NULL,
  PRIMARY KEY (tenant, key)
);

CREATE TABLE pending_uploads (
  id text PRIMARY KEY,
  tenant text NOT NULL,
  owner text NOT NULL,
  name text NOT NULL,
  key text NOT NULL,
  content_type text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  sha256 text,
  if_match_revision bigint CHECK (if_match_revision >= 1),
  if_none_match boolean NOT NULL,
  created_at_us bigint NOT NULL,
  expires_at_us bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'completed', 'aborted'))
);
)sql";

// Version 2: the version history, as in the SQLite schema.
constexpr std::string_view kSchemaVersion2 = R"sql(
CREATE TABLE object_versions (
  tenant text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  revision bigint NOT NULL CHECK (revision >= 1),
  owner text NOT NULL,
  name text NOT NULL,
  version_id text NOT NULL,
  size bigint NOT NULL CHECK (size >= 0),
  etag text NOT NULL,
  content_type text NOT NULL,
  sha256 text,
  committed_at_us bigint NOT NULL,
  deleted boolean NOT NULL,
  restored_from text,
  PRIMARY KEY (tenant, key, revision)
);

INSERT INTO object_versions (tenant, key, revision, owner, name, version_id, size, etag,
                             content_type, sha256, committed_at_us, deleted, restored_from)
SELECT tenant, key, revision, owner, name, version_id, size, etag, content_type, sha256,
       updated_at_us, false, NULL
FROM objects;
)sql";

// Version 3: the audit log, as in the SQLite schema. Ids come from an identity column, so with
// several API processes they follow the order of the inserts' sequence calls, which may differ
// from the order of the events' times by a few milliseconds.
constexpr std::string_view kSchemaVersion3 = R"sql(
CREATE TABLE audit_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time_us bigint NOT NULL,
  request_id text NOT NULL,
  subject text NOT NULL,
  tenant text NOT NULL,
  action text NOT NULL,
  key text NOT NULL,
  decision text NOT NULL,
  reason text NOT NULL,
  client_address text NOT NULL,
  user_agent text NOT NULL
);

CREATE INDEX audit_events_tenant_id ON audit_events (tenant, id);
)sql";

// Version 4: object tags, the per-owner index that usage counts walk, and key redirects, as in
// the SQLite schema. Tags are jsonb, so the listing filter can use containment (@>).
constexpr std::string_view kSchemaVersion4 = R"sql(
ALTER TABLE objects ADD COLUMN tags jsonb NOT NULL DEFAULT '{}';
ALTER TABLE object_versions ADD COLUMN tags jsonb NOT NULL DEFAULT '{}';
ALTER TABLE pending_uploads ADD COLUMN tags jsonb NOT NULL DEFAULT '{}';

CREATE INDEX objects_tenant_owner ON objects (tenant, owner COLLATE "C");

CREATE TABLE key_redirects (
  tenant text COLLATE "C" NOT NULL,
  old_key text COLLATE "C" NOT NULL,
  new_key text NOT NULL,
  cut_over_at_us bigint NOT NULL,
  created_at_us bigint NOT NULL,
  PRIMARY KEY (tenant, old_key)
);
)sql";

// Version 5: data lifecycle, as in the SQLite schema.
constexpr std::string_view kSchemaVersion5 = R"sql(
ALTER TABLE objects ADD COLUMN expires_at_us bigint;
ALTER TABLE pending_uploads ADD COLUMN object_expires_at_us bigint;
ALTER TABLE object_versions ADD COLUMN purged_at_us bigint;

CREATE INDEX objects_expires_at ON objects (expires_at_us) WHERE expires_at_us IS NOT NULL;
CREATE INDEX pending_uploads_state_created ON pending_uploads (state, created_at_us);
)sql";

// Version 6: when reconcile found an object's bytes missing, as in the SQLite schema.
constexpr std::string_view kSchemaVersion6 = R"sql(
ALTER TABLE objects ADD COLUMN missing_since_us bigint;
)sql";

// Version 7: when the lifecycle sweeper finished removing an aborted upload's bytes, as in the
// SQLite schema.
constexpr std::string_view kSchemaVersion7 = R"sql(
ALTER TABLE pending_uploads ADD COLUMN store_cleaned_at_us bigint;

CREATE INDEX pending_uploads_store_uncleaned ON pending_uploads (state, created_at_us)
  WHERE state = 'aborted' AND store_cleaned_at_us IS NULL;
)sql";

constexpr std::array kPostgresMigrations{
    Migration{1, kSchemaVersion1}, Migration{2, kSchemaVersion2}, Migration{3, kSchemaVersion3},
    Migration{4, kSchemaVersion4}, Migration{5, kSchemaVersion5}, Migration{6, kSchemaVersion6},
    Migration{7, kSchemaVersion7},
};

// The two-key advisory lock that serializes migrations. The two-key space is separate from the
// one-key space that per-object locks use. The first key spells "satc" in ASCII.
constexpr std::int32_t kLockClassSatchel = 0x73617463;
constexpr std::int32_t kLockMigrations = 1;

constexpr std::string_view kLockMigrationsSql = "SELECT pg_advisory_xact_lock($1, $2)";
constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version integer PRIMARY KEY, applied_at timestamptz NOT NULL)";
constexpr std::string_view kSchemaMigrationsExists =
    "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr std::string_view kSelectSchemaVersion =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";
constexpr std::string_view kInsertSchemaMigration =
    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)";

Expected<int, MetaError> read_recorded_version(PgConnection& connection) {
  auto selected = connection.execute(kSelectSchemaVersion, PgParams());
  if (!selected) return Unexpected(selected.error());
  return static_cast<int>(selected->int64(0, 0));
}

// Applies one migration unless another process applied it first. Returns whether it ran.
Expected<bool, MetaError> apply_one(PgConnection& connection, const Migration& migration,
                                    int binary_version, SystemTime now) {
  auto transaction = PgTransaction::begin(connection);
  if (!transaction) return Unexpected(transaction.error());
  auto locked = connection.execute(kLockMigrationsSql,
                                   PgParams().int64(kLockClassSatchel).int64(kLockMigrations));
  if (!locked) return Unexpected(locked.error());
  // Created under the lock, because two concurrent CREATE TABLE IF NOT EXISTS can both try to
  // create the table and one then fails.
  if (auto created = connection.execute_script(kCreateSchemaMigrations); !created) {
    return Unexpected(created.error());
  }
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
  auto recorded = connection.execute(kInsertSchemaMigration,
                                     PgParams().int64(migration.version).text(format_iso8601(now)));
  if (!recorded) return Unexpected(recorded.error());
  if (auto committed = transaction->commit(); !committed) return Unexpected(committed.error());
  return true;
}

}  // namespace

std::span<const Migration> postgres_migrations() { return kPostgresMigrations; }

Expected<int, MetaError> read_postgres_schema_version(PgConnection& connection) {
  auto exists = connection.execute(kSchemaMigrationsExists, PgParams());
  if (!exists) return Unexpected(exists.error());
  if (!exists->boolean(0, 0)) return 0;
  return read_recorded_version(connection);
}

Expected<int, MetaError> apply_postgres_migrations(PgConnection& connection,
                                                   std::span<const Migration> migrations,
                                                   SystemTime now) {
  if (auto numbered = check_migration_numbering(migrations); !numbered) {
    return Unexpected(numbered.error());
  }
  int binary_version = latest_schema_version(migrations);
  auto current = read_postgres_schema_version(connection);
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
