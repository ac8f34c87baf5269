#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/time_format.h"
#include "fmt/format.h"
#include "repository_test_fixture.h"

namespace satchel::meta {
namespace {

using namespace std::chrono_literals;

using test_support::kOwner;
using test_support::kTenant;
using test_support::kUploadTtl;
using test_support::RepositoryTest;

TEST_P(RepositoryTest, CreatesAndFindsPendingUpload) {
  PendingUpload upload = make_upload("preferences.json");
  upload.sha256 = std::string(64, 'a');
  upload.if_match = 4;

  auto created = repository_->create_pending_upload(upload);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(*created, upload);

  auto found = repository_->find_pending_upload(kTenant, upload.id);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(*found, upload);
}

TEST_P(RepositoryTest, StoresTimesRoundedDownToMicroseconds) {
  PendingUpload upload = make_upload("preferences.json");
  upload.created_at += 1234567ns;
  auto created = repository_->create_pending_upload(upload);
  ASSERT_TRUE(created.has_value()) << created.error().message;

  auto found = repository_->find_pending_upload(kTenant, upload.id);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->created_at, clock_.now() + 1234us);
  EXPECT_EQ(found->created_at, created->created_at);
}

TEST_P(RepositoryTest, RejectsDuplicateUploadId) {
  PendingUpload upload = make_upload("preferences.json");
  ASSERT_TRUE(repository_->create_pending_upload(upload).has_value());

  auto duplicate = repository_->create_pending_upload(upload);
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code, MetaErrorCode::kConflict);
}

TEST_P(RepositoryTest, RejectsKeyOutsideOwnerSpace) {
  PendingUpload upload = make_upload("preferences.json");
  upload.key = "acme/user-2/preferences.json";

  auto created = repository_->create_pending_upload(upload);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, MetaErrorCode::kInvalid);
}

TEST_P(RepositoryTest, CommitCreatesRevisionOneThenTwo) {
  PendingUpload first = make_upload("preferences.json");
  SystemTime first_commit_time = clock_.now();
  auto created = create_and_commit(first);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(created->revision, 1);
  EXPECT_EQ(created->created_at, first_commit_time);
  EXPECT_EQ(created->updated_at, first_commit_time);
  EXPECT_EQ(created->key, "acme/user-1/preferences.json");
  EXPECT_EQ(created->version_id, "version-of-" + first.id);

  clock_.advance(10s);
  PendingUpload second = make_upload("preferences.json");
  second.if_match = 1;
  auto replaced = create_and_commit(second);
  ASSERT_TRUE(replaced.has_value()) << replaced.error().message;
  EXPECT_EQ(replaced->revision, 2);
  EXPECT_EQ(replaced->created_at, first_commit_time);
  EXPECT_EQ(replaced->updated_at, clock_.now());
  EXPECT_EQ(replaced->version_id, "version-of-" + second.id);

  auto stored = repository_->get_object(kTenant, "acme/user-1/preferences.json");
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_EQ(*stored, *replaced);
  auto upload = repository_->find_pending_upload(kTenant, second.id);
  ASSERT_TRUE(upload.has_value()) << upload.error().message;
  EXPECT_EQ(upload->state, UploadState::kCompleted);
}

TEST_P(RepositoryTest, StaleIfMatchConflictsWithCurrentRecord) {
  ASSERT_TRUE(create_and_commit(make_upload("preferences.json")).has_value());
  PendingUpload second = make_upload("preferences.json");
  second.if_match = 1;
  ASSERT_TRUE(create_and_commit(second).has_value());

  PendingUpload stale = make_upload("preferences.json");
  stale.if_match = 1;
  auto committed = create_and_commit(stale);
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, MetaErrorCode::kConflict);
  ASSERT_TRUE(committed.error().current.has_value());
  EXPECT_EQ(committed.error().current->revision, 2);
  EXPECT_EQ(committed.error().current->version_id, "version-of-" + second.id);

  auto upload = repository_->find_pending_upload(kTenant, stale.id);
  ASSERT_TRUE(upload.has_value()) << upload.error().message;
  EXPECT_EQ(upload->state, UploadState::kPending);
}

TEST_P(RepositoryTest, IfMatchOnMissingObjectConflicts) {
  PendingUpload upload = make_upload("preferences.json");
  upload.if_match = 1;

  auto committed = create_and_commit(upload);
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, MetaErrorCode::kConflict);
  EXPECT_FALSE(committed.error().current.has_value());
}

