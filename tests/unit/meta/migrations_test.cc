#include "meta/migrations.h"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <memory>
#include <string>

#include "common/time_format.h"
#include "fmt/format.h"
#include "meta/sqlite_connection.h"
#include "meta/sqlite_repository.h"
#include "temporary_directory.h"

namespace satchel::meta {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kCountTables =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?";
constexpr std::string_view kCountMigrationRows = "SELECT count(*) FROM schema_migrations";
constexpr std::string_view kInsertMigrationRow =
    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)";

constexpr std::string_view kCreateFirst = "CREATE TABLE first_table (value INTEGER)";
constexpr std::string_view kCreateSecond = "CREATE TABLE second_table (value INTEGER)";
// The first statement succeeds and the second fails, so the step must roll back as a whole.
constexpr std::string_view kCreateThenFail =
    "CREATE TABLE third_table (value INTEGER); SELECT * FROM no_such_table;";

const SystemTime kNow = from_unix_seconds(1'700'000'000);

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // SqliteConnection opens only existing files.
    std::ofstream(database_path()).close();
    connection_ = open_connection();
    ASSERT_NE(connection_, nullptr);
  }

  std::filesystem::path database_path() const { return directory_.path() / "meta.db"; }

  std::unique_ptr<SqliteConnection> open_connection() {
    auto opened = SqliteConnection::open(database_path(), 1000ms);
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    return opened.has_value() ? std::move(*opened) : nullptr;
  }

  std::int64_t count(std::string_view sql, std::optional<std::string_view> parameter) {
    auto select = connection_->prepare(sql);
    EXPECT_TRUE(select.has_value()) << select.error().message;
    if (!select.has_value()) return -1;
    if (parameter.has_value()) select->bind(1, *parameter);
    auto row = select->step();
    EXPECT_TRUE(row.has_value()) << row.error().message;
    if (!row.has_value()) return -1;
    EXPECT_TRUE(*row);
    return select->int64(0);
  }

  bool table_exists(std::string_view name) { return count(kCountTables, name) == 1; }

  test_support::TemporaryDirectory directory_;
  std::unique_ptr<SqliteConnection> connection_;
};

TEST_F(MigrationsTest, NewDatabaseGetsEveryMigration) {
  auto applied = apply_migrations(*connection_, sqlite_migrations(), kNow);
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(*applied, static_cast<int>(sqlite_migrations().size()));

  auto version = read_schema_version(*connection_);
  ASSERT_TRUE(version.has_value()) << version.error().message;
  EXPECT_EQ(*version, latest_schema_version(sqlite_migrations()));
  EXPECT_TRUE(table_exists("objects"));
  EXPECT_TRUE(table_exists("pending_uploads"));
}

TEST_F(MigrationsTest, NewDatabaseHasSchemaVersionZero) {
  auto version = read_schema_version(*connection_);
  ASSERT_TRUE(version.has_value()) << version.error().message;
  EXPECT_EQ(*version, 0);
}

TEST_F(MigrationsTest, ReopeningAppliesNothingNew) {
  {
    auto repository = open_sqlite_repository(database_path());
    ASSERT_TRUE(repository.has_value()) << repository.error().message;
  }
  std::int64_t rows_before = count(kCountMigrationRows, std::nullopt);
  {
    auto reopened = open_sqlite_repository(database_path());
    ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
  }

  auto applied = apply_migrations(*connection_, sqlite_migrations(), kNow);
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(*applied, 0);
  EXPECT_EQ(count(kCountMigrationRows, std::nullopt), rows_before);
  EXPECT_EQ(rows_before, static_cast<std::int64_t>(sqlite_migrations().size()));
}

TEST_F(MigrationsTest, AppliesOnlyNewerMigrations) {
  const std::array first_release{Migration{1, kCreateFirst}};
  const std::array second_release{Migration{1, kCreateFirst}, Migration{2, kCreateSecond}};
  ASSERT_TRUE(apply_migrations(*connection_, first_release, kNow).has_value());

  auto applied = apply_migrations(*connection_, second_release, kNow);
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(*applied, 1);
  EXPECT_TRUE(table_exists("second_table"));
  auto version = read_schema_version(*connection_);
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(*version, 2);
}

TEST_F(MigrationsTest, FailedMigrationKeepsPreviousVersion) {
  const std::array migrations{Migration{1, kCreateFirst}, Migration{2, kCreateThenFail}};

  auto applied = apply_migrations(*connection_, migrations, kNow);
  ASSERT_FALSE(applied.has_value());
  EXPECT_NE(applied.error().message.find("migration 2"), std::string::npos)
      << applied.error().message;
  EXPECT_FALSE(table_exists("third_table"));
  EXPECT_TRUE(table_exists("first_table"));
  auto version = read_schema_version(*connection_);
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(*version, 1);
}

TEST_F(MigrationsTest, RejectsMisnumberedMigrations) {
  const std::array migrations{Migration{1, kCreateFirst}, Migration{3, kCreateSecond}};

  auto applied = apply_migrations(*connection_, migrations, kNow);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, MetaErrorCode::kInvalid);
  EXPECT_FALSE(table_exists("first_table"));
}

TEST_F(MigrationsTest, RejectsDatabaseWithFutureSchemaVersion) {
  ASSERT_TRUE(apply_migrations(*connection_, sqlite_migrations(), kNow).has_value());
  int binary_version = latest_schema_version(sqlite_migrations());
  int future_version = binary_version + 5;
  {
    auto insert = connection_->prepare(kInsertMigrationRow);
    ASSERT_TRUE(insert.has_value()) << insert.error().message;
    insert->bind(1, std::int64_t{future_version});
    insert->bind(2, std::string_view("2030-01-01T00:00:00.000Z"));
    ASSERT_TRUE(insert->run().has_value());
  }

  auto opened = open_sqlite_repository(database_path());
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, MetaErrorCode::kInvalid);
  const std::string& message = opened.error().message;
  EXPECT_NE(message.find(fmt::format("version {} is newer", future_version)), std::string::npos)
      << message;
  EXPECT_NE(message.find(fmt::format("schema version {}.", binary_version)), std::string::npos)
      << message;
}

}  // namespace
}  // namespace satchel::meta
