// Object expiry and the lifecycle sweeper's queries, run against every back end like
// repository_test.cc.
#include "meta/lifecycle_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "meta/storage_encoding.h"
#include "repository_test_fixture.h"

namespace satchel::meta {
namespace {

using namespace std::chrono_literals;
using test_support::kTenant;
using test_support::RepositoryTest;

NoncurrentVersionRules by_count(std::int64_t newer_noncurrent) {
  NoncurrentVersionRules rules;
  rules.newer_noncurrent_at_least = newer_noncurrent;
  return rules;
}

NoncurrentVersionRules by_age(SystemTime noncurrent_before) {
  NoncurrentVersionRules rules;
  rules.noncurrent_before = noncurrent_before;
  return rules;
}

class LifecycleIndexTest : public RepositoryTest {
 protected:
  void SetUp() override {
    RepositoryTest::SetUp();
    if (HasFatalFailure()) return;
    index_ = find_lifecycle_index(*repository_);
    ASSERT_NE(index_, nullptr);
  }

  // Commits name with an expiry of lifetime from now (none when zero) and returns the record.
  ObjectRecord commit(std::string_view name, std::chrono::seconds lifetime = 0s) {
    PendingUpload upload = make_upload(name);
    if (lifetime > 0s) upload.object_expires_at = clock_.now() + lifetime;
    auto committed = create_and_commit(upload);
    EXPECT_TRUE(committed.has_value()) << committed.error().message;
    return committed.has_value() ? *committed : ObjectRecord{};
  }

  std::vector<std::string> expired_keys(std::size_t limit = kMaxListLimit) {
    auto expired = index_->list_expired_objects(clock_.now(), limit);
    EXPECT_TRUE(expired.has_value()) << expired.error().message;
    std::vector<std::string> keys;
    if (expired.has_value()) {
      for (const ObjectRecord& record : *expired) keys.push_back(record.key);
    }
    return keys;
  }

  // The revisions of kKey's history entries that the rules select.
  std::vector<std::int64_t> noncurrent_revisions(const NoncurrentVersionRules& rules) {
    auto versions = index_->list_noncurrent_versions(rules, {}, kMaxListLimit);
    EXPECT_TRUE(versions.has_value()) << versions.error().message;
    std::vector<std::int64_t> revisions;
    if (versions.has_value()) {
      for (const ObjectVersion& version : *versions) revisions.push_back(version.revision);
    }
    return revisions;
  }

  static constexpr std::string_view kKey = "acme/user-1/notes.txt";
  LifecycleIndex* index_ = nullptr;
};

TEST_P(LifecycleIndexTest, CommitKeepsUploadExpiry) {
  PendingUpload upload = make_upload("notes.txt");
  upload.object_expires_at = clock_.now() + 1h;
  auto created = repository_->create_pending_upload(upload);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(created->object_expires_at, upload.object_expires_at);
  auto found = repository_->find_pending_upload(kTenant, upload.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->object_expires_at, upload.object_expires_at);

  auto committed = repository_->commit_upload(upload.id, observed_for(upload), clock_.now());
  ASSERT_TRUE(committed.has_value()) << committed.error().message;
  EXPECT_EQ(committed->expires_at, upload.object_expires_at);
  auto stored = repository_->get_object(kTenant, kKey);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->expires_at, upload.object_expires_at);
}

TEST_P(LifecycleIndexTest, ObjectWithoutExpiryHasNone) {
  ObjectRecord record = commit("notes.txt");
  EXPECT_FALSE(record.expires_at.has_value());
  auto stored = repository_->get_object(kTenant, kKey);
  ASSERT_TRUE(stored.has_value());
  EXPECT_FALSE(stored->expires_at.has_value());
}

TEST_P(LifecycleIndexTest, RejectsExpiryBeforeCreation) {
  PendingUpload upload = make_upload("notes.txt");
  upload.object_expires_at = upload.created_at;
  auto created = repository_->create_pending_upload(upload);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, MetaErrorCode::kInvalid);
}

