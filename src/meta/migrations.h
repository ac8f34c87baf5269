// Versioned schema migrations: the step type shared by every back end, and the SQLite steps.
#pragma once

#include <span>
#include <string_view>

#include "common/clock.h"
#include "common/expected.h"
#include "meta/meta_error.h"

namespace satchel::meta {

class SqliteConnection;

// One schema step: SQL that moves the schema from version - 1 to version. It contains no values
// and may contain several statements.
struct Migration {
  int version = 0;
  std::string_view sql;
};

// Checks that migrations are numbered 1, 2, 3, ... in order. kInvalid otherwise.
Expected<void, MetaError> check_migration_numbering(std::span<const Migration> migrations);

// kInvalid, naming both versions, when database_version > binary_version.
Expected<void, MetaError> check_schema_not_newer(int database_version, int binary_version);

// The SQLite schema, oldest step first, versions 1, 2, 3, ... without gaps.
std::span<const Migration> sqlite_migrations();

// The highest version in migrations, or 0 when there are none.
int latest_schema_version(std::span<const Migration> migrations);

// Returns the highest version recorded in schema_migrations, or 0 for a new database.
Expected<int, MetaError> read_schema_version(SqliteConnection& connection);

// Applies, in order, every migration newer than the database's schema version and returns how
// many it applied. Each migration runs in its own transaction together with its row in
// schema_migrations(version, applied_at), so a failed step leaves the previous version
// intact. The version is read again inside each transaction, so two processes opening the
// same new database apply every step once.
//
// Fails with kInvalid, naming both versions, when the database's version is newer than the
// newest of migrations, or when migrations are not numbered 1, 2, 3, ...
Expected<int, MetaError> apply_migrations(SqliteConnection& connection,
                                          std::span<const Migration> migrations, SystemTime now);

}  // namespace satchel::meta
