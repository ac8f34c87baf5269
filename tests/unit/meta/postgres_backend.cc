// Runs the shared repository and migration tests against PostgreSQL: one private server for the
// whole test program, started by a global environment, and a new database per test. A test
// fails, never skips, when the server cannot be started.
#include <gtest/gtest.h>

#include "meta/pg_connection.h"
#include "meta/postgres_migrations.h"
#include "meta/postgres_repository.h"
#include "postgres_server.h"
#include "postgres_test_database.h"
#include "repository_test_fixture.h"

namespace satchel::meta::test_support {
namespace {

constexpr std::string_view kTableExists = "SELECT to_regclass($1) IS NOT NULL";

// Set while the environment's server runs.
PostgresServer* g_server = nullptr;
std::string g_start_error = "the PostgreSQL test environment did not run";

class PostgresEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override {
    auto started = PostgresServer::start();
    if (!started) {
      g_start_error = started.error();
      FAIL() << "cannot start a private PostgreSQL server: " << started.error();
    }
    server_ = std::move(*started);
    g_server = server_.get();
  }

  void TearDown() override {
    g_server = nullptr;
    server_.reset();
  }

 private:
  std::unique_ptr<PostgresServer> server_;
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

}  // namespace

Expected<Secret, std::string> create_postgres_test_database() {
  if (g_server == nullptr) return Unexpected(g_start_error);
  return g_server->create_database();
}

namespace {

MetaError unavailable(std::string message) {
  return MetaError{MetaErrorCode::kUnavailable, std::move(message), std::nullopt};
}

class PostgresBackend final : public RepositoryBackend {
 public:
  PostgresBackend() : conninfo_(create_postgres_test_database()) {}

  Expected<std::unique_ptr<Repository>, MetaError> open() override {
    if (!conninfo_) return Unexpected(unavailable(conninfo_.error()));
    return open_postgres_repository(*conninfo_);
  }

  std::span<const Migration> migrations() const override { return postgres_migrations(); }

  Expected<int, MetaError> apply(std::span<const Migration> migrations) override {
    auto connection = connect();
    if (!connection) return Unexpected(connection.error());
    return apply_postgres_migrations(**connection, migrations, std::chrono::system_clock::now());
  }

  Expected<int, MetaError> schema_version() override {
    auto connection = connect();
    if (!connection) return Unexpected(connection.error());
    return read_postgres_schema_version(**connection);
  }

  Expected<void, MetaError> execute(std::string_view sql) override {
    auto connection = connect();
    if (!connection) return Unexpected(connection.error());
    return (*connection)->execute_script(sql);
  }

  Expected<std::int64_t, MetaError> query_int(std::string_view sql) override {
    auto connection = connect();
    if (!connection) return Unexpected(connection.error());
    auto result = (*connection)->execute(sql, PgParams());
    if (!result) return Unexpected(result.error());
    return result->int64(0, 0);
  }

  Expected<bool, MetaError> table_exists(std::string_view name) override {
    auto connection = connect();
    if (!connection) return Unexpected(connection.error());
    auto result = (*connection)->execute(kTableExists, PgParams().text(name));
    if (!result) return Unexpected(result.error());
    return result->boolean(0, 0);
  }

 private:
  Expected<std::unique_ptr<PgConnection>, MetaError> connect() {
    if (!conninfo_) return Unexpected(unavailable(conninfo_.error()));
    return PgConnection::open(*conninfo_, PgSessionSettings{});
  }

  Expected<Secret, std::string> conninfo_ = Unexpected(std::string("not created"));
};

const BackendFactory kPostgres{"postgres", [] { return std::make_unique<PostgresBackend>(); }};

}  // namespace

std::vector<BackendFactory> backends_under_test() { return {kPostgres}; }

}  // namespace satchel::meta::test_support
