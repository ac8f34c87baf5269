#include "app/lifecycle_sweeper.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/time_format.h"
#include "meta/sqlite_repository.h"

namespace satchel::app {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

constexpr std::string_view kTenant = "acme";
constexpr std::string_view kOwner = "user-1";

// A versioned bucket in memory: each key's versions, oldest first. Only the calls the sweeper
// makes are implemented.
class MemoryStore final : public StoreGateway {
 public:
  struct Version {
    std::string version_id;
    std::string upload_id;
    bool delete_marker = false;
  };

  // Makes remove() fail as an unreachable store would.
  bool fail_removals = false;
  // The error remove_version returns instead of deleting: kUnavailable as from an unreachable
  // store, kDenied as from a bucket under Object Lock.
  std::optional<StoreErrorCode> version_removal_error;
  // The error list_key_versions returns instead of a listing, as a store key without the right
  // to list or an unreachable store would make it.
  std::optional<StoreErrorCode> listing_error;
  int listing_calls = 0;

  void put(const std::string& key, const std::string& version_id, const std::string& upload_id) {
    versions_[key].push_back({version_id, upload_id, false});
  }
  void put_delete_marker(const std::string& key, const std::string& version_id) {
    versions_[key].push_back({version_id, "", true});
  }
  std::vector<std::string> version_ids(const std::string& key) const {
    std::vector<std::string> ids;
    auto found = versions_.find(key);
    if (found == versions_.end()) return ids;
    for (const Version& version : found->second) ids.push_back(version.version_id);
    return ids;
  }
  bool latest_is_delete_marker(const std::string& key) const {
    auto found = versions_.find(key);
    return found != versions_.end() && !found->second.empty() && found->second.back().delete_marker;
  }

  bool conditional_writes() const override { return false; }
  PresignedRequest presign_put(const std::string&, const PutConditions&, std::chrono::seconds,
                               SystemTime) const override {
    return {};
  }
  PresignedRequest presign_get(const std::string&, const std::string&, std::chrono::seconds,
                               SystemTime) const override {
    return {};
  }
  asio::awaitable<Expected<ObjectHead, StoreError>> head(const std::string& key) override {
    auto found = versions_.find(key);
    if (found == versions_.end() || found->second.empty() || found->second.back().delete_marker) {
      co_return Unexpected(StoreError{StoreErrorCode::kNotFound, "no such key"});
    }
    ObjectHead head;
    head.version_id = found->second.back().version_id;
    head.upload_id = found->second.back().upload_id;
    co_return head;
  }
  asio::awaitable<Expected<ObjectHead, StoreError>> head_version(
      const std::string& key, const std::string& version_id) override {
    for (const Version& version : versions_[key]) {
      if (version.version_id != version_id) continue;
      if (version.delete_marker) break;
      ObjectHead head;
      head.version_id = version.version_id;
      head.upload_id = version.upload_id;
      co_return head;
    }
    co_return Unexpected(StoreError{StoreErrorCode::kNotFound, "no such version"});
  }
  asio::awaitable<Expected<std::string, StoreError>> remove(const std::string& key) override {
    if (fail_removals) co_return Unexpected(StoreError{StoreErrorCode::kUnavailable, "down"});
    std::string marker = "marker-" + std::to_string(++marker_count_);
    versions_[key].push_back({marker, "", true});
    co_return marker;
  }
  asio::awaitable<Expected<ObjectHead, StoreError>> copy_version(const std::string&,
                                                                 const std::string&) override {
    co_return Unexpected(unsupported());
  }
  asio::awaitable<Expected<std::string, StoreError>> get_range(const std::string&,
                                                               const std::string&, uint64_t,
                                                               uint64_t) override {
    co_return Unexpected(unsupported());
  }
  asio::awaitable<Expected<ObjectHead, StoreError>> put_object(const std::string&, std::string,
                                                               const std::string&,
                                                               const std::string&) override {
    co_return Unexpected(unsupported());
  }
  asio::awaitable<Expected<void, StoreError>> remove_version(
      const std::string& key, const std::string& version_id) override {
    if (version_removal_error) {
      co_return Unexpected(StoreError{*version_removal_error, "version delete failed"});
    }
    std::erase_if(versions_[key],
                  [&](const Version& version) { return version.version_id == version_id; });
    co_return Expected<void, StoreError>{};
  }
  asio::awaitable<Expected<KeyVersions, StoreError>> list_key_versions(
      const std::string& key, std::size_t max_versions) override {
    ++listing_calls;
    if (listing_error) co_return Unexpected(StoreError{*listing_error, "listing failed"});
    KeyVersions listed;
    const std::vector<Version>& versions = versions_[key];
    for (auto version = versions.rbegin(); version != versions.rend(); ++version) {
      if (listed.versions.size() == max_versions) {
        listed.truncated = true;
        break;
      }
      listed.versions.push_back({.key = key,
                                 .version_id = version->version_id,
                                 .is_latest = version == versions.rbegin(),
                                 .is_delete_marker = version->delete_marker});
    }
    co_return listed;
  }

