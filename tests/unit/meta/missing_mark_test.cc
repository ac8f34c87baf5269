// The missing mark that reconcile sets on a record whose bytes the store lost, run against every
// back end like repository_test.cc.
#include <gtest/gtest.h>

#include <string>

#include "meta/storage_encoding.h"
#include "repository_test_fixture.h"

namespace satchel::meta {
namespace {

using namespace std::chrono_literals;
using test_support::kTenant;
using test_support::RepositoryTest;

constexpr std::string_view kKey = "acme/user-1/notes.json";

class MissingMarkTest : public RepositoryTest {
 protected:
  ObjectRecord commit() {
    clock_.advance(1s);
    auto committed = create_and_commit(make_upload("notes.json"));
    EXPECT_TRUE(committed.has_value()) << committed.error().message;
    return committed.has_value() ? *committed : ObjectRecord{};
  }

  Expected<ObjectRecord, MetaError> mark(const ObjectRecord& record,
                                         std::optional<SystemTime> since) {
    return repository_->set_object_missing(kTenant, kKey, record.revision, record.version_id,
                                           since);
  }

  std::optional<SystemTime> stored_mark() {
    auto stored = repository_->get_object(kTenant, kKey);
    EXPECT_TRUE(stored.has_value()) << stored.error().message;
    return stored.has_value() ? stored->missing_since : std::nullopt;
  }

  std::size_t history_size() {
    auto page = repository_->list_versions(kTenant, kKey, "", kMaxListLimit);
    EXPECT_TRUE(page.has_value()) << page.error().message;
    return page.has_value() ? page->items.size() : 0;
  }
};

TEST_P(MissingMarkTest, MarkIsStoredAndListedWithoutANewRevision) {
  ObjectRecord record = commit();
  EXPECT_FALSE(record.missing_since.has_value());
  SystemTime found = clock_.now() + 1500ns;

  auto marked = mark(record, found);
  ASSERT_TRUE(marked.has_value()) << marked.error().message;
  EXPECT_EQ(marked->missing_since, floor_to_us(found));
  EXPECT_EQ(marked->revision, record.revision);
  EXPECT_EQ(marked->updated_at, record.updated_at);
  EXPECT_EQ(stored_mark(), floor_to_us(found));
  EXPECT_EQ(history_size(), 1u);

  auto page = repository_->list_objects(kTenant, "acme/user-1/", "", kMaxListLimit);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].missing_since, floor_to_us(found));
}

TEST_P(MissingMarkTest, MarkingAgainKeepsTheFirstTimeAndNulloptClears) {
  ObjectRecord record = commit();
  SystemTime first = clock_.now();
  ASSERT_TRUE(mark(record, first).has_value());
  auto again = mark(record, first + 1h);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->missing_since, first);

  auto cleared = mark(record, std::nullopt);
  ASSERT_TRUE(cleared.has_value()) << cleared.error().message;
  EXPECT_FALSE(cleared->missing_since.has_value());
  EXPECT_FALSE(stored_mark().has_value());
}

TEST_P(MissingMarkTest, MarkNeedsTheSameRevisionAndVersionId) {
  ObjectRecord record = commit();
  auto other_version = repository_->set_object_missing(kTenant, kKey, record.revision,
                                                       "another-version", clock_.now());
  ASSERT_FALSE(other_version.has_value());
  EXPECT_EQ(other_version.error().code, MetaErrorCode::kConflict);
  ASSERT_TRUE(other_version.error().current.has_value());
  EXPECT_EQ(other_version.error().current->version_id, record.version_id);

  auto other_revision = repository_->set_object_missing(kTenant, kKey, record.revision + 1,
                                                        record.version_id, clock_.now());
  ASSERT_FALSE(other_revision.has_value());
  EXPECT_EQ(other_revision.error().code, MetaErrorCode::kConflict);
  EXPECT_FALSE(stored_mark().has_value());

  auto unknown = repository_->set_object_missing(kTenant, "acme/user-1/none", 1, "v", clock_.now());
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, MetaErrorCode::kNotFound);
}

TEST_P(MissingMarkTest, NewCommitRacingTheMarkIsNeverMarked) {
  ObjectRecord checked = commit();
  ObjectRecord newer = commit();
  auto stale = mark(checked, clock_.now());
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, MetaErrorCode::kConflict);
  EXPECT_FALSE(stored_mark().has_value());
  EXPECT_TRUE(mark(newer, clock_.now()).has_value());
}

TEST_P(MissingMarkTest, NewCommitClearsTheMark) {
  ObjectRecord record = commit();
  ASSERT_TRUE(mark(record, clock_.now()).has_value());
  ObjectRecord replaced = commit();
  EXPECT_FALSE(replaced.missing_since.has_value());
  EXPECT_FALSE(stored_mark().has_value());
  EXPECT_EQ(replaced.revision, record.revision + 1);
}

TEST_P(MissingMarkTest, RestoreClearsTheMark) {
  ObjectRecord first = commit();
  ObjectRecord second = commit();
  ASSERT_TRUE(mark(second, clock_.now()).has_value());
  RestoreRequest request;
  request.tenant = kTenant;
  request.key = kKey;
  request.source_version_id = first.version_id;
  request.observed.version_id = "copy-1";
  request.observed.size = first.size;
  request.observed.etag = first.etag;
  request.observed.content_type = first.content_type;
  request.expected_revision = second.revision;
  auto restored = repository_->restore_version(request, clock_.now());
  ASSERT_TRUE(restored.has_value()) << restored.error().message;
  EXPECT_FALSE(restored->missing_since.has_value());
  EXPECT_FALSE(stored_mark().has_value());
}

TEST_P(MissingMarkTest, MarkedObjectCanBeDeleted) {
  ObjectRecord record = commit();
  ASSERT_TRUE(mark(record, clock_.now()).has_value());
  auto deleted = repository_->delete_object(kTenant, kKey, record.revision, "", clock_.now());
  ASSERT_TRUE(deleted.has_value()) << deleted.error().message;
  EXPECT_TRUE(deleted->missing_since.has_value());
  auto gone = repository_->get_object(kTenant, kKey);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, MetaErrorCode::kNotFound);
  EXPECT_EQ(history_size(), 2u);
}

INSTANTIATE_BACKEND_TESTS(MissingMarkTest);

}  // namespace
}  // namespace satchel::meta