TEST_P(RepositoryTest, IfNoneMatchConflictsWithExistingObject) {
  ASSERT_TRUE(create_and_commit(make_upload("preferences.json")).has_value());
  PendingUpload create_only = make_upload("preferences.json");
  create_only.if_none_match = true;

  auto committed = create_and_commit(create_only);
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, MetaErrorCode::kConflict);
  ASSERT_TRUE(committed.error().current.has_value());
  EXPECT_EQ(committed.error().current->revision, 1);
}

TEST_P(RepositoryTest, IfNoneMatchCreatesNewObject) {
  PendingUpload create_only = make_upload("preferences.json");
  create_only.if_none_match = true;

  auto committed = create_and_commit(create_only);
  ASSERT_TRUE(committed.has_value()) << committed.error().message;
  EXPECT_EQ(committed->revision, 1);
}

TEST_P(RepositoryTest, SecondCommitReturnsAlreadyCompleted) {
  PendingUpload upload = make_upload("preferences.json");
  ASSERT_TRUE(create_and_commit(upload).has_value());

  auto again = repository_->commit_upload(upload.id, observed_for(upload), clock_.now());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, MetaErrorCode::kAlreadyCompleted);
  auto stored = repository_->get_object(kTenant, upload.key);
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_EQ(stored->revision, 1);
}

TEST_P(RepositoryTest, CommitAfterExpiryReturnsExpired) {
  PendingUpload upload = make_upload("preferences.json");
  ASSERT_TRUE(repository_->create_pending_upload(upload).has_value());

  clock_.advance(kUploadTtl);
  auto committed = repository_->commit_upload(upload.id, observed_for(upload), clock_.now());
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, MetaErrorCode::kExpired);
  auto missing = repository_->get_object(kTenant, upload.key);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, MetaErrorCode::kNotFound);
}

TEST_P(RepositoryTest, CommitJustBeforeExpirySucceeds) {
  PendingUpload upload = make_upload("preferences.json");
  ASSERT_TRUE(repository_->create_pending_upload(upload).has_value());

  clock_.advance(kUploadTtl - 1us);
  auto committed = repository_->commit_upload(upload.id, observed_for(upload), clock_.now());
  EXPECT_TRUE(committed.has_value()) << committed.error().message;
}

TEST_P(RepositoryTest, CommitOfUnknownUploadReturnsNotFound) {
  PendingUpload upload = make_upload("preferences.json");
  auto committed = repository_->commit_upload(upload.id, observed_for(upload), clock_.now());
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, MetaErrorCode::kNotFound);
}

TEST_P(RepositoryTest, CommitRejectsObservedKeyOfAnotherObject) {
  PendingUpload upload = make_upload("preferences.json");
  ASSERT_TRUE(repository_->create_pending_upload(upload).has_value());
  ObjectRecord observed = observed_for(upload);
  observed.key = "acme/user-2/preferences.json";

  auto committed = repository_->commit_upload(upload.id, observed, clock_.now());
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, MetaErrorCode::kInvalid);
}

TEST_P(RepositoryTest, AbortedUploadCannotBeCommitted) {
  PendingUpload upload = make_upload("preferences.json");
  ASSERT_TRUE(repository_->create_pending_upload(upload).has_value());

  auto aborted = repository_->abort_pending_upload(kTenant, upload.id);
  ASSERT_TRUE(aborted.has_value()) << aborted.error().message;
  EXPECT_EQ(aborted->state, UploadState::kAborted);
  auto aborted_again = repository_->abort_pending_upload(kTenant, upload.id);
  EXPECT_TRUE(aborted_again.has_value()) << aborted_again.error().message;

  auto committed = repository_->commit_upload(upload.id, observed_for(upload), clock_.now());
  ASSERT_FALSE(committed.has_value());
  EXPECT_EQ(committed.error().code, MetaErrorCode::kExpired);
}

TEST_P(RepositoryTest, AbortOfCompletedUploadReturnsAlreadyCompleted) {
  PendingUpload upload = make_upload("preferences.json");
  ASSERT_TRUE(create_and_commit(upload).has_value());

  auto aborted = repository_->abort_pending_upload(kTenant, upload.id);
  ASSERT_FALSE(aborted.has_value());
  EXPECT_EQ(aborted.error().code, MetaErrorCode::kAlreadyCompleted);
}