 private:
  static StoreError unsupported() {
    return {StoreErrorCode::kProtocol, "not implemented by the test store"};
  }

  std::map<std::string, std::vector<Version>> versions_;
  int marker_count_ = 0;
};

class LifecycleSweeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(directory_);
    auto opened = meta::open_sqlite_repository(directory_ / "metadata.db");
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    repository_ = std::move(*opened);
    index_ = meta::find_lifecycle_index(*repository_);
    ASSERT_NE(index_, nullptr);
  }

  void TearDown() override {
    repository_.reset();
    workers_.join();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  // Uses a policy with a 1-day retention rule for records/ names.
  void use_retention_policy() {
    auto parsed = policy::Policy::parse(
        std::string(policy::default_policy_text()) +
            "\n[[retention]]\nid = \"records\"\nresources = [\"${org}/*/records/*\"]\ndays = 1\n",
        "test policy");
    ASSERT_TRUE(parsed.has_value()) << parsed.error();
    policy_ = std::make_shared<const policy::Policy>(std::move(*parsed));
  }

  // Records an upload of name and, when put_bytes, its bytes in the store.
  meta::PendingUpload start_upload(std::string_view name, bool put_bytes = true,
                                   std::optional<std::chrono::seconds> lifetime = std::nullopt) {
    meta::PendingUpload upload;
    upload.id = "upload-" + std::to_string(++upload_count_);
    upload.tenant = kTenant;
    upload.owner = kOwner;
    upload.name = name;
    upload.key = std::string(kTenant) + "/" + std::string(kOwner) + "/" + std::string(name);
    upload.content_type = "text/plain";
    upload.size = 5;
    upload.created_at = clock_.now();
    upload.expires_at = clock_.now() + 15min;
    if (lifetime) upload.object_expires_at = clock_.now() + *lifetime;
    auto created = repository_->create_pending_upload(upload);
    EXPECT_TRUE(created.has_value()) << created.error().message;
    if (put_bytes) store_.put(upload.key, "version-of-" + upload.id, upload.id);
    return upload;
  }

  // Uploads and commits name, and returns the record.
  meta::ObjectRecord commit(std::string_view name,
                            std::optional<std::chrono::seconds> lifetime = std::nullopt) {
    meta::PendingUpload upload = start_upload(name, true, lifetime);
    meta::ObjectRecord observed;
    observed.version_id = "version-of-" + upload.id;
    observed.size = upload.size;
    observed.etag = "\"etag\"";
    observed.content_type = upload.content_type;
    auto committed = repository_->commit_upload(upload.id, observed, clock_.now());
    EXPECT_TRUE(committed.has_value()) << committed.error().message;
    return committed.has_value() ? *committed : meta::ObjectRecord{};
  }

  SweepCounts sweep(LifecycleConfig config = {}) {
    LifecycleSweeper sweeper(config, *repository_, *index_, store_, workers_, clock_, policy_,
                             audit_);
    asio::io_context io;
    auto result = asio::co_spawn(io, sweeper.sweep_once(), asio::use_future);
    io.run();
    return result.get();
  }

  std::vector<obs::AuditEvent> audit_events(std::string_view action) {
    obs::AuditQuery query;
    query.tenant = kTenant;
    query.action = std::string(action);
    auto page = audit_store_->query(query);
    EXPECT_TRUE(page.has_value());
    return page.has_value() ? page->events : std::vector<obs::AuditEvent>{};
  }

  std::string key_of(std::string_view name) {
    return std::string(kTenant) + "/" + std::string(kOwner) + "/" + std::string(name);
  }

  std::filesystem::path directory_ =
      std::filesystem::temp_directory_path() / ("satchel-sweeper-" + random_token(12));
  ManualClock clock_{from_unix_seconds(1'700'000'000)};
  asio::thread_pool workers_{1};
  std::unique_ptr<meta::Repository> repository_;
  meta::LifecycleIndex* index_ = nullptr;
  MemoryStore store_;
  std::shared_ptr<const policy::Policy> policy_;
  std::shared_ptr<obs::MemoryAuditStore> audit_store_ = std::make_shared<obs::MemoryAuditStore>();
  std::shared_ptr<obs::AuditLog> audit_ =
      std::make_shared<obs::AuditLog>(std::vector<std::shared_ptr<obs::AuditSink>>{}, audit_store_);
  int upload_count_ = 0;
};

TEST_F(LifecycleSweeperTest, KeepsObjectBeforeItsExpiry) {
  meta::ObjectRecord record = commit("notes.txt", 60s);
  clock_.advance(59s);
  SweepCounts counts = sweep();
  EXPECT_EQ(counts.expired, 0u);
  EXPECT_TRUE(repository_->get_object(kTenant, record.key).has_value());
  EXPECT_FALSE(store_.latest_is_delete_marker(record.key));
}

TEST_F(LifecycleSweeperTest, DeletesExpiredObject) {
  meta::ObjectRecord record = commit("notes.txt", 60s);
  meta::ObjectRecord kept = commit("kept.txt");
  clock_.advance(60s);
  SweepCounts counts = sweep();
  EXPECT_EQ(counts.expired, 1u);
  EXPECT_EQ(counts.failures, 0u);

  auto gone = repository_->get_object(kTenant, record.key);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, meta::MetaErrorCode::kNotFound);
  EXPECT_TRUE(repository_->get_object(kTenant, kept.key).has_value());
  // A versioned delete: the bytes stay behind the marker.
  EXPECT_TRUE(store_.latest_is_delete_marker(record.key));
  EXPECT_EQ(store_.version_ids(record.key)[0], record.version_id);
  auto history = repository_->list_versions(kTenant, record.key, "", 10);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->items.size(), 2u);
  EXPECT_TRUE(history->items[0].deleted);

  auto events = audit_events("lifecycle:expire");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].key, record.key);
  EXPECT_EQ(events[0].decision, "allow");
}

