#include "store/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "engine_fixture.h"

namespace satchel::store {
namespace {

TEST_F(EngineTest, PutThenReadRoundTripsBytes) {
  auto version = put("dir/ü.json", "{\"a\":1}");
  ASSERT_TRUE(version);
  EXPECT_EQ(read("dir/ü.json"), "{\"a\":1}");
  EXPECT_EQ(version->etag, hex_encode(md5("{\"a\":1}")));
  EXPECT_EQ(version->sha256_hex, hex_encode(sha256("{\"a\":1}")));
  EXPECT_EQ(version->size, 7u);
  EXPECT_EQ(version->last_modified, clock_->now());
  EXPECT_TRUE(version->is_latest);
  EXPECT_NE(version->version_id, kNullVersionId);
}

TEST_F(EngineTest, HeadReturnsStoredMetadata) {
  PutRequest request;
  request.content_type = "application/json";
  request.user_metadata = {{"owner", "alice"}};
  request.stored_headers = {{"Cache-Control", "no-cache"}};
  ASSERT_TRUE(put("prefs.json", "{}", request));
  auto head = engine_->head(std::string(kBucket), "prefs.json", std::nullopt);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->content_type, "application/json");
  EXPECT_EQ(head->user_metadata, (HeaderList{{"owner", "alice"}}));
  EXPECT_EQ(head->stored_headers, (HeaderList{{"Cache-Control", "no-cache"}}));
}

TEST_F(EngineTest, BadMd5LeavesNoFileAndNoRow) {
  PutRequest request;
  request.expected_md5 = md5("other bytes");
  auto result = put("a.txt", "hello", request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), StoreError::kBadDigest);
  EXPECT_EQ(object_files(), 0u);
  EXPECT_EQ(temp_files(), 0u);
  auto found = engine_->find_version(std::string(kBucket), "a.txt", std::nullopt);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error(), StoreError::kNoSuchKey);
}

TEST_F(EngineTest, Sha256MismatchLeavesNothing) {
  PutRequest request;
  request.expected_sha256 = sha256("other bytes");
  auto result = put("a.txt", "hello", request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), StoreError::kContentSha256Mismatch);
  EXPECT_EQ(object_files(), 0u);
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(EngineTest, MatchingDigestsAreAccepted) {
  PutRequest request;
  request.expected_md5 = md5("hello");
  request.expected_sha256 = sha256("hello");
  EXPECT_TRUE(put("a.txt", "hello", request));
}

TEST_F(EngineTest, ShortBodyIsIncompleteAndLeavesNothing) {
  PutRequest request;
  request.content_length = 10;
  auto result = put("a.txt", "hello", request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), StoreError::kIncompleteBody);
  EXPECT_EQ(object_files(), 0u);
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(EngineTest, AbandonedPutRemovesTemporaryFile) {
  {
    auto pending = engine_->begin_put(std::string(kBucket), "a.txt", {});
    ASSERT_TRUE(pending);
    ASSERT_TRUE(pending->append("partial"));
    EXPECT_EQ(temp_files(), 1u);
  }
  EXPECT_EQ(temp_files(), 0u);
  EXPECT_EQ(object_files(), 0u);
}

TEST_F(EngineTest, OversizedBodyIsRejected) {
  engine_ = open_engine(8);
  auto result = put("a.txt", "123456789");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), StoreError::kEntityTooLarge);
  PutRequest declared;
  declared.content_length = 9;
  auto early = engine_->begin_put(std::string(kBucket), "a.txt", declared);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error(), StoreError::kEntityTooLarge);
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(EngineTest, LeftoverTemporaryFilesAreRemovedAtOpen) {
  std::ofstream(engine_->temp_dir() / "crashed-upload") << "partial";
  engine_.reset();
  engine_ = open_engine();
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(EngineTest, IndexSurvivesReopen) {
  auto version = put("a.txt", "hello");
  ASSERT_TRUE(version);
  engine_.reset();
  engine_ = open_engine();
  EXPECT_EQ(read("a.txt"), "hello");
  EXPECT_EQ(read("a.txt", version->version_id), "hello");
}

TEST_F(EngineTest, NoncurrentVersionsStayReadable) {
  auto first = put("a.txt", "one");
  clock_->advance(std::chrono::seconds(1));
  auto second = put("a.txt", "two");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_NE(first->version_id, second->version_id);
  EXPECT_EQ(read("a.txt"), "two");
  EXPECT_EQ(read("a.txt", first->version_id), "one");
  auto old = engine_->head(std::string(kBucket), "a.txt", first->version_id);
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->is_latest);
  EXPECT_EQ(object_files(), 2u);
}