TEST_P(LifecycleIndexTest, CreateOnlyUploadReplacesExpiredObject) {
  ObjectRecord expired = commit("notes.txt", 10s);
  PendingUpload create_only = make_upload("notes.txt");
  create_only.if_none_match = true;
  ASSERT_TRUE(repository_->create_pending_upload(create_only).has_value());
  auto refused =
      repository_->commit_upload(create_only.id, observed_for(create_only), clock_.now());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, MetaErrorCode::kConflict);

  clock_.advance(10s);
  PendingUpload again = make_upload("notes.txt");
  again.if_none_match = true;
  ASSERT_TRUE(repository_->create_pending_upload(again).has_value());
  auto committed = repository_->commit_upload(again.id, observed_for(again), clock_.now());
  ASSERT_TRUE(committed.has_value()) << committed.error().message;
  EXPECT_EQ(committed->revision, expired.revision + 1);
  EXPECT_FALSE(committed->expires_at.has_value());
  EXPECT_TRUE(expired_keys().empty());
}

TEST_P(LifecycleIndexTest, ListingHidesExpiredObjects) {
  commit("a.txt", 10s);
  commit("b.txt");
  commit("c.txt", 1h);
  clock_.advance(10s);
  ObjectFilter filter;
  filter.unexpired_at = clock_.now();
  auto page = repository_->list_objects(kTenant, "acme/user-1/", "", 10, filter);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].name, "b.txt");
  EXPECT_EQ(page->items[1].name, "c.txt");

  auto unfiltered = repository_->list_objects(kTenant, "acme/user-1/", "", 10);
  ASSERT_TRUE(unfiltered.has_value());
  EXPECT_EQ(unfiltered->items.size(), 3u);
}

TEST_P(LifecycleIndexTest, ListsExpiredObjectsSoonestFirst) {
  commit("late.txt", 30s);
  commit("early.txt", 20s);
  commit("never.txt");
  commit("future.txt", 1h);
  EXPECT_TRUE(expired_keys().empty());
  clock_.advance(30s);
  EXPECT_EQ(expired_keys(),
            (std::vector<std::string>{"acme/user-1/early.txt", "acme/user-1/late.txt"}));
  EXPECT_EQ(expired_keys(1), (std::vector<std::string>{"acme/user-1/early.txt"}));
}

TEST_P(LifecycleIndexTest, ListsExpiredObjectsOfEveryTenant) {
  PendingUpload other = make_upload("globex", "user-9", "x.txt");
  other.object_expires_at = clock_.now() + 5s;
  ASSERT_TRUE(create_and_commit(other).has_value());
  commit("notes.txt", 5s);
  clock_.advance(5s);
  EXPECT_EQ(expired_keys(),
            (std::vector<std::string>{"acme/user-1/notes.txt", "globex/user-9/x.txt"}));
}

TEST_P(LifecycleIndexTest, SetObjectExpiryChecksRevision) {
  ObjectRecord record = commit("notes.txt", 10s);
  SystemTime later = clock_.now() + 24h;
  auto stale = index_->set_object_expiry(kTenant, kKey, record.revision + 1, later);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, MetaErrorCode::kConflict);

  auto postponed = index_->set_object_expiry(kTenant, kKey, record.revision, later);
  ASSERT_TRUE(postponed.has_value()) << postponed.error().message;
  EXPECT_EQ(postponed->expires_at, later);
  EXPECT_EQ(postponed->revision, record.revision);
  clock_.advance(10s);
  EXPECT_TRUE(expired_keys().empty());

  auto missing = index_->set_object_expiry(kTenant, "acme/user-1/none", 1, later);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, MetaErrorCode::kNotFound);
}

TEST_P(LifecycleIndexTest, ListsStaleAndUncleanedAbortedUploads) {
  PendingUpload old_pending = make_upload("old.txt");
  ASSERT_TRUE(repository_->create_pending_upload(old_pending).has_value());
  PendingUpload old_committed = make_upload("done.txt");
  ASSERT_TRUE(create_and_commit(old_committed).has_value());
  PendingUpload old_aborted = make_upload("gone.txt");
  ASSERT_TRUE(repository_->create_pending_upload(old_aborted).has_value());
  ASSERT_TRUE(repository_->abort_pending_upload(kTenant, old_aborted.id).has_value());
  SystemTime cutoff = clock_.now() + 1s;
  clock_.advance(2s);
  PendingUpload recent = make_upload("new.txt");
  ASSERT_TRUE(repository_->create_pending_upload(recent).has_value());
  // Aborted uploads are listed whatever their age, until their clean-up is marked.
  PendingUpload recent_aborted = make_upload("rejected.txt");
  ASSERT_TRUE(repository_->create_pending_upload(recent_aborted).has_value());
  ASSERT_TRUE(repository_->abort_pending_upload(kTenant, recent_aborted.id).has_value());

  auto listed = index_->list_uploads_to_sweep(cutoff, kMaxListLimit);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].id, old_pending.id);
  EXPECT_EQ((*listed)[0].state, UploadState::kPending);
  EXPECT_EQ((*listed)[1].id, old_aborted.id);
  EXPECT_EQ((*listed)[1].state, UploadState::kAborted);
  EXPECT_EQ((*listed)[2].id, recent_aborted.id);
  EXPECT_EQ((*listed)[2].state, UploadState::kAborted);
}