TEST_F(LifecycleSweeperTest, HonoursBatchSize) {
  for (int i = 0; i < 5; ++i) commit("file-" + std::to_string(i), 10s);
  clock_.advance(10s);
  LifecycleConfig config;
  config.batch_size = 2;
  EXPECT_EQ(sweep(config).expired, 2u);
  EXPECT_EQ(sweep(config).expired, 2u);
  EXPECT_EQ(sweep(config).expired, 1u);
  EXPECT_EQ(sweep(config).expired, 0u);
  EXPECT_EQ(audit_events("lifecycle:expire").size(), 5u);
}

TEST_F(LifecycleSweeperTest, StoreFailureStopsExpiry) {
  for (int i = 0; i < 3; ++i) commit("file-" + std::to_string(i), 10s);
  clock_.advance(10s);
  store_.fail_removals = true;
  SweepCounts failed = sweep();
  EXPECT_EQ(failed.expired, 0u);
  EXPECT_EQ(failed.failures, 1u);
  EXPECT_TRUE(repository_->get_object(kTenant, key_of("file-0")).has_value());

  store_.fail_removals = false;
  EXPECT_EQ(sweep().expired, 3u);
}

TEST_F(LifecycleSweeperTest, RetentionPostponesExpiry) {
  use_retention_policy();
  meta::ObjectRecord record = commit("records/2026.csv", 60s);
  clock_.advance(60s);
  SweepCounts counts = sweep();
  EXPECT_EQ(counts.expired, 0u);
  EXPECT_EQ(counts.postponed, 1u);
  auto kept = repository_->get_object(kTenant, record.key);
  ASSERT_TRUE(kept.has_value());
  ASSERT_TRUE(kept->expires_at.has_value());
  EXPECT_EQ(*kept->expires_at, record.updated_at + 24h);
  EXPECT_FALSE(store_.latest_is_delete_marker(record.key));
  auto denied = audit_events("lifecycle:expire");
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].decision, "deny");

  clock_.set(record.updated_at + 24h);
  EXPECT_EQ(sweep().expired, 1u);
  EXPECT_FALSE(repository_->get_object(kTenant, record.key).has_value());
}