TEST_P(RepositoryTest, UploadOfAnotherTenantIsNotFound) {
  PendingUpload upload = make_upload("globex", "user-9", "preferences.json");
  ASSERT_TRUE(repository_->create_pending_upload(upload).has_value());

  auto found = repository_->find_pending_upload(kTenant, upload.id);
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, MetaErrorCode::kNotFound);
  auto aborted = repository_->abort_pending_upload(kTenant, upload.id);
  ASSERT_FALSE(aborted.has_value());
  EXPECT_EQ(aborted.error().code, MetaErrorCode::kNotFound);
  auto still_pending = repository_->find_pending_upload("globex", upload.id);
  ASSERT_TRUE(still_pending.has_value()) << still_pending.error().message;
  EXPECT_EQ(still_pending->state, UploadState::kPending);
}

TEST_P(RepositoryTest, ObjectOfAnotherTenantIsNotFound) {
  PendingUpload upload = make_upload("globex", "user-9", "preferences.json");
  ASSERT_TRUE(create_and_commit(upload).has_value());

  auto found = repository_->get_object(kTenant, upload.key);
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, MetaErrorCode::kNotFound);
  auto deleted = repository_->delete_object(kTenant, upload.key, std::nullopt, "", clock_.now());
  ASSERT_FALSE(deleted.has_value());
  EXPECT_EQ(deleted.error().code, MetaErrorCode::kNotFound);
}

TEST_P(RepositoryTest, ListingNeverCrossesTenants) {
  // "acme" sorts right before "acme-2", whose keys would follow acme's in one shared index.
  ASSERT_TRUE(create_and_commit(make_upload("acme", "user-1", "a.json")).has_value());
  ASSERT_TRUE(create_and_commit(make_upload("acme-2", "user-1", "b.json")).has_value());
  ASSERT_TRUE(create_and_commit(make_upload("globex", "user-1", "c.json")).has_value());

  auto everything = repository_->list_objects("acme", "", "", kMaxListLimit);
  ASSERT_TRUE(everything.has_value()) << everything.error().message;
  ASSERT_EQ(everything->items.size(), 1u);
  EXPECT_EQ(everything->items[0].key, "acme/user-1/a.json");

  auto other_prefix = repository_->list_objects("acme", "globex/", "", kMaxListLimit);
  ASSERT_TRUE(other_prefix.has_value()) << other_prefix.error().message;
  EXPECT_TRUE(other_prefix->items.empty());
  EXPECT_FALSE(other_prefix->next_cursor.has_value());
}

TEST_P(RepositoryTest, ListingPagesReturnEveryKeyOnceInOrder) {
  constexpr int kObjectCount = 2500;
  std::vector<std::string> expected_keys;
  // Insert out of key order, so the order of the pages comes from the query.
  for (int i = 0; i < kObjectCount; ++i) {
    int number = (i * 7919) % kObjectCount;
    PendingUpload upload = make_upload(fmt::format("files/{:05}.bin", number));
    expected_keys.push_back(upload.key);
    ASSERT_TRUE(create_and_commit(upload).has_value());
  }
  std::sort(expected_keys.begin(), expected_keys.end());

  std::vector<std::string> listed_keys;
  std::vector<std::size_t> page_sizes;
  std::string cursor;
  while (true) {
    auto page = repository_->list_objects(kTenant, "acme/user-1/files/", cursor, 1000);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    page_sizes.push_back(page->items.size());
    for (const ObjectRecord& record : page->items) listed_keys.push_back(record.key);
    if (!page->next_cursor.has_value()) break;
    cursor = *page->next_cursor;
  }

  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{1000, 1000, 500}));
  EXPECT_EQ(listed_keys, expected_keys);
}

TEST_P(RepositoryTest, FullLastPageHasNoNextCursor) {
  for (std::string_view name : {"a", "b", "c", "d"}) {
    ASSERT_TRUE(create_and_commit(make_upload(name)).has_value());
  }

  auto first = repository_->list_objects(kTenant, "", "", 2);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_TRUE(first->next_cursor.has_value());
  auto second = repository_->list_objects(kTenant, "", *first->next_cursor, 2);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[1].key, "acme/user-1/d");
  EXPECT_FALSE(second->next_cursor.has_value());
}

