// Runs the shared repository and migration tests against SQLite, one file per test.
#include <gtest/gtest.h>

#include <fstream>

#include "meta/migrations.h"
#include "meta/sqlite_connection.h"
#include "meta/sqlite_repository.h"
#include "repository_test_fixture.h"
#include "temporary_directory.h"

namespace satchel::meta::test_support {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kCountTables =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?";

class SqliteBackend final : public RepositoryBackend {
 public:
  Expected<std::unique_ptr<Repository>, MetaError> open() override {
    return open_sqlite_repository(database_path());
  }

  std::span<const Migration> migrations() const override { return sqlite_migrations(); }

  Expected<int, MetaError> apply(std::span<const Migration> migrations) override {
    auto connection = connect();
    if (!connection) return Unexpected(connection.error());
    return apply_migrations(**connection, migrations, std::chrono::system_clock::now());
  }

  Expected<int, MetaError> schema_version() override {
    auto connection = connect();
    if (!connection) return Unexpected(connection.error());
    return read_schema_version(**connection);
  }

  Expected<void, MetaError> execute(std::string_view sql) override {
    auto connection = connect();
    if (!connection) return Unexpected(connection.error());
    return (*connection)->execute_script(sql);
  }

  Expected<std::int64_t, MetaError> query_int(std::string_view sql) override {
    return query(sql, std::nullopt);
  }

  Expected<bool, MetaError> table_exists(std::string_view name) override {
    auto count = query(kCountTables, name);
    if (!count) return Unexpected(count.error());
    return *count == 1;
  }

 private:
  std::filesystem::path database_path() const { return directory_.path() / "meta.db"; }

  // SqliteConnection opens only existing files, so the file is created first when missing.
  Expected<std::unique_ptr<SqliteConnection>, MetaError> connect() {
    if (!std::filesystem::exists(database_path())) std::ofstream(database_path()).close();
    return SqliteConnection::open(database_path(), 1000ms);
  }

  // The connection stays open until the statement is done with it.
  Expected<std::int64_t, MetaError> query(std::string_view sql,
                                          std::optional<std::string_view> parameter) {
    auto connection = connect();
    if (!connection) return Unexpected(connection.error());
    auto select = (*connection)->prepare(sql);
    if (!select) return Unexpected(select.error());
    if (parameter.has_value()) select->bind(1, *parameter);
    auto row = select->step();
    if (!row) return Unexpected(row.error());
    if (!*row) return Unexpected(MetaError{MetaErrorCode::kNotFound, "query returned no row", {}});
    return select->int64(0);
  }

  TemporaryDirectory directory_;
};

const BackendFactory kSqlite{"sqlite", [] { return std::make_unique<SqliteBackend>(); }};

}  // namespace

std::vector<BackendFactory> backends_under_test() { return {kSqlite}; }

}  // namespace satchel::meta::test_support