TEST_F(LifecycleSweeperTest, AbortsStaleUploadAndRemovesItsVersion) {
  meta::ObjectRecord committed = commit("notes.txt");
  meta::PendingUpload stale = start_upload("notes.txt");
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(1h - 1s);
  EXPECT_EQ(sweep(config).aborted_uploads, 0u);

  clock_.advance(2s);
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.aborted_uploads, 1u);
  EXPECT_EQ(counts.stray_versions_removed, 1u);
  EXPECT_EQ(store_.version_ids(committed.key), std::vector<std::string>{committed.version_id});
  auto upload = repository_->find_pending_upload(kTenant, stale.id);
  ASSERT_TRUE(upload.has_value());
  EXPECT_EQ(upload->state, meta::UploadState::kAborted);
  auto events = audit_events("lifecycle:abort_upload");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].reason.find(stale.id), std::string::npos);
  EXPECT_EQ(counts.uploads_cleaned_up, 1u);

  // The finished clean-up is not repeated.
  int listings = store_.listing_calls;
  SweepCounts later = sweep(config);
  EXPECT_EQ(later.uploads_cleaned_up, 0u);
  EXPECT_EQ(store_.listing_calls, listings);
  EXPECT_EQ(audit_events("lifecycle:abort_upload").size(), 1u);
}

TEST_F(LifecycleSweeperTest, AbortedUploadWithoutBytesRemovesNothing) {
  meta::ObjectRecord committed = commit("notes.txt");
  start_upload("notes.txt", /*put_bytes=*/false);
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.aborted_uploads, 1u);
  EXPECT_EQ(counts.stray_versions_removed, 0u);
  EXPECT_EQ(store_.version_ids(committed.key), std::vector<std::string>{committed.version_id});
}

TEST_F(LifecycleSweeperTest, NeverRemovesCommittedVersion) {
  meta::PendingUpload upload = start_upload("notes.txt");
  // The committed record names the version this stale upload's id marks in the store, as when
  // an earlier attempt committed the same bytes.
  meta::PendingUpload other = start_upload("notes.txt", /*put_bytes=*/false);
  meta::ObjectRecord observed;
  observed.version_id = "version-of-" + upload.id;
  observed.size = 5;
  observed.etag = "\"etag\"";
  observed.content_type = "text/plain";
  ASSERT_TRUE(repository_->commit_upload(other.id, observed, clock_.now()).has_value());
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.aborted_uploads, 1u);
  EXPECT_EQ(counts.stray_versions_removed, 0u);
  EXPECT_EQ(store_.version_ids(upload.key), std::vector<std::string>{observed.version_id});
}

TEST_F(LifecycleSweeperTest, KeepsUploadsThatMayStillComplete) {
  start_upload("notes.txt");
  LifecycleConfig config;
  config.pending_upload_max_age = 60s;
  clock_.advance(10min);
  EXPECT_EQ(sweep(config).aborted_uploads, 0u);
}

TEST_F(LifecycleSweeperTest, RemovesAbandonedVersionCoveredByLaterCommit) {
  meta::ObjectRecord first = commit("notes.txt");
  meta::PendingUpload stale = start_upload("notes.txt");
  meta::ObjectRecord latest = commit("notes.txt");
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.aborted_uploads, 1u);
  EXPECT_EQ(counts.stray_versions_removed, 1u);
  EXPECT_EQ(counts.failures, 0u);
  EXPECT_EQ(store_.version_ids(first.key),
            (std::vector<std::string>{first.version_id, latest.version_id}));
  auto history = repository_->list_versions(kTenant, first.key, "", 10);
  ASSERT_TRUE(history.has_value());
  EXPECT_EQ(history->items.size(), 2u);
  auto events = audit_events("lifecycle:abort_upload");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].reason.find("its stored version was deleted"), std::string::npos);
}