TEST_P(RepositoryTest, ListingClampsLimit) {
  for (std::string_view name : {"a", "b"}) {
    ASSERT_TRUE(create_and_commit(make_upload(name)).has_value());
  }

  auto zero = repository_->list_objects(kTenant, "", "", 0);
  ASSERT_TRUE(zero.has_value()) << zero.error().message;
  EXPECT_EQ(zero->items.size(), 1u);
  EXPECT_TRUE(zero->next_cursor.has_value());
  auto huge = repository_->list_objects(kTenant, "", "", 1'000'000);
  ASSERT_TRUE(huge.has_value()) << huge.error().message;
  EXPECT_EQ(huge->items.size(), 2u);
}

TEST_P(RepositoryTest, ListingRejectsMalformedCursor) {
  auto page = repository_->list_objects(kTenant, "", "not base64url!", 10);
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code, MetaErrorCode::kInvalid);
}

std::vector<std::string> keys_of(const Page<ObjectRecord>& page) {
  std::vector<std::string> keys;
  for (const ObjectRecord& record : page.items) keys.push_back(record.key);
  return keys;
}

TEST_P(RepositoryTest, PrefixMatchesOnlyKeysStartingWithIt) {
  for (std::string_view name : {"a/b", "a/bc", "a/b/x", "a/c"}) {
    ASSERT_TRUE(create_and_commit(make_upload(name)).has_value());
  }

  auto longer = repository_->list_objects(kTenant, "acme/user-1/a/bc", "", 100);
  ASSERT_TRUE(longer.has_value()) << longer.error().message;
  EXPECT_EQ(keys_of(*longer), (std::vector<std::string>{"acme/user-1/a/bc"}));

  auto folder = repository_->list_objects(kTenant, "acme/user-1/a/b/", "", 100);
  ASSERT_TRUE(folder.has_value()) << folder.error().message;
  EXPECT_EQ(keys_of(*folder), (std::vector<std::string>{"acme/user-1/a/b/x"}));

  // A prefix is a plain string prefix, as in S3.
  auto shorter = repository_->list_objects(kTenant, "acme/user-1/a/b", "", 100);
  ASSERT_TRUE(shorter.has_value()) << shorter.error().message;
  EXPECT_EQ(keys_of(*shorter),
            (std::vector<std::string>{"acme/user-1/a/b", "acme/user-1/a/b/x", "acme/user-1/a/bc"}));
}

TEST_P(RepositoryTest, PrefixTreatsLikeWildcardsLiterally) {
  for (std::string_view name : {"100%", "100x", "a_b", "axb"}) {
    ASSERT_TRUE(create_and_commit(make_upload(name)).has_value());
  }

  auto percent = repository_->list_objects(kTenant, "acme/user-1/100%", "", 100);
  ASSERT_TRUE(percent.has_value()) << percent.error().message;
  EXPECT_EQ(keys_of(*percent), (std::vector<std::string>{"acme/user-1/100%"}));

  auto underscore = repository_->list_objects(kTenant, "acme/user-1/a_", "", 100);
  ASSERT_TRUE(underscore.has_value()) << underscore.error().message;
  EXPECT_EQ(keys_of(*underscore), (std::vector<std::string>{"acme/user-1/a_b"}));
}

TEST_P(RepositoryTest, DeleteReturnsRecordAndRemovesIt) {
  PendingUpload upload = make_upload("preferences.json");
  auto created = create_and_commit(upload);
  ASSERT_TRUE(created.has_value());

  auto deleted = repository_->delete_object(kTenant, upload.key, 1, "marker-1", clock_.now());
  ASSERT_TRUE(deleted.has_value()) << deleted.error().message;
  EXPECT_EQ(*deleted, *created);
  auto missing = repository_->get_object(kTenant, upload.key);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, MetaErrorCode::kNotFound);
}

TEST_P(RepositoryTest, DeleteWithWrongRevisionConflicts) {
  PendingUpload upload = make_upload("preferences.json");
  ASSERT_TRUE(create_and_commit(upload).has_value());

  auto deleted = repository_->delete_object(kTenant, upload.key, 2, "marker-1", clock_.now());
  ASSERT_FALSE(deleted.has_value());
  EXPECT_EQ(deleted.error().code, MetaErrorCode::kConflict);
  ASSERT_TRUE(deleted.error().current.has_value());
  EXPECT_EQ(deleted.error().current->revision, 1);
  EXPECT_TRUE(repository_->get_object(kTenant, upload.key).has_value());
}

