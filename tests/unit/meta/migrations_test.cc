#include "meta/migrations.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "meta/lifecycle_index.h"
#include "meta/storage_encoding.h"
#include "repository_test_fixture.h"

namespace satchel::meta {
namespace {

using test_support::MigrationsTest;
using test_support::RepositoryBackend;

constexpr std::string_view kCountMigrationRows = "SELECT count(*) FROM schema_migrations";

constexpr std::string_view kCreateFirst = "CREATE TABLE first_table (value INTEGER)";
constexpr std::string_view kCreateSecond = "CREATE TABLE second_table (value INTEGER)";
// The first statement succeeds and the second fails, so the step must roll back as a whole.
constexpr std::string_view kCreateThenFail =
    "CREATE TABLE third_table (value INTEGER); SELECT * FROM no_such_table;";

// Whether the table exists. A failed check fails the test, whatever is returned.
bool has_table(RepositoryBackend& backend, std::string_view name) {
  auto exists = backend.table_exists(name);
  if (!exists) {
    ADD_FAILURE() << "cannot check for table " << name << ": " << exists.error().message;
    return false;
  }
  return *exists;
}

// The number of rows in schema_migrations, or -1 (with a test failure) when it cannot be read.
std::int64_t count_migration_rows(RepositoryBackend& backend) {
  auto count = backend.query_int(kCountMigrationRows);
  if (!count) {
    ADD_FAILURE() << "cannot count schema_migrations rows: " << count.error().message;
    return -1;
  }
  return *count;
}

TEST_P(MigrationsTest, NewDatabaseGetsEveryMigration) {
  auto applied = backend_->apply(backend_->migrations());
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(*applied, static_cast<int>(backend_->migrations().size()));

  auto version = backend_->schema_version();
  ASSERT_TRUE(version.has_value()) << version.error().message;
  EXPECT_EQ(*version, latest_schema_version(backend_->migrations()));
  EXPECT_TRUE(has_table(*backend_, "objects"));
  EXPECT_TRUE(has_table(*backend_, "pending_uploads"));
}

TEST_P(MigrationsTest, NewDatabaseHasSchemaVersionZero) {
  auto version = backend_->schema_version();
  ASSERT_TRUE(version.has_value()) << version.error().message;
  EXPECT_EQ(*version, 0);
}

TEST_P(MigrationsTest, ReopeningAppliesNothingNew) {
  {
    auto repository = backend_->open();
    ASSERT_TRUE(repository.has_value()) << repository.error().message;
  }
  std::int64_t rows_before = count_migration_rows(*backend_);
  {
    auto reopened = backend_->open();
    ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
  }

  auto applied = backend_->apply(backend_->migrations());
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(*applied, 0);
  EXPECT_EQ(count_migration_rows(*backend_), rows_before);
  EXPECT_EQ(rows_before, static_cast<std::int64_t>(backend_->migrations().size()));
}

TEST_P(MigrationsTest, AppliesOnlyNewerMigrations) {
  const std::array first_release{Migration{1, kCreateFirst}};
  const std::array second_release{Migration{1, kCreateFirst}, Migration{2, kCreateSecond}};
  ASSERT_TRUE(backend_->apply(first_release).has_value());

  auto applied = backend_->apply(second_release);
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(*applied, 1);
  EXPECT_TRUE(has_table(*backend_, "second_table"));
  auto version = backend_->schema_version();
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(*version, 2);
}

TEST_P(MigrationsTest, FailedMigrationKeepsPreviousVersion) {
  const std::array migrations{Migration{1, kCreateFirst}, Migration{2, kCreateThenFail}};

  auto applied = backend_->apply(migrations);
  ASSERT_FALSE(applied.has_value());
  EXPECT_NE(applied.error().message.find("migration 2"), std::string::npos)
      << applied.error().message;
  EXPECT_FALSE(has_table(*backend_, "third_table"));
  EXPECT_TRUE(has_table(*backend_, "first_table"));
  auto version = backend_->schema_version();
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(*version, 1);
}

TEST_P(MigrationsTest, RejectsMisnumberedMigrations) {
  const std::array migrations{Migration{1, kCreateFirst}, Migration{3, kCreateSecond}};

  auto applied = backend_->apply(migrations);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, MetaErrorCode::kInvalid);
  EXPECT_FALSE(has_table(*backend_, "first_table"));
}

TEST_P(MigrationsTest, RejectsDatabaseWithFutureSchemaVersion) {
  ASSERT_TRUE(backend_->apply(backend_->migrations()).has_value());
  int binary_version = latest_schema_version(backend_->migrations());
  int future_version = binary_version + 5;
  auto inserted =
      backend_->execute(fmt::format("INSERT INTO schema_migrations (version, applied_at) "
                                    "VALUES ({}, '2030-01-01T00:00:00Z')",
                                    future_version));
  ASSERT_TRUE(inserted.has_value()) << inserted.error().message;

  auto opened = backend_->open();
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, MetaErrorCode::kInvalid);
  const std::string& message = opened.error().message;
  EXPECT_NE(message.find(fmt::format("version {} is newer", future_version)), std::string::npos)
      << message;
  EXPECT_NE(message.find(fmt::format("schema version {}.", binary_version)), std::string::npos)
      << message;
}