TEST_F(LifecycleSweeperTest, RemovesEveryVersionOfAbandonedUpload) {
  meta::PendingUpload stale = start_upload("notes.txt");
  // The presigned URL was used twice before it expired.
  store_.put(stale.key, "second-version-of-" + stale.id, stale.id);
  meta::ObjectRecord latest = commit("notes.txt");
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  EXPECT_EQ(sweep(config).stray_versions_removed, 2u);
  EXPECT_EQ(store_.version_ids(latest.key), std::vector<std::string>{latest.version_id});
  auto events = audit_events("lifecycle:abort_upload");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].reason.find("its 2 stored versions were deleted"), std::string::npos);
}

TEST_F(LifecycleSweeperTest, RemovesAbandonedVersionUnderDeleteMarker) {
  meta::PendingUpload stale = start_upload("notes.txt");
  store_.put_delete_marker(stale.key, "marker-1");
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  EXPECT_EQ(sweep(config).stray_versions_removed, 1u);
  EXPECT_EQ(store_.version_ids(stale.key), std::vector<std::string>{"marker-1"});
}

TEST_F(LifecycleSweeperTest, KeepsStrayVersionOfAnotherUpload) {
  meta::PendingUpload stale = start_upload("notes.txt");
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  // Uploaded after the stale one and not yet old enough to abort.
  meta::PendingUpload young = start_upload("notes.txt");
  meta::ObjectRecord latest = commit("notes.txt");
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.aborted_uploads, 1u);
  EXPECT_EQ(counts.stray_versions_removed, 1u);
  EXPECT_EQ(store_.version_ids(stale.key),
            (std::vector<std::string>{"version-of-" + young.id, latest.version_id}));
  auto still_pending = repository_->find_pending_upload(kTenant, young.id);
  ASSERT_TRUE(still_pending.has_value());
  EXPECT_EQ(still_pending->state, meta::UploadState::kPending);
}

TEST_F(LifecycleSweeperTest, KeepsUnversionedVersionOfAbandonedUpload) {
  meta::PendingUpload stale = start_upload("notes.txt", /*put_bytes=*/false);
  // Written while versioning was off: deleting "null" would remove the key itself.
  store_.put(stale.key, "null", stale.id);
  meta::ObjectRecord latest = commit("notes.txt");
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.aborted_uploads, 1u);
  EXPECT_EQ(counts.stray_versions_removed, 0u);
  EXPECT_EQ(store_.version_ids(stale.key), (std::vector<std::string>{"null", latest.version_id}));
}

TEST_F(LifecycleSweeperTest, LatestOnlyCheckKeepsNullVersion) {
  // Versioning suspended: the abandoned PUT replaced the key's only copy, "null".
  meta::PendingUpload stale = start_upload("notes.txt", /*put_bytes=*/false);
  store_.put(stale.key, "null", stale.id);
  store_.listing_error = StoreErrorCode::kDenied;
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.aborted_uploads, 1u);
  EXPECT_EQ(counts.stray_versions_removed, 0u);
  EXPECT_EQ(store_.version_ids(stale.key), std::vector<std::string>{"null"});
}

TEST_F(LifecycleSweeperTest, ChecksAtMostThousandVersionsPerKey) {
  meta::PendingUpload buried = start_upload("buried.txt");
  meta::PendingUpload reached = start_upload("reached.txt");
  // Versions of other uploads that the index does not know, newer than the abandoned bytes.
  for (int i = 0; i < 1000; ++i) store_.put(buried.key, "other-" + std::to_string(i), "other");
  for (int i = 0; i < 999; ++i) store_.put(reached.key, "other-" + std::to_string(i), "other");
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.aborted_uploads, 2u);
  EXPECT_EQ(counts.stray_versions_removed, 1u);
  EXPECT_EQ(counts.failures, 0u);
  EXPECT_EQ(store_.version_ids(buried.key).size(), 1001u);
  EXPECT_EQ(store_.version_ids(buried.key).front(), "version-of-" + buried.id);
  EXPECT_EQ(store_.version_ids(reached.key).size(), 999u);
  EXPECT_EQ(store_.version_ids(reached.key).front(), "other-0");
}

