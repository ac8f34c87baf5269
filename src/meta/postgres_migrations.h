// Versioned schema migrations for the PostgreSQL back end. Version numbers mean the same
// schema as the SQLite back end's.
#pragma once

#include <span>

#include "common/clock.h"
#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/migrations.h"

namespace satchel::meta {

class PgConnection;

// The PostgreSQL schema, oldest step first, versions 1, 2, 3, ... without gaps.
std::span<const Migration> postgres_migrations();

// Returns the highest version recorded in schema_migrations, or 0 for a new database.
Expected<int, MetaError> read_postgres_schema_version(PgConnection& connection);

// Applies, in order, every migration newer than the database's schema version and returns how
// many it applied. Each step runs in its own transaction together with its row in
// schema_migrations(version, applied_at), and holds a transaction-level advisory lock while it
// reads the version and migrates, so processes starting together apply every step once.
//
// Fails with kInvalid, naming both versions, when the database's version is newer than the
// newest of migrations, or when migrations are not numbered 1, 2, 3, ...
Expected<int, MetaError> apply_postgres_migrations(PgConnection& connection,
                                                   std::span<const Migration> migrations,
                                                   SystemTime now);

}  // namespace satchel::meta
