// Version history and restore, run against every back end like repository_test.cc.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "meta/key_range.h"
#include "repository_test_fixture.h"

namespace satchel::meta {
namespace {

using namespace std::chrono_literals;
using test_support::kTenant;
using test_support::RepositoryTest;

constexpr std::string_view kKey = "acme/user-1/preferences.json";

// A history fixture with helpers that write the key the tests share.
class VersionHistoryTest : public RepositoryTest {
 protected:
  // Commits a new version of preferences.json and returns its record.
  ObjectRecord commit_version() {
    clock_.advance(1s);
    PendingUpload upload = make_upload("preferences.json");
    upload.sha256 = std::string(64, static_cast<char>('a' + upload_count_ % 6));
    auto committed = create_and_commit(upload);
    EXPECT_TRUE(committed.has_value()) << committed.error().message;
    return committed.has_value() ? *committed : ObjectRecord{};
  }

  // A restore of source_version_id as if the store's copy got copy_version_id.
  static RestoreRequest restore_of(std::string_view source_version_id,
                                   std::string_view copy_version_id,
                                   std::optional<std::int64_t> expected_revision) {
    RestoreRequest request;
    request.tenant = kTenant;
    request.key = kKey;
    request.source_version_id = source_version_id;
    request.observed.version_id = copy_version_id;
    request.observed.size = 12;
    request.observed.etag = std::string(test_support::kEtag);
    request.observed.content_type = "application/json";
    request.expected_revision = expected_revision;
    return request;
  }