TEST_F(LifecycleSweeperTest, DeniedListingFallsBackToLatestVersion) {
  meta::PendingUpload latest_stale = start_upload("a.txt");
  meta::PendingUpload covered_stale = start_upload("b.txt");
  meta::ObjectRecord covering = commit("b.txt");
  store_.listing_error = StoreErrorCode::kDenied;
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.aborted_uploads, 2u);
  EXPECT_EQ(counts.failures, 0u);
  // The bytes that are still the latest version go, the covered ones stay.
  EXPECT_EQ(counts.stray_versions_removed, 1u);
  EXPECT_TRUE(store_.version_ids(latest_stale.key).empty());
  EXPECT_EQ(store_.version_ids(covered_stale.key),
            (std::vector<std::string>{"version-of-" + covered_stale.id, covering.version_id}));
  // After the first denial the sweep stops asking.
  EXPECT_EQ(store_.listing_calls, 1);
}

TEST_F(LifecycleSweeperTest, FailedListingIsRetriedNextSweep) {
  meta::PendingUpload stale = start_upload("notes.txt");
  store_.listing_error = StoreErrorCode::kUnavailable;
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts failed = sweep(config);
  EXPECT_EQ(failed.aborted_uploads, 1u);
  EXPECT_EQ(failed.stray_versions_removed, 0u);
  EXPECT_EQ(failed.uploads_cleaned_up, 0u);
  EXPECT_EQ(failed.failures, 1u);
  EXPECT_EQ(store_.version_ids(stale.key), std::vector<std::string>{"version-of-" + stale.id});

  store_.listing_error.reset();
  SweepCounts retried = sweep(config);
  EXPECT_EQ(retried.aborted_uploads, 0u);
  EXPECT_EQ(retried.stray_versions_removed, 1u);
  EXPECT_EQ(retried.uploads_cleaned_up, 1u);
  EXPECT_EQ(retried.failures, 0u);
  EXPECT_TRUE(store_.version_ids(stale.key).empty());
}

TEST_F(LifecycleSweeperTest, FailedDeleteIsRetriedNextSweep) {
  meta::PendingUpload stale = start_upload("notes.txt");
  store_.version_removal_error = StoreErrorCode::kUnavailable;
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts failed = sweep(config);
  EXPECT_EQ(failed.aborted_uploads, 1u);
  EXPECT_EQ(failed.stray_versions_removed, 0u);
  EXPECT_EQ(failed.uploads_cleaned_up, 0u);
  EXPECT_EQ(failed.failures, 1u);
  EXPECT_EQ(store_.version_ids(stale.key), std::vector<std::string>{"version-of-" + stale.id});
  auto abort_events = audit_events("lifecycle:abort_upload");
  ASSERT_EQ(abort_events.size(), 1u);
  EXPECT_NE(abort_events[0].reason.find("deleting its stored versions failed"), std::string::npos)
      << abort_events[0].reason;

  store_.version_removal_error.reset();
  SweepCounts retried = sweep(config);
  EXPECT_EQ(retried.aborted_uploads, 0u);
  EXPECT_EQ(retried.stray_versions_removed, 1u);
  EXPECT_EQ(retried.uploads_cleaned_up, 1u);
  EXPECT_EQ(retried.failures, 0u);
  EXPECT_TRUE(store_.version_ids(stale.key).empty());
  EXPECT_EQ(audit_events("lifecycle:abort_upload").size(), 1u);
  auto removal_events = audit_events("lifecycle:remove_upload_bytes");
  ASSERT_EQ(removal_events.size(), 1u);
  EXPECT_EQ(removal_events[0].key, stale.key);
  EXPECT_NE(removal_events[0].reason.find(stale.id), std::string::npos);
  EXPECT_NE(removal_events[0].reason.find("its stored version was deleted"), std::string::npos)
      << removal_events[0].reason;

  // The clean-up is marked finished, so later sweeps leave the upload alone.
  int listings = store_.listing_calls;
  SweepCounts later = sweep(config);
  EXPECT_EQ(later.uploads_cleaned_up, 0u);
  EXPECT_EQ(store_.listing_calls, listings);
}