TEST_P(RepositoryTest, DeleteOfMissingObjectReturnsNotFound) {
  auto deleted =
      repository_->delete_object(kTenant, "acme/user-1/none.json", std::nullopt, "", clock_.now());
  ASSERT_FALSE(deleted.has_value());
  EXPECT_EQ(deleted.error().code, MetaErrorCode::kNotFound);
}

// Commits one upload per thread, all expecting revision 1 of the same key, started together.
// Returns how many succeeded; every failure must be a conflict.
int race_commits(const std::vector<Repository*>& repositories,
                 const std::vector<PendingUpload>& uploads, SystemTime now,
                 std::atomic<int>& conflicts) {
  std::atomic<int> successes{0};
  std::latch start(static_cast<std::ptrdiff_t>(uploads.size()));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < uploads.size(); ++i) {
    Repository* repository = repositories[i % repositories.size()];
    const PendingUpload& upload = uploads[i];
    threads.emplace_back([&, repository] {
      ObjectRecord observed;
      observed.version_id = "version-of-" + upload.id;
      observed.size = upload.size;
      observed.etag = std::string(test_support::kEtag);
      observed.content_type = upload.content_type;
      start.arrive_and_wait();
      auto committed = repository->commit_upload(upload.id, observed, now);
      if (committed.has_value()) {
        ++successes;
      } else if (committed.error().code == MetaErrorCode::kConflict) {
        ++conflicts;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return successes.load();
}

constexpr int kRacingThreads = 8;

// Creates kRacingThreads uploads of preferences.json that all expect revision 1.
std::vector<PendingUpload> create_racing_uploads(Repository& repository,
                                                 const std::function<PendingUpload()>& make) {
  std::vector<PendingUpload> uploads;
  for (int i = 0; i < kRacingThreads; ++i) {
    PendingUpload upload = make();
    upload.if_match = 1;
    EXPECT_TRUE(repository.create_pending_upload(upload).has_value());
    uploads.push_back(upload);
  }
  return uploads;
}

TEST_P(RepositoryTest, ExactlyOneOfEightThreadsSucceeds) {
  ASSERT_TRUE(create_and_commit(make_upload("preferences.json")).has_value());
  std::vector<PendingUpload> uploads =
      create_racing_uploads(*repository_, [&] { return make_upload("preferences.json"); });

  std::atomic<int> conflicts{0};
  int successes = race_commits({repository_.get()}, uploads, clock_.now(), conflicts);

  EXPECT_EQ(successes, 1);
  EXPECT_EQ(conflicts.load(), kRacingThreads - 1);
  auto stored = repository_->get_object(kTenant, "acme/user-1/preferences.json");
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_EQ(stored->revision, 2);
}

// Two repositories on one database stand for two processes: only the database orders them.
TEST_P(RepositoryTest, ExactlyOneSucceedsAcrossTwoRepositories) {
  auto second = backend_->open();
  ASSERT_TRUE(second.has_value()) << second.error().message;
  ASSERT_TRUE(create_and_commit(make_upload("preferences.json")).has_value());
  std::vector<PendingUpload> uploads =
      create_racing_uploads(*repository_, [&] { return make_upload("preferences.json"); });

  std::atomic<int> conflicts{0};
  int successes =
      race_commits({repository_.get(), second->get()}, uploads, clock_.now(), conflicts);

  EXPECT_EQ(successes, 1);
  EXPECT_EQ(conflicts.load(), kRacingThreads - 1);
  auto stored = (*second)->get_object(kTenant, "acme/user-1/preferences.json");
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_EQ(stored->revision, 2);
}

// A create-only commit finds no row to lock, so this checks that writers of a missing key are
// ordered as well.
TEST_P(RepositoryTest, ExactlyOneCreateOnlyCommitWins) {
  auto second = backend_->open();
  ASSERT_TRUE(second.has_value()) << second.error().message;
  std::vector<PendingUpload> uploads;
  for (int i = 0; i < kRacingThreads; ++i) {
    PendingUpload upload = make_upload("manifest.json");
    upload.if_none_match = true;
    ASSERT_TRUE(repository_->create_pending_upload(upload).has_value());
    uploads.push_back(upload);
  }

  std::atomic<int> conflicts{0};
  int successes =
      race_commits({repository_.get(), second->get()}, uploads, clock_.now(), conflicts);

  EXPECT_EQ(successes, 1);
  EXPECT_EQ(conflicts.load(), kRacingThreads - 1);
  auto stored = repository_->get_object(kTenant, "acme/user-1/manifest.json");
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_EQ(stored->revision, 1);
}

TEST_P(RepositoryTest, ListingOrdersKeysByBytes) {
  // Byte order puts upper case before lower case and every ASCII key before "\u00e4", unlike
  // most locale collations.
  for (std::string_view name : {"\u00e9", "a", "Z", "\u00e4", "B", "a-b", "a.b"}) {
    ASSERT_TRUE(create_and_commit(make_upload(name)).has_value());
  }

  auto page = repository_->list_objects(kTenant, "acme/user-1/", "", 100);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(keys_of(*page),
            (std::vector<std::string>{"acme/user-1/B", "acme/user-1/Z", "acme/user-1/a",
                                      "acme/user-1/a-b", "acme/user-1/a.b", "acme/user-1/\u00e4",
                                      "acme/user-1/\u00e9"}));
}

TEST_P(RepositoryTest, CursorPagesMatchOnePage) {
  for (std::string_view name : {"\u00e9", "a", "Z", "\u00e4", "B", "a-b", "a.b"}) {
    ASSERT_TRUE(create_and_commit(make_upload(name)).has_value());
  }
  auto whole = repository_->list_objects(kTenant, "", "", 100);
  ASSERT_TRUE(whole.has_value()) << whole.error().message;

  std::vector<std::string> paged;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = repository_->list_objects(kTenant, "", cursor, 1);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    for (const ObjectRecord& record : page->items) paged.push_back(record.key);
    if (!page->next_cursor.has_value()) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(paged, keys_of(*whole));
}

TEST_P(RepositoryTest, PrefixEndingInMultibyteCharacter) {
  // U+00BF is C2 BF and U+00C0 is C3 80: the prefix's upper bound must be U+00C0, not the
  // invalid C2 C0.
  for (std::string_view name : {"a\u00bf", "a\u00bfx", "a\u00c0", "a\u00be"}) {
    ASSERT_TRUE(create_and_commit(make_upload(name)).has_value());
  }

  auto page = repository_->list_objects(kTenant, "acme/user-1/a\u00bf", "", 100);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(keys_of(*page),
            (std::vector<std::string>{"acme/user-1/a\u00bf", "acme/user-1/a\u00bfx"}));
}

TEST_P(RepositoryTest, ListingRejectsPrefixThatIsNotUtf8) {
  auto page = repository_->list_objects(kTenant, "acme/user-1/\xc3", "", 10);
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code, MetaErrorCode::kInvalid);
}

TEST_P(RepositoryTest, FiltersByExactContentType) {
  for (auto [name, type] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"a", "application/json"},
           {"b", "application/json; charset=utf-8"},
           {"c", "Application/JSON"},
           {"d", "application/jsonx"},
           {"e", "text/plain"}}) {
    PendingUpload upload = make_upload(name);
    upload.content_type = type;
    ASSERT_TRUE(create_and_commit(upload).has_value()) << name;
  }

  ObjectFilter filter{.content_type = "application/json"};
  auto page = repository_->list_objects(kTenant, "", "", 100, filter);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(keys_of(*page),
            (std::vector<std::string>{"acme/user-1/a", "acme/user-1/b", "acme/user-1/c"}));
}