  std::vector<std::int64_t> history_revisions() {
    auto page = repository_->list_versions(kTenant, kKey, "", kMaxListLimit);
    EXPECT_TRUE(page.has_value()) << page.error().message;
    std::vector<std::int64_t> revisions;
    if (!page.has_value()) return revisions;
    for (const ObjectVersion& version : page->items) revisions.push_back(version.revision);
    return revisions;
  }
};

TEST_P(VersionHistoryTest, CommitsAppearNewestFirst) {
  ObjectRecord first = commit_version();
  ObjectRecord second = commit_version();

  auto page = repository_->list_versions(kTenant, kKey, "", 10);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_FALSE(page->next_cursor.has_value());
  const ObjectVersion& newest = page->items[0];
  EXPECT_EQ(newest.revision, 2);
  EXPECT_EQ(newest.version_id, second.version_id);
  EXPECT_EQ(newest.committed_at, second.updated_at);
  EXPECT_EQ(newest.sha256, second.sha256);
  EXPECT_EQ(newest.owner, "user-1");
  EXPECT_EQ(newest.name, "preferences.json");
  EXPECT_FALSE(newest.deleted);
  EXPECT_FALSE(newest.restored_from.has_value());
  EXPECT_EQ(page->items[1].revision, 1);
  EXPECT_EQ(page->items[1].version_id, first.version_id);
}

TEST_P(VersionHistoryTest, DeleteAddsDeleteMarker) {
  ObjectRecord committed = commit_version();
  clock_.advance(5s);

  auto deleted = repository_->delete_object(kTenant, kKey, 1, "marker-7", clock_.now());
  ASSERT_TRUE(deleted.has_value()) << deleted.error().message;

  auto page = repository_->list_versions(kTenant, kKey, "", 10);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  const ObjectVersion& marker = page->items[0];
  EXPECT_TRUE(marker.deleted);
  EXPECT_EQ(marker.revision, 2);
  EXPECT_EQ(marker.version_id, "marker-7");
  EXPECT_EQ(marker.committed_at, clock_.now());
  EXPECT_EQ(marker.size, 0u);
  EXPECT_EQ(page->items[1].version_id, committed.version_id);
}

TEST_P(VersionHistoryTest, WriteAfterDeleteContinuesRevisions) {
  commit_version();
  ASSERT_TRUE(repository_->delete_object(kTenant, kKey, 1, "marker-1", clock_.now()).has_value());

  PendingUpload recreate = make_upload("preferences.json");
  recreate.if_none_match = true;
  auto committed = create_and_commit(recreate);
  ASSERT_TRUE(committed.has_value()) << committed.error().message;
  EXPECT_EQ(committed->revision, 3);
  EXPECT_EQ(history_revisions(), (std::vector<std::int64_t>{3, 2, 1}));
}

// An upload that expected revision 1 must not commit over a later object that restarted at 1.
TEST_P(VersionHistoryTest, StaleUploadConflictsAfterDeleteAndRecreate) {
  commit_version();
  PendingUpload stale = make_upload("preferences.json");
  stale.if_match = 1;
  ASSERT_TRUE(repository_->create_pending_upload(stale).has_value());
  ASSERT_TRUE(repository_->delete_object(kTenant, kKey, 1, "marker-1", clock_.now()).has_value());
  commit_version();

  auto committed = repository_->commit_upload(stale.id, observed_for(stale), clock_.now());
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, MetaErrorCode::kConflict);
  ASSERT_TRUE(committed.error().current.has_value());
  EXPECT_EQ(committed.error().current->revision, 3);
}

TEST_P(VersionHistoryTest, VersionPagesFollowCursor) {
  for (int i = 0; i < 5; ++i) commit_version();

  std::vector<std::vector<std::int64_t>> pages;
  std::string cursor;
  for (int round = 0; round < 10; ++round) {
    auto page = repository_->list_versions(kTenant, kKey, cursor, 2);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    std::vector<std::int64_t> revisions;
    for (const ObjectVersion& version : page->items) revisions.push_back(version.revision);
    pages.push_back(revisions);
    if (!page->next_cursor.has_value()) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(pages, (std::vector<std::vector<std::int64_t>>{{5, 4}, {3, 2}, {1}}));
}

TEST_P(VersionHistoryTest, VersionListingRejectsForeignCursor) {
  commit_version();
  for (const std::string& cursor : {std::string("not a cursor"), encode_list_cursor(kKey)}) {
    auto page = repository_->list_versions(kTenant, kKey, cursor, 10);
    ASSERT_FALSE(page.has_value()) << cursor;
    EXPECT_EQ(page.error().code, MetaErrorCode::kInvalid) << cursor;
  }
}

TEST_P(VersionHistoryTest, HistoryIsPerTenant) {
  commit_version();
  auto page = repository_->list_versions("globex", kKey, "", 10);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_TRUE(page->items.empty());
  auto found = repository_->find_version("globex", kKey, "version-of-upload-1");
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, MetaErrorCode::kNotFound);
}

TEST_P(VersionHistoryTest, FindsVersionByStoreVersionId) {
  ObjectRecord first = commit_version();
  commit_version();

  auto found = repository_->find_version(kTenant, kKey, first.version_id);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->revision, 1);
  EXPECT_EQ(found->sha256, first.sha256);
  auto missing = repository_->find_version(kTenant, kKey, "no-such-version");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, MetaErrorCode::kNotFound);
}

TEST_P(VersionHistoryTest, RestoreMakesOldVersionCurrent) {
  ObjectRecord first = commit_version();
  ObjectRecord second = commit_version();
  clock_.advance(1s);

  auto restored =
      repository_->restore_version(restore_of(first.version_id, "copy-1", 2), clock_.now());
  ASSERT_TRUE(restored.has_value()) << restored.error().message;
  EXPECT_EQ(restored->revision, 3);
  EXPECT_EQ(restored->version_id, "copy-1");
  EXPECT_EQ(restored->sha256, first.sha256);
  EXPECT_EQ(restored->created_at, first.created_at);
  EXPECT_EQ(restored->updated_at, clock_.now());
  EXPECT_EQ(restored->owner, "user-1");
  EXPECT_EQ(restored->name, "preferences.json");

  auto stored = repository_->get_object(kTenant, kKey);
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_EQ(*stored, *restored);
  auto page = repository_->list_versions(kTenant, kKey, "", 1);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].restored_from, std::optional<std::string>(first.version_id));
  EXPECT_EQ(page->items[0].version_id, "copy-1");
  EXPECT_NE(second.version_id, first.version_id);
}