TEST_F(LifecycleSweeperTest, CleansUpRejectedUploadWhoseDeleteFailed) {
  meta::ObjectRecord committed = commit("notes.txt");
  // The content check rejected this upload at complete: its delete failed, then it was aborted.
  meta::PendingUpload rejected = start_upload("notes.txt");
  ASSERT_TRUE(repository_->abort_pending_upload(kTenant, rejected.id).has_value());

  // Its presigned PUT may still store bytes until its completion time, so nothing happens yet.
  clock_.advance(15min - 1s);
  SweepCounts early = sweep();
  EXPECT_EQ(early.uploads_cleaned_up, 0u);
  EXPECT_EQ(store_.listing_calls, 0);

  // Long before pending_upload_max_age (one day by default), since it is already aborted.
  clock_.advance(1s);
  SweepCounts counts = sweep();
  EXPECT_EQ(counts.aborted_uploads, 0u);
  EXPECT_EQ(counts.stray_versions_removed, 1u);
  EXPECT_EQ(counts.uploads_cleaned_up, 1u);
  EXPECT_EQ(counts.failures, 0u);
  EXPECT_EQ(store_.version_ids(committed.key), std::vector<std::string>{committed.version_id});
  EXPECT_TRUE(audit_events("lifecycle:abort_upload").empty());
  EXPECT_EQ(audit_events("lifecycle:remove_upload_bytes").size(), 1u);
}

TEST_F(LifecycleSweeperTest, EmptyCleanUpWritesNoEvent) {
  // A rejected upload whose delete succeeded: the clean-up finds nothing left.
  meta::PendingUpload rejected = start_upload("notes.txt", /*put_bytes=*/false);
  ASSERT_TRUE(repository_->abort_pending_upload(kTenant, rejected.id).has_value());
  clock_.advance(1h);
  SweepCounts counts = sweep();
  EXPECT_EQ(counts.stray_versions_removed, 0u);
  EXPECT_EQ(counts.uploads_cleaned_up, 1u);
  EXPECT_TRUE(audit_events("lifecycle:remove_upload_bytes").empty());
  EXPECT_EQ(sweep().uploads_cleaned_up, 0u);
  EXPECT_EQ(store_.listing_calls, 1);
}

TEST_F(LifecycleSweeperTest, DeniedDeleteIsMarkedAndNotRetried) {
  meta::PendingUpload locked = start_upload("locked.txt");
  store_.version_removal_error = StoreErrorCode::kDenied;
  LifecycleConfig config;
  config.pending_upload_max_age = 1h;
  clock_.advance(2h);
  SweepCounts denied = sweep(config);
  EXPECT_EQ(denied.aborted_uploads, 1u);
  EXPECT_EQ(denied.stray_versions_removed, 0u);
  EXPECT_EQ(denied.stray_versions_denied, 1u);
  EXPECT_EQ(denied.uploads_cleaned_up, 1u);
  EXPECT_EQ(denied.failures, 0u);
  EXPECT_EQ(store_.version_ids(locked.key), std::vector<std::string>{"version-of-" + locked.id});
  auto events = audit_events("lifecycle:abort_upload");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].reason.find("the store denied deleting 1 of them"), std::string::npos)
      << events[0].reason;

  // A newer aborted upload behind it is cleaned up on the next sweep, and the denied one is
  // not tried again.
  store_.version_removal_error.reset();
  meta::PendingUpload newer = start_upload("newer.txt");
  clock_.advance(2h);
  LifecycleConfig one_at_a_time = config;
  one_at_a_time.batch_size = 1;
  SweepCounts next = sweep(one_at_a_time);
  EXPECT_EQ(next.aborted_uploads, 1u);
  EXPECT_EQ(next.stray_versions_removed, 1u);
  EXPECT_EQ(next.stray_versions_denied, 0u);
  EXPECT_TRUE(store_.version_ids(newer.key).empty());
  EXPECT_EQ(store_.version_ids(locked.key), std::vector<std::string>{"version-of-" + locked.id});
}