TEST_F(EngineTest, UnknownVersionIsNoSuchVersion) {
  ASSERT_TRUE(put("a.txt", "one"));
  auto result = engine_->head(std::string(kBucket), "a.txt", std::string("AAAAAAAAAAAAAAAAAAAAAA"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), StoreError::kNoSuchVersion);
  auto malformed = engine_->head(std::string(kBucket), "a.txt", std::string("a/b"));
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error(), StoreError::kInvalidVersionId);
}

TEST_F(EngineTest, DeleteAddsMarkerAndKeepsVersions) {
  auto first = put("a.txt", "one");
  ASSERT_TRUE(first);
  auto deleted = engine_->delete_object(std::string(kBucket), "a.txt", std::nullopt);
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->delete_marker);
  EXPECT_FALSE(deleted->version_id.empty());
  EXPECT_NE(deleted->version_id, first->version_id);

  auto head = engine_->head(std::string(kBucket), "a.txt", std::nullopt);
  ASSERT_FALSE(head);
  EXPECT_EQ(head.error(), StoreError::kNoSuchKey);
  auto marker = engine_->find_version(std::string(kBucket), "a.txt", std::nullopt);
  ASSERT_TRUE(marker);
  EXPECT_TRUE(marker->delete_marker);
  auto by_id = engine_->head(std::string(kBucket), "a.txt", deleted->version_id);
  ASSERT_FALSE(by_id);
  EXPECT_EQ(by_id.error(), StoreError::kVersionIsDeleteMarker);
  EXPECT_EQ(read("a.txt", first->version_id), "one");
  EXPECT_EQ(object_files(), 1u);
}

TEST_F(EngineTest, DeletingMarkerRestoresPreviousVersion) {
  ASSERT_TRUE(put("a.txt", "one"));
  auto deleted = engine_->delete_object(std::string(kBucket), "a.txt", std::nullopt);
  ASSERT_TRUE(deleted);
  auto undone = engine_->delete_object(std::string(kBucket), "a.txt", deleted->version_id);
  ASSERT_TRUE(undone);
  EXPECT_TRUE(undone->delete_marker);
  EXPECT_EQ(read("a.txt"), "one");
}

TEST_F(EngineTest, DeleteByVersionRemovesFile) {
  auto first = put("a.txt", "one");
  auto second = put("a.txt", "two");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  auto deleted = engine_->delete_object(std::string(kBucket), "a.txt", second->version_id);
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(deleted->delete_marker);
  EXPECT_EQ(object_files(), 1u);
  EXPECT_EQ(read("a.txt"), "one");
  auto again = engine_->delete_object(std::string(kBucket), "a.txt", second->version_id);
  EXPECT_TRUE(again);
}

TEST_F(EngineTest, UnversionedBucketReplacesNullVersion) {
  ASSERT_TRUE(engine_->create_bucket("plain"));
  auto first = engine_->put("plain", "a.txt", "one");
  auto second = engine_->put("plain", "a.txt", "two");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->version_id, kNullVersionId);
  EXPECT_EQ(object_files(), 1u);
  auto bytes = engine_->read_object("plain", "a.txt", std::nullopt);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, "two");

  auto deleted = engine_->delete_object("plain", "a.txt", std::nullopt);
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(deleted->delete_marker);
  EXPECT_EQ(object_files(), 0u);
  auto gone = engine_->find_version("plain", "a.txt", std::nullopt);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error(), StoreError::kNoSuchKey);
}

TEST_F(EngineTest, SuspendedBucketWritesNullMarker) {
  auto kept = put("a.txt", "one");
  ASSERT_TRUE(kept);
  ASSERT_TRUE(engine_->set_versioning(std::string(kBucket), Versioning::kSuspended));
  auto null_version = put("a.txt", "two");
  ASSERT_TRUE(null_version);
  EXPECT_EQ(null_version->version_id, kNullVersionId);
  auto deleted = engine_->delete_object(std::string(kBucket), "a.txt", std::nullopt);
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->delete_marker);
  EXPECT_EQ(deleted->version_id, kNullVersionId);
  EXPECT_EQ(read("a.txt", kept->version_id), "one");
  EXPECT_EQ(object_files(), 1u);
}

TEST_F(EngineTest, IfNoneMatchRejectsExistingKey) {
  PutRequest create_only;
  create_only.precondition.if_none_match_any = true;
  ASSERT_TRUE(put("a.txt", "one", create_only));
  auto second = put("a.txt", "two", create_only);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), StoreError::kPreconditionFailed);
  EXPECT_EQ(read("a.txt"), "one");
  EXPECT_EQ(object_files(), 1u);
}