TEST_P(LifecycleIndexTest, ListsPendingUploadsBeforeAbortedOnes) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    PendingUpload upload = make_upload("file-" + std::to_string(i));
    ASSERT_TRUE(repository_->create_pending_upload(upload).has_value());
    if (i % 2 == 0) {
      ASSERT_TRUE(repository_->abort_pending_upload(kTenant, upload.id).has_value());
    }
    ids.push_back(upload.id);
    clock_.advance(1s);
  }
  // ids[0] and ids[2] are aborted; the pending ids[1] comes first although it is newer.
  auto listed = index_->list_uploads_to_sweep(clock_.now(), 2);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, ids[1]);
  EXPECT_EQ((*listed)[1].id, ids[0]);
}

TEST_P(LifecycleIndexTest, MarkedCleanUpIsNotListedAgain) {
  PendingUpload aborted = make_upload("gone.txt");
  ASSERT_TRUE(repository_->create_pending_upload(aborted).has_value());
  ASSERT_TRUE(repository_->abort_pending_upload(kTenant, aborted.id).has_value());
  PendingUpload other = make_upload("other.txt");
  ASSERT_TRUE(repository_->create_pending_upload(other).has_value());
  ASSERT_TRUE(repository_->abort_pending_upload(kTenant, other.id).has_value());

  auto marked = index_->mark_upload_store_cleaned(kTenant, aborted.id, clock_.now());
  ASSERT_TRUE(marked.has_value()) << marked.error().message;
  // Marking again succeeds.
  auto again = index_->mark_upload_store_cleaned(kTenant, aborted.id, clock_.now() + 1h);
  ASSERT_TRUE(again.has_value()) << again.error().message;

  auto listed = index_->list_uploads_to_sweep(clock_.now() + 1s, kMaxListLimit);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, other.id);
  auto found = repository_->find_pending_upload(kTenant, aborted.id);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->state, UploadState::kAborted);
}

TEST_P(LifecycleIndexTest, MarkCleanUpRejectsUploadNotAborted) {
  PendingUpload pending = make_upload("open.txt");
  ASSERT_TRUE(repository_->create_pending_upload(pending).has_value());
  PendingUpload committed = make_upload("done.txt");
  ASSERT_TRUE(create_and_commit(committed).has_value());

  auto marked_pending = index_->mark_upload_store_cleaned(kTenant, pending.id, clock_.now());
  ASSERT_FALSE(marked_pending.has_value());
  EXPECT_EQ(marked_pending.error().code, MetaErrorCode::kConflict);
  auto marked_committed = index_->mark_upload_store_cleaned(kTenant, committed.id, clock_.now());
  ASSERT_FALSE(marked_committed.has_value());
  EXPECT_EQ(marked_committed.error().code, MetaErrorCode::kConflict);

  // The pending upload is still listed once it is stale.
  auto listed = index_->list_uploads_to_sweep(clock_.now() + 1s, kMaxListLimit);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, pending.id);
}

TEST_P(LifecycleIndexTest, MarkCleanUpRejectsUnknownUpload) {
  PendingUpload aborted = make_upload("gone.txt");
  ASSERT_TRUE(repository_->create_pending_upload(aborted).has_value());
  ASSERT_TRUE(repository_->abort_pending_upload(kTenant, aborted.id).has_value());

  auto unknown = index_->mark_upload_store_cleaned(kTenant, "no-such-upload", clock_.now());
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, MetaErrorCode::kNotFound);
  // Another tenant cannot mark it.
  auto other_tenant = index_->mark_upload_store_cleaned("globex", aborted.id, clock_.now());
  ASSERT_FALSE(other_tenant.has_value());
  EXPECT_EQ(other_tenant.error().code, MetaErrorCode::kNotFound);

  auto listed = index_->list_uploads_to_sweep(clock_.now(), kMaxListLimit);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, aborted.id);
}