TEST_F(LifecycleSweeperTest, PurgesNoncurrentVersionsBeyondCount) {
  std::vector<meta::ObjectRecord> records;
  for (int i = 0; i < 4; ++i) {
    records.push_back(commit("notes.txt"));
    clock_.advance(1s);
  }
  LifecycleConfig config;
  config.noncurrent_version_max_count = 1;
  SweepCounts counts = sweep(config);
  EXPECT_EQ(counts.versions_purged, 2u);
  EXPECT_EQ(store_.version_ids(records[0].key),
            (std::vector<std::string>{records[2].version_id, records[3].version_id}));
  auto history = repository_->list_versions(kTenant, records[0].key, "", 10);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->items.size(), 4u);
  EXPECT_FALSE(history->items[0].purged_at.has_value());
  EXPECT_FALSE(history->items[1].purged_at.has_value());
  EXPECT_TRUE(history->items[2].purged_at.has_value());
  EXPECT_TRUE(history->items[3].purged_at.has_value());
  EXPECT_EQ(audit_events("lifecycle:purge_version").size(), 2u);
  EXPECT_EQ(sweep(config).versions_purged, 0u);
}

TEST_F(LifecycleSweeperTest, DeniedPurgeIsCountedAndRetried) {
  std::vector<meta::ObjectRecord> records;
  for (int i = 0; i < 3; ++i) {
    records.push_back(commit("locked.txt"));
    clock_.advance(1s);
  }
  LifecycleConfig config;
  config.noncurrent_version_max_count = 1;
  store_.version_removal_error = StoreErrorCode::kDenied;
  SweepCounts denied = sweep(config);
  EXPECT_EQ(denied.versions_purged, 0u);
  EXPECT_EQ(denied.versions_denied, 1u);
  EXPECT_EQ(denied.failures, 0u);
  EXPECT_EQ(store_.version_ids(records[0].key).size(), 3u);
  EXPECT_TRUE(audit_events("lifecycle:purge_version").empty());

  // Once the lock ends, the next sweep deletes the version and marks it purged.
  store_.version_removal_error.reset();
  SweepCounts released = sweep(config);
  EXPECT_EQ(released.versions_purged, 1u);
  EXPECT_EQ(released.versions_denied, 0u);
  EXPECT_EQ(store_.version_ids(records[0].key),
            (std::vector<std::string>{records[1].version_id, records[2].version_id}));
}

TEST_F(LifecycleSweeperTest, PurgesNoncurrentVersionsByAge) {
  meta::ObjectRecord first = commit("notes.txt");
  clock_.advance(1h);
  meta::ObjectRecord second = commit("notes.txt");
  LifecycleConfig config;
  config.noncurrent_version_days = 2;
  clock_.advance(48h - 1s);
  EXPECT_EQ(sweep(config).versions_purged, 0u);
  clock_.advance(1s);
  EXPECT_EQ(sweep(config).versions_purged, 1u);
  EXPECT_EQ(store_.version_ids(first.key), std::vector<std::string>{second.version_id});
}

TEST_F(LifecycleSweeperTest, RetentionKeepsNoncurrentVersions) {
  use_retention_policy();
  meta::ObjectRecord first = commit("records/a.csv");
  meta::ObjectRecord second = commit("records/a.csv");
  LifecycleConfig config;
  config.noncurrent_version_max_count = 1;
  config.noncurrent_version_days = 1;
  clock_.advance(23h);
  commit("records/a.csv");
  EXPECT_EQ(sweep(config).versions_purged, 0u);
  EXPECT_EQ(store_.version_ids(first.key).size(), 3u);
  clock_.advance(1h);
  EXPECT_EQ(sweep(config).versions_purged, 1u);
  EXPECT_EQ(store_.version_ids(first.key).front(), second.version_id);
}

TEST_F(LifecycleSweeperTest, KeepsNoncurrentVersionsWhenRulesAreOff) {
  commit("notes.txt");
  commit("notes.txt");
  clock_.advance(24h * 365);
  EXPECT_EQ(sweep().versions_purged, 0u);
}

}  // namespace
}  // namespace satchel::app