TEST_F(EngineTest, IfNoneMatchAllowsKeyBehindDeleteMarker) {
  ASSERT_TRUE(put("a.txt", "one"));
  ASSERT_TRUE(engine_->delete_object(std::string(kBucket), "a.txt", std::nullopt));
  PutRequest create_only;
  create_only.precondition.if_none_match_any = true;
  EXPECT_TRUE(put("a.txt", "two", create_only));
}

TEST_F(EngineTest, IfMatchComparesCurrentEtag) {
  auto first = put("a.txt", "one");
  ASSERT_TRUE(first);
  PutRequest stale;
  stale.precondition.if_match = {hex_encode(md5("other"))};
  auto rejected = put("a.txt", "two", stale);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error(), StoreError::kPreconditionFailed);

  PutRequest current;
  current.precondition.if_match = {first->etag};
  EXPECT_TRUE(put("a.txt", "two", current));

  PutRequest missing;
  missing.precondition.if_match = {"*"};
  auto absent = put("b.txt", "x", missing);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error(), StoreError::kNoSuchKey);
}

TEST_F(EngineTest, ConcurrentCreateOnlyOneWins) {
  constexpr int kWriters = 8;
  std::vector<PendingPut> pending;
  PutRequest create_only;
  create_only.precondition.if_none_match_any = true;
  // Every writer passes the early check before any commits, so the index
  // transaction alone decides the winner.
  for (int i = 0; i < kWriters; ++i) {
    auto started = engine_->begin_put(std::string(kBucket), "race.txt", create_only);
    ASSERT_TRUE(started);
    ASSERT_TRUE(started->append("writer " + std::to_string(i)));
    pending.push_back(std::move(*started));
  }

  std::atomic<int> wins{0};
  std::atomic<int> precondition_failures{0};
  std::vector<std::thread> threads;
  for (auto& put : pending) {
    threads.emplace_back([&, put = std::move(put)]() mutable {
      auto result = engine_->commit_put(std::move(put));
      if (result) {
        ++wins;
      } else if (result.error() == StoreError::kPreconditionFailed) {
        ++precondition_failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(precondition_failures.load(), kWriters - 1);
  EXPECT_EQ(object_files(), 1u);
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(EngineTest, KeyLengthLimitIs1024Bytes) {
  EXPECT_TRUE(put(std::string(1024, 'k'), "x"));
  auto too_long = put(std::string(1025, 'k'), "x");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error(), StoreError::kKeyTooLong);
  auto invalid = put("bad\xff", "x");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error(), StoreError::kInvalidKey);
}

TEST_F(EngineTest, MissingBucketIsNoSuchBucket) {
  auto result = engine_->put("missing", "a.txt", "x");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), StoreError::kNoSuchBucket);
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(EngineTest, BucketLifecycle) {
  auto duplicate = engine_->create_bucket(std::string(kBucket));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error(), StoreError::kBucketAlreadyOwnedByYou);
  auto invalid = engine_->create_bucket("Bad_Name");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error(), StoreError::kInvalidBucketName);

  ASSERT_TRUE(engine_->create_bucket("scratch"));
  ASSERT_TRUE(engine_->put("scratch", "a", "x"));
  auto not_empty = engine_->delete_bucket("scratch");
  ASSERT_FALSE(not_empty);
  EXPECT_EQ(not_empty.error(), StoreError::kBucketNotEmpty);
  ASSERT_TRUE(engine_->delete_object("scratch", "a", std::nullopt));
  EXPECT_TRUE(engine_->delete_bucket("scratch"));
  auto gone = engine_->bucket("scratch");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error(), StoreError::kNoSuchBucket);
}

TEST(BucketNames, FollowS3Rules) {
  EXPECT_TRUE(is_valid_bucket_name("satchel"));
  EXPECT_TRUE(is_valid_bucket_name("my.bucket-1"));
  EXPECT_FALSE(is_valid_bucket_name("ab"));
  EXPECT_FALSE(is_valid_bucket_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_bucket_name("-abc"));
  EXPECT_FALSE(is_valid_bucket_name("abc."));
  EXPECT_FALSE(is_valid_bucket_name("a..b"));
  EXPECT_FALSE(is_valid_bucket_name("ABC"));
  EXPECT_FALSE(is_valid_bucket_name("192.168.1.1"));
}

}  // namespace
}  // namespace satchel::store