TEST_P(RepositoryTest, FiltersByContentTypeFamily) {
  for (auto [name, type] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"a.png", "image/png"},
           {"b.jpg", "IMAGE/jpeg"},
           {"c", "imagex/foo"},
           {"d", "application/json"}}) {
    PendingUpload upload = make_upload(name);
    upload.content_type = type;
    ASSERT_TRUE(create_and_commit(upload).has_value()) << name;
  }

  auto page = repository_->list_objects(kTenant, "", "", 100, {.content_type = "image/*"});
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(keys_of(*page), (std::vector<std::string>{"acme/user-1/a.png", "acme/user-1/b.jpg"}));
}

TEST_P(RepositoryTest, FiltersByUpdatedSince) {
  ASSERT_TRUE(create_and_commit(make_upload("old")).has_value());
  clock_.advance(10s);
  SystemTime since = clock_.now();
  ASSERT_TRUE(create_and_commit(make_upload("exact")).has_value());
  clock_.advance(1us);
  ASSERT_TRUE(create_and_commit(make_upload("new")).has_value());

  auto page = repository_->list_objects(kTenant, "", "", 100, {.updated_since = since});
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(keys_of(*page), (std::vector<std::string>{"acme/user-1/exact", "acme/user-1/new"}));
}

TEST_P(RepositoryTest, NameSearchIgnoresAsciiCaseOnly) {
  for (std::string_view name : {"Report-2024.pdf", "summary.txt", "reports/x", "\u00dcber.txt"}) {
    ASSERT_TRUE(create_and_commit(make_upload(name)).has_value());
  }

  auto reports = repository_->list_objects(kTenant, "", "", 100, {.name_contains = "REPORT"});
  ASSERT_TRUE(reports.has_value()) << reports.error().message;
  EXPECT_EQ(keys_of(*reports),
            (std::vector<std::string>{"acme/user-1/Report-2024.pdf", "acme/user-1/reports/x"}));
  auto exact_umlaut =
      repository_->list_objects(kTenant, "", "", 100, {.name_contains = "\u00dcber"});
  ASSERT_TRUE(exact_umlaut.has_value()) << exact_umlaut.error().message;
  EXPECT_EQ(keys_of(*exact_umlaut), (std::vector<std::string>{"acme/user-1/\u00dcber.txt"}));
  auto lower_umlaut =
      repository_->list_objects(kTenant, "", "", 100, {.name_contains = "\u00fcber"});
  ASSERT_TRUE(lower_umlaut.has_value()) << lower_umlaut.error().message;
  EXPECT_TRUE(lower_umlaut->items.empty());
}