TEST_P(LifecycleIndexTest, NoncurrentVersionsByCount) {
  for (int i = 0; i < 4; ++i) {
    commit("notes.txt");
    clock_.advance(1s);
  }
  // Revision 4 is current; 3, 2 and 1 are noncurrent, newest first.
  EXPECT_EQ(noncurrent_revisions(by_count(1)), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(noncurrent_revisions(by_count(3)), std::vector<std::int64_t>{});
}

TEST_P(LifecycleIndexTest, DeletedKeyCountsEveryVersionNoncurrent) {
  commit("notes.txt");
  clock_.advance(1s);
  commit("notes.txt");
  clock_.advance(1s);
  ASSERT_TRUE(repository_->delete_object(kTenant, kKey, std::nullopt, "marker", clock_.now()));
  // Revision 3 is the delete marker, so 2 and 1 are both noncurrent.
  EXPECT_EQ(noncurrent_revisions(by_count(1)), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(noncurrent_revisions(by_count(0)), (std::vector<std::int64_t>{1, 2}));
}

TEST_P(LifecycleIndexTest, NoncurrentVersionsByAge) {
  commit("notes.txt");
  clock_.advance(1h);
  commit("notes.txt");  // revision 1 became noncurrent now
  clock_.advance(2h);
  commit("notes.txt");  // revision 2 became noncurrent now
  SystemTime now = clock_.now();
  EXPECT_EQ(noncurrent_revisions(by_age(now - 1h)), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(noncurrent_revisions(by_age(now)), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(noncurrent_revisions({}), std::vector<std::int64_t>{});
}

TEST_P(LifecycleIndexTest, PurgedVersionsAreNotListedAgainOrRestored) {
  commit("notes.txt");
  clock_.advance(1s);
  commit("notes.txt");
  clock_.advance(1s);
  commit("notes.txt");
  auto purged = index_->mark_version_purged(kTenant, kKey, 1, clock_.now());
  ASSERT_TRUE(purged.has_value()) << purged.error().message;
  EXPECT_EQ(purged->purged_at, floor_to_us(clock_.now()));
  EXPECT_EQ(noncurrent_revisions(by_count(0)), (std::vector<std::int64_t>{2}));

  auto entry = repository_->find_version(kTenant, kKey, purged->version_id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->purged_at, purged->purged_at);

  RestoreRequest restore;
  restore.tenant = kTenant;
  restore.key = kKey;
  restore.source_version_id = purged->version_id;
  restore.observed.version_id = "copy";
  restore.observed.size = 12;
  restore.observed.etag = std::string(test_support::kEtag);
  restore.observed.content_type = "application/json";
  restore.expected_revision = 3;
  auto restored = repository_->restore_version(restore, clock_.now());
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code, MetaErrorCode::kInvalid);
}

TEST_P(LifecycleIndexTest, MarkVersionPurgedRejectsDeleteMarker) {
  commit("notes.txt");
  ASSERT_TRUE(repository_->delete_object(kTenant, kKey, std::nullopt, "marker", clock_.now()));
  auto marker = index_->mark_version_purged(kTenant, kKey, 2, clock_.now());
  ASSERT_FALSE(marker.has_value());
  EXPECT_EQ(marker.error().code, MetaErrorCode::kInvalid);
  auto missing = index_->mark_version_purged(kTenant, kKey, 9, clock_.now());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, MetaErrorCode::kNotFound);
}

TEST_P(LifecycleIndexTest, NoncurrentWalkContinuesAfterPosition) {
  for (int i = 0; i < 3; ++i) {
    commit("a.txt");
    commit("b.txt");
  }
  NoncurrentVersionRules rules = by_count(0);
  auto first = index_->list_noncurrent_versions(rules, {}, 3);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].key, "acme/user-1/a.txt");
  EXPECT_EQ((*first)[2].key, "acme/user-1/b.txt");
  const ObjectVersion& last = first->back();
  auto second = index_->list_noncurrent_versions(rules, {last.tenant, last.key, last.revision}, 3);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].key, "acme/user-1/b.txt");
  EXPECT_EQ((*second)[0].revision, 2);
}

INSTANTIATE_BACKEND_TESTS(LifecycleIndexTest);

}  // namespace
}  // namespace satchel::meta
