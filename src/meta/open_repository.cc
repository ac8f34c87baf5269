#include "meta/open_repository.h"

#include <filesystem>
#include <string_view>

#include "meta/migrations.h"
#include "meta/pg_connection.h"
#include "meta/postgres_migrations.h"
#include "meta/sqlite_connection.h"

namespace satchel::meta {
namespace {

constexpr std::string_view kSqliteUrlPrefix = "sqlite://";
constexpr std::string_view kSqliteScheme = "sqlite:";

Unexpected<MetaError> invalid(std::string message) {
  return Unexpected(MetaError{MetaErrorCode::kInvalid, std::move(message), std::nullopt});
}

Expected<int, MetaError> read_sqlite_version(const std::filesystem::path& path,
                                             const SqliteOptions& options) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return 0;
  auto connection = SqliteConnection::open(path, options.busy_timeout);
  if (!connection) return Unexpected(connection.error());
  return read_schema_version(**connection);
}

Expected<int, MetaError> read_postgres_version(const Secret& conninfo,
                                               const PostgresOptions& options) {
  auto connection = PgConnection::open(
      conninfo, PgSessionSettings{.connect_timeout = options.connect_timeout,
                                  .lock_timeout = options.lock_timeout,
                                  .statement_timeout = options.statement_timeout});
  if (!connection) return Unexpected(connection.error());
  return read_postgres_schema_version(**connection);
}

}  // namespace

Expected<RepositoryLocation, MetaError> parse_repository_url(const Secret& url) {
  std::string_view text = url.reveal();
  if (text.starts_with("postgres://") || text.starts_with("postgresql://")) {
    return RepositoryLocation{Backend::kPostgres, url};
  }
  std::string_view path = text;
  if (text.starts_with(kSqliteUrlPrefix)) {
    path.remove_prefix(kSqliteUrlPrefix.size());
  } else if (text.starts_with(kSqliteScheme)) {
    path.remove_prefix(kSqliteScheme.size());
  } else if (std::size_t scheme_end = text.find("://"); scheme_end != std::string_view::npos) {
    return invalid(
        "the metadata URL has an unsupported scheme. Use postgres://, postgresql://, sqlite: or a "
        "file path.");
  }
  if (path.empty()) return invalid("the metadata URL names no SQLite file path");
  return RepositoryLocation{Backend::kSqlite, Secret(std::string(path))};
}

std::string_view backend_name(Backend backend) {
  switch (backend) {
    case Backend::kSqlite:
      return "sqlite";
    case Backend::kPostgres:
      return "postgresql";
  }
  return "unknown";
}

Expected<std::unique_ptr<Repository>, MetaError> open_repository(const Secret& url,
                                                                 const RepositoryOptions& options) {
  auto location = parse_repository_url(url);
  if (!location) return Unexpected(location.error());
  if (location->backend == Backend::kPostgres) {
    return open_postgres_repository(location->location, options.postgres);
  }
  return open_sqlite_repository(std::filesystem::path(location->location.reveal()), options.sqlite);
}

Expected<MigrationReport, MetaError> migrate_database(const Secret& url,
                                                      const RepositoryOptions& options) {
  auto location = parse_repository_url(url);
  if (!location) return Unexpected(location.error());
  bool postgres = location->backend == Backend::kPostgres;
  MigrationReport report{.backend = location->backend,
                         .binary_version = latest_schema_version(postgres ? postgres_migrations()
                                                                          : sqlite_migrations())};

  auto before = postgres ? read_postgres_version(location->location, options.postgres)
                         : read_sqlite_version(location->location.reveal(), options.sqlite);
  if (!before) return Unexpected(before.error());
  report.version_before = *before;

  // Opening migrates, and fails when the schema is newer than this binary's.
  auto opened = open_repository(url, options);
  if (!opened) return Unexpected(opened.error());
  report.version_after = report.binary_version;
  return report;
}

}  // namespace satchel::meta