TEST_P(RepositoryTest, NameSearchTreatsLikeWildcardsLiterally) {
  for (std::string_view name : {"100%", "100x", "a_b", "axb"}) {
    ASSERT_TRUE(create_and_commit(make_upload(name)).has_value());
  }
  auto percent = repository_->list_objects(kTenant, "", "", 100, {.name_contains = "0%"});
  ASSERT_TRUE(percent.has_value()) << percent.error().message;
  EXPECT_EQ(keys_of(*percent), (std::vector<std::string>{"acme/user-1/100%"}));
  auto underscore = repository_->list_objects(kTenant, "", "", 100, {.name_contains = "_"});
  ASSERT_TRUE(underscore.has_value()) << underscore.error().message;
  EXPECT_EQ(keys_of(*underscore), (std::vector<std::string>{"acme/user-1/a_b"}));
}

TEST_P(RepositoryTest, FilteredPagesFollowCursor) {
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) {
    PendingUpload upload = make_upload(fmt::format("file-{}", i));
    upload.content_type = i % 3 == 0 ? "text/plain" : "application/json";
    if (i % 3 == 0) expected.push_back(upload.key);
    ASSERT_TRUE(create_and_commit(upload).has_value());
  }

  std::vector<std::string> listed;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = repository_->list_objects(kTenant, "acme/user-1/", cursor, 2,
                                          {.content_type = "text/plain"});
    ASSERT_TRUE(page.has_value()) << page.error().message;
    for (const ObjectRecord& record : page->items) listed.push_back(record.key);
    if (!page->next_cursor.has_value()) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(listed, expected);
}

TEST_P(RepositoryTest, FilterRejectsMalformedContentType) {
  for (std::string_view type : {"json", "/json", "application/", "a/b/c"}) {
    auto page = repository_->list_objects(kTenant, "", "", 10, {.content_type = std::string(type)});
    ASSERT_FALSE(page.has_value()) << type;
    EXPECT_EQ(page.error().code, MetaErrorCode::kInvalid) << type;
  }
}

TEST_P(RepositoryTest, ReadersRunBesideWriters) {
  ASSERT_TRUE(create_and_commit(make_upload("preferences.json")).has_value());
  constexpr int kReaderThreads = 6;
  constexpr int kReadsPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaderThreads; ++i) {
    readers.emplace_back([&] {
      for (int read = 0; read < kReadsPerThread; ++read) {
        if (!repository_->get_object(kTenant, "acme/user-1/preferences.json").has_value()) {
          ++failures;
        }
        if (!repository_->list_objects(kTenant, "", "", 10).has_value()) ++failures;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(create_and_commit(make_upload(fmt::format("extra-{}", i))).has_value());
  }
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
}

INSTANTIATE_BACKEND_TESTS(RepositoryTest);

}  // namespace
}  // namespace satchel::meta