TEST_P(VersionHistoryTest, RestoreAfterDeleteRecreatesObject) {
  ObjectRecord first = commit_version();
  ASSERT_TRUE(repository_->delete_object(kTenant, kKey, 1, "marker-1", clock_.now()).has_value());
  clock_.advance(1s);

  auto restored = repository_->restore_version(restore_of(first.version_id, "copy-1", std::nullopt),
                                               clock_.now());
  ASSERT_TRUE(restored.has_value()) << restored.error().message;
  EXPECT_EQ(restored->revision, 3);
  EXPECT_EQ(restored->created_at, clock_.now());
  EXPECT_EQ(history_revisions(), (std::vector<std::int64_t>{3, 2, 1}));
}

TEST_P(VersionHistoryTest, RestoreWithStaleRevisionConflicts) {
  ObjectRecord first = commit_version();
  commit_version();

  auto restored =
      repository_->restore_version(restore_of(first.version_id, "copy-1", 1), clock_.now());
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code, MetaErrorCode::kConflict);
  ASSERT_TRUE(restored.error().current.has_value());
  EXPECT_EQ(restored.error().current->revision, 2);
  EXPECT_EQ(history_revisions(), (std::vector<std::int64_t>{2, 1}));
}

TEST_P(VersionHistoryTest, RestoreExpectingDeletedObjectConflicts) {
  ObjectRecord first = commit_version();

  auto restored = repository_->restore_version(restore_of(first.version_id, "copy-1", std::nullopt),
                                               clock_.now());
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code, MetaErrorCode::kConflict);
  ASSERT_TRUE(restored.error().current.has_value());
  EXPECT_EQ(restored.error().current->revision, 1);
}

TEST_P(VersionHistoryTest, RestoreOfDeleteMarkerIsInvalid) {
  commit_version();
  ASSERT_TRUE(repository_->delete_object(kTenant, kKey, 1, "marker-1", clock_.now()).has_value());

  auto restored =
      repository_->restore_version(restore_of("marker-1", "copy-1", std::nullopt), clock_.now());
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code, MetaErrorCode::kInvalid);
}

TEST_P(VersionHistoryTest, RestoreOfUnknownVersionIsNotFound) {
  commit_version();
  auto restored =
      repository_->restore_version(restore_of("no-such-version", "copy-1", 1), clock_.now());
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code, MetaErrorCode::kNotFound);
}

TEST_P(VersionHistoryTest, RestoreRejectsEmptyObservedEtag) {
  ObjectRecord first = commit_version();
  RestoreRequest request = restore_of(first.version_id, "copy-1", 1);
  request.observed.etag.clear();

  auto restored = repository_->restore_version(request, clock_.now());
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code, MetaErrorCode::kInvalid);
}

TEST_P(VersionHistoryTest, ExactlyOneOfConcurrentRestoresWins) {
  ObjectRecord first = commit_version();
  commit_version();
  auto second_repository = backend_->open();
  ASSERT_TRUE(second_repository.has_value()) << second_repository.error().message;
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> successes{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    Repository* repository = i % 2 == 0 ? repository_.get() : second_repository->get();
    threads.emplace_back([&, repository, i] {
      RestoreRequest request = restore_of(first.version_id, fmt::format("copy-{}", i), 2);
      start.arrive_and_wait();
      auto restored = repository->restore_version(request, clock_.now());
      if (restored.has_value()) {
        ++successes;
      } else if (restored.error().code == MetaErrorCode::kConflict) {
        ++conflicts;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(successes.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  EXPECT_EQ(history_revisions(), (std::vector<std::int64_t>{3, 2, 1}));
}

INSTANTIATE_BACKEND_TESTS(VersionHistoryTest);

}  // namespace
}  // namespace satchel::meta
