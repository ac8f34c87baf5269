// Tests of what only the SQLite back end has: a database file on disk. The behaviour shared
// with PostgreSQL is tested in repository_test.cc.
#include "meta/sqlite_repository.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "temporary_directory.h"

namespace satchel::meta {
namespace {

mode_t permission_bits(const std::filesystem::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return 0;
  return status.st_mode & 0777;
}

TEST(SqliteRepositoryOpen, DatabaseFilesHaveMode0600) {
  test_support::TemporaryDirectory directory;
  std::filesystem::path database_path = directory.path() / "meta.db";
  auto opened = open_sqlite_repository(database_path);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  std::filesystem::path wal_path = database_path;
  wal_path += "-wal";

  EXPECT_EQ(permission_bits(database_path), 0600u);
  ASSERT_TRUE(std::filesystem::exists(wal_path));
  EXPECT_EQ(permission_bits(wal_path), 0600u);
}

TEST(SqliteRepositoryOpen, FailsWhenDirectoryIsMissing) {
  test_support::TemporaryDirectory directory;
  auto opened = open_sqlite_repository(directory.path() / "missing" / "meta.db");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, MetaErrorCode::kUnavailable);
}

}  // namespace
}  // namespace satchel::meta
