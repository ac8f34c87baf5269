#include "meta/open_repository.h"

#include <gtest/gtest.h>

#include "temporary_directory.h"

namespace satchel::meta {
namespace {

TEST(ParseRepositoryUrl, ChoosesPostgresForBothSchemes) {
  for (std::string_view url : {"postgres://satchel@db:5432/meta", "postgresql:///meta?host=/run"}) {
    auto location = parse_repository_url(Secret(std::string(url)));
    ASSERT_TRUE(location.has_value()) << url;
    EXPECT_EQ(location->backend, Backend::kPostgres) << url;
    EXPECT_EQ(location->location.reveal(), url);
  }
}

TEST(ParseRepositoryUrl, ReadsSqlitePaths) {
  struct Case {
    std::string_view url;
    std::string_view path;
  };
  for (const Case& test : {Case{"sqlite:meta.db", "meta.db"},
                           Case{"sqlite:///var/lib/satchel/meta.db", "/var/lib/satchel/meta.db"},
                           Case{"sqlite://data/meta.db", "data/meta.db"},
                           Case{"/srv/satchel/meta.db", "/srv/satchel/meta.db"},
                           Case{"satchel-data/metadata.db", "satchel-data/metadata.db"}}) {
    auto location = parse_repository_url(Secret(std::string(test.url)));
    ASSERT_TRUE(location.has_value()) << test.url;
    EXPECT_EQ(location->backend, Backend::kSqlite) << test.url;
    EXPECT_EQ(location->location.reveal(), test.path) << test.url;
  }
}

TEST(ParseRepositoryUrl, RejectsOtherSchemesWithoutEchoingUrl) {
  auto location = parse_repository_url(Secret("mysql://root:hunter2@db/meta"));
  ASSERT_FALSE(location.has_value());
  EXPECT_EQ(location.error().code, MetaErrorCode::kInvalid);
  EXPECT_EQ(location.error().message.find("hunter2"), std::string::npos);
}

TEST(ParseRepositoryUrl, RejectsEmptySqlitePath) {
  for (std::string_view url : {"sqlite:", "sqlite://", ""}) {
    auto location = parse_repository_url(Secret(std::string(url)));
    ASSERT_FALSE(location.has_value()) << url;
    EXPECT_EQ(location.error().code, MetaErrorCode::kInvalid) << url;
  }
}

TEST(OpenRepository, OpensSqliteFileFromUrl) {
  test_support::TemporaryDirectory directory;
  std::filesystem::path path = directory.path() / "meta.db";
  auto opened = open_repository(Secret("sqlite:" + path.string()));
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(MigrateDatabase, ReportsVersionsOfNewAndCurrentDatabase) {
  test_support::TemporaryDirectory directory;
  Secret url((directory.path() / "meta.db").string());

  auto first = migrate_database(url);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->backend, Backend::kSqlite);
  EXPECT_EQ(first->version_before, 0);
  EXPECT_EQ(first->version_after, first->binary_version);
  EXPECT_GE(first->binary_version, 1);

  auto second = migrate_database(url);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->version_before, second->binary_version);
}

}  // namespace
}  // namespace satchel::meta