// Objects committed before the history existed start their history at their current revision,
// so the next write continues from it.
TEST_P(MigrationsTest, UpgradeStartsHistoryAtCurrentRevision) {
  std::span<const Migration> all = backend_->migrations();
  ASSERT_GE(all.size(), 2u);
  ASSERT_TRUE(backend_->apply(all.first(1)).has_value());
  auto inserted = backend_->execute(
      "INSERT INTO objects (tenant, owner, name, key, version_id, size, etag, content_type, "
      "sha256, revision, created_at_us, updated_at_us) VALUES ('acme', 'user-1', 'a.json', "
      "'acme/user-1/a.json', 'v4', 3, '\"e\"', 'application/json', NULL, 4, 1000, 2000)");
  ASSERT_TRUE(inserted.has_value()) << inserted.error().message;

  auto repository = backend_->open();
  ASSERT_TRUE(repository.has_value()) << repository.error().message;
  auto page = (*repository)->list_versions("acme", "acme/user-1/a.json", "", 10);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].revision, 4);
  EXPECT_EQ(page->items[0].version_id, "v4");
  EXPECT_EQ(page->items[0].committed_at, from_unix_us(2000));
  EXPECT_FALSE(page->items[0].deleted);
}

// Objects, history entries and uploads written before tags existed read back with no tags, and
// can be tagged by the next write.
TEST_P(MigrationsTest, UpgradeGivesExistingRowsNoTags) {
  std::span<const Migration> all = backend_->migrations();
  ASSERT_GE(all.size(), 4u);
  ASSERT_TRUE(backend_->apply(all.first(3)).has_value());
  auto inserted = backend_->execute(
      "INSERT INTO objects (tenant, owner, name, key, version_id, size, etag, content_type, "
      "sha256, revision, created_at_us, updated_at_us) VALUES ('acme', 'user-1', 'a.json', "
      "'acme/user-1/a.json', 'v1', 3, '\"e\"', 'application/json', NULL, 1, 1000, 1000)");
  ASSERT_TRUE(inserted.has_value()) << inserted.error().message;

  auto repository = backend_->open();
  ASSERT_TRUE(repository.has_value()) << repository.error().message;
  auto record = (*repository)->get_object("acme", "acme/user-1/a.json");
  ASSERT_TRUE(record.has_value()) << record.error().message;
  EXPECT_TRUE(record->tags.empty());
  auto usage = (*repository)->list_usage("acme", "", "", 10);
  ASSERT_TRUE(usage.has_value()) << usage.error().message;
  ASSERT_EQ(usage->items.size(), 1u);
  EXPECT_EQ(usage->items[0].total_bytes, 3);
  ObjectFilter filter;
  filter.tags = {{"team", "blue"}};
  auto tagged = (*repository)->list_objects("acme", "acme/", "", 10, filter);
  ASSERT_TRUE(tagged.has_value()) << tagged.error().message;
  EXPECT_TRUE(tagged->items.empty());
}

// Uploads aborted before the clean-up mark existed get one clean-up pass, and the others are
// listed as before.
TEST_P(MigrationsTest, UpgradeListsAbortedUploadsForCleanUp) {
  std::span<const Migration> all = backend_->migrations();
  ASSERT_GE(all.size(), 7u);
  ASSERT_TRUE(backend_->apply(all.first(6)).has_value());
  struct OldUpload {
    std::string_view id;
    std::string_view state;
    std::int64_t created_at_us;
  };
  for (const OldUpload& upload :
       {OldUpload{"aborted-1", "aborted", 1000}, OldUpload{"pending-1", "pending", 2000},
        OldUpload{"completed-1", "completed", 3000}}) {
    auto inserted = backend_->execute(fmt::format(
        "INSERT INTO pending_uploads (id, tenant, owner, name, key, content_type, size, sha256, "
        "if_match_revision, if_none_match, created_at_us, expires_at_us, state) VALUES ('{}', "
        "'acme', 'user-1', 'a.json', 'acme/user-1/a.json', 'application/json', 3, NULL, NULL, "
        "false, {}, 5000, '{}')",
        upload.id, upload.created_at_us, upload.state));
    ASSERT_TRUE(inserted.has_value()) << inserted.error().message;
  }

  auto repository = backend_->open();
  ASSERT_TRUE(repository.has_value()) << repository.error().message;
  LifecycleIndex* index = find_lifecycle_index(**repository);
  ASSERT_NE(index, nullptr);
  auto listed = index->list_uploads_to_sweep(from_unix_us(1500), 10);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, "aborted-1");
  EXPECT_EQ((*listed)[0].state, UploadState::kAborted);

  auto marked = index->mark_upload_store_cleaned("acme", "aborted-1", from_unix_us(6000));
  ASSERT_TRUE(marked.has_value()) << marked.error().message;
  auto after = index->list_uploads_to_sweep(from_unix_us(2500), 10);
  ASSERT_TRUE(after.has_value()) << after.error().message;
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, "pending-1");
}

// Processes that start together on a new database must apply each step exactly once.
TEST_P(MigrationsTest, ConcurrentOpensMigrateOnce) {
  constexpr int kOpeners = 4;
  std::latch start(kOpeners);
  std::atomic<int> failures{0};
  std::vector<std::string> errors(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto opened = backend_->open();
      if (!opened.has_value()) {
        ++failures;
        errors[i] = opened.error().message;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0) << fmt::format("{}", fmt::join(errors, "; "));
  EXPECT_EQ(count_migration_rows(*backend_),
            static_cast<std::int64_t>(backend_->migrations().size()));
}

INSTANTIATE_BACKEND_TESTS(MigrationsTest);

}  // namespace
}  // namespace satchel::meta
