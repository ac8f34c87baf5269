// Chooses and opens a metadata back end from a URL, for the command line and configuration.
#pragma once

#include <memory>
#include <string>

#include "common/expected.h"
#include "common/secret.h"
#include "meta/meta_error.h"
#include "meta/postgres_repository.h"
#include "meta/repository.h"
#include "meta/sqlite_repository.h"

namespace satchel::meta {

enum class Backend { kSqlite, kPostgres };

// The back end and address that a metadata URL names. location is the file path for SQLite,
// and for PostgreSQL the whole URL, which libpq reads unchanged. It is a Secret because a
// PostgreSQL URL may carry a password.
struct RepositoryLocation {
  Backend backend = Backend::kSqlite;
  Secret location;
};

// Parses a metadata URL:
//   postgres://... or postgresql://...  PostgreSQL, as libpq reads the URI
//   sqlite:PATH or sqlite://PATH        an SQLite file ("sqlite:///var/lib/m.db" is absolute)
//   PATH                                an SQLite file, when the text has no "://"
// Fails with kInvalid for an empty path or another scheme. The message never repeats the URL.
Expected<RepositoryLocation, MetaError> parse_repository_url(const Secret& url);

// Returns "sqlite" or "postgresql", for logs.
std::string_view backend_name(Backend backend);

struct RepositoryOptions {
  SqliteOptions sqlite;
  PostgresOptions postgres;
};

// Opens the back end that url names (see parse_repository_url) and applies pending schema
// migrations. Errors are those of parse_repository_url, open_sqlite_repository and
// open_postgres_repository.
Expected<std::unique_ptr<Repository>, MetaError> open_repository(
    const Secret& url, const RepositoryOptions& options = {});

struct MigrationReport {
  Backend backend = Backend::kSqlite;
  int version_before = 0;
  int version_after = 0;
  // The newest schema version that this binary can migrate to.
  int binary_version = 0;
};

// Brings the database that url names to this binary's schema version and reports the versions
// before and after. Creates an SQLite file that does not exist yet. Fails like
// open_repository().
Expected<MigrationReport, MetaError> migrate_database(const Secret& url,
                                                      const RepositoryOptions& options = {});

}  // namespace satchel::meta
