// Tests of what only the PostgreSQL back end has: connection settings and lost connections.
// The behaviour shared with SQLite is tested in repository_test.cc.
#include "meta/postgres_repository.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/time_format.h"
#include "meta/pg_connection.h"
#include "postgres_test_database.h"

namespace satchel::meta {
namespace {

constexpr std::string_view kShowClientEncoding = "SHOW client_encoding";
constexpr std::string_view kShowApplicationName = "SHOW application_name";
constexpr std::string_view kShowLockTimeout = "SHOW lock_timeout";
// Ends every other session on the current database, as a server restart or an idle timeout
// would.
constexpr std::string_view kTerminateOtherSessions =
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()";

std::string show(PgConnection& connection, std::string_view sql) {
  auto result = connection.execute(sql, PgParams());
  if (!result) return "error: " + result.error().message;
  return result->text(0, 0);
}

class PostgresRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = test_support::create_postgres_test_database();
    ASSERT_TRUE(created.has_value()) << created.error();
    conninfo_ = *created;
  }

  Secret with(std::string_view extra) const {
    return Secret(conninfo_.reveal() + " " + std::string(extra));
  }

  Secret conninfo_;
};

TEST_F(PostgresRepositoryTest, ConnectionForcesUtf8ClientEncoding) {
  auto connection = PgConnection::open(with("client_encoding=LATIN1"), PgSessionSettings{});
  ASSERT_TRUE(connection.has_value()) << connection.error().message;
  EXPECT_EQ(show(**connection, kShowClientEncoding), "UTF8");
}

TEST_F(PostgresRepositoryTest, ConninfoOverridesApplicationName) {
  auto named = PgConnection::open(with("application_name=replica-7"), PgSessionSettings{});
  ASSERT_TRUE(named.has_value()) << named.error().message;
  EXPECT_EQ(show(**named, kShowApplicationName), "replica-7");
  auto unnamed = PgConnection::open(conninfo_, PgSessionSettings{});
  ASSERT_TRUE(unnamed.has_value()) << unnamed.error().message;
  EXPECT_EQ(show(**unnamed, kShowApplicationName), "satchel");
}

TEST_F(PostgresRepositoryTest, ConnectionAppliesLockTimeout) {
  auto connection = PgConnection::open(
      conninfo_, PgSessionSettings{.lock_timeout = std::chrono::milliseconds(1500)});
  ASSERT_TRUE(connection.has_value()) << connection.error().message;
  EXPECT_EQ(show(**connection, kShowLockTimeout), "1500ms");
}

TEST_F(PostgresRepositoryTest, UnreachableServerIsUnavailableWithoutPassword) {
  PostgresOptions options;
  options.connect_timeout = std::chrono::seconds(2);
  auto opened = open_postgres_repository(
      Secret("host=/nonexistent-satchel-dir user=nobody password=hunter2 dbname=none"), options);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, MetaErrorCode::kUnavailable);
  EXPECT_EQ(opened.error().message.find("hunter2"), std::string::npos) << opened.error().message;
}

TEST_F(PostgresRepositoryTest, RepositoryReconnectsAfterSessionsEnd) {
  auto opened = open_postgres_repository(conninfo_);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  Repository& repository = **opened;
  ASSERT_FALSE(repository.get_object("acme", "acme/user-1/none").has_value());

  auto admin = PgConnection::open(conninfo_, PgSessionSettings{});
  ASSERT_TRUE(admin.has_value()) << admin.error().message;
  ASSERT_TRUE((*admin)->execute(kTerminateOtherSessions, PgParams()).has_value());

  auto missing = repository.get_object("acme", "acme/user-1/none");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, MetaErrorCode::kNotFound) << missing.error().message;

  ASSERT_TRUE((*admin)->execute(kTerminateOtherSessions, PgParams()).has_value());
  SystemTime now = from_unix_seconds(1'700'000'000);
  PendingUpload upload{.id = "upload-1",
                       .tenant = "acme",
                       .owner = "user-1",
                       .name = "a.json",
                       .key = "acme/user-1/a.json",
                       .content_type = "application/json",
                       .size = 2,
                       .created_at = now,
                       .expires_at = now + std::chrono::minutes(5)};
  auto created = repository.create_pending_upload(upload);
  EXPECT_TRUE(created.has_value()) << created.error().message;
}

}  // namespace
}  // namespace satchel::meta
