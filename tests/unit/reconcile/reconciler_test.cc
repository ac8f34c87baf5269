// The reconcile walk against a running embedded store and a SQLite index, with uploads that
// land while the walk runs.
#include "reconcile/reconciler.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <functional>
#include <future>

#include "../store/store_fixture.h"
#include "meta/sqlite_repository.h"

namespace satchel::reconcile {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kTenant = "acme";
constexpr std::string_view kOwner = "alice";

// Forwards every call to another repository, and runs a hook before each list_objects call,
// so a test can commit an upload between two pages of the walk.
class HookedRepository final : public meta::Repository {
 public:
  explicit HookedRepository(meta::Repository& inner) : inner_(inner) {}

  // Runs with the number of the list_objects call, from 1.
  std::function<void(int)> before_list_objects;

  Expected<meta::PendingUpload, meta::MetaError> create_pending_upload(
      const meta::PendingUpload& upload) override {
    return inner_.create_pending_upload(upload);
  }
  Expected<meta::PendingUpload, meta::MetaError> find_pending_upload(std::string_view tenant,
                                                                     std::string_view id) override {
    return inner_.find_pending_upload(tenant, id);
  }
  Expected<meta::ObjectRecord, meta::MetaError> commit_upload(std::string_view upload_id,
                                                              const meta::ObjectRecord& observed,
                                                              SystemTime now) override {
    return inner_.commit_upload(upload_id, observed, now);
  }
  Expected<meta::ObjectRecord, meta::MetaError> get_object(std::string_view tenant,
                                                           std::string_view key) override {
    return inner_.get_object(tenant, key);
  }
  Expected<meta::Page<meta::ObjectRecord>, meta::MetaError> list_objects(
      std::string_view tenant, std::string_view key_prefix, std::string_view cursor,
      std::size_t limit, const meta::ObjectFilter& filter) override {
    if (before_list_objects) before_list_objects(++list_objects_calls_);
    return inner_.list_objects(tenant, key_prefix, cursor, limit, filter);
  }
  Expected<meta::ObjectRecord, meta::MetaError> delete_object(
      std::string_view tenant, std::string_view key, std::optional<std::int64_t> expected_revision,
      std::string_view marker_version_id, SystemTime now) override {
    return inner_.delete_object(tenant, key, expected_revision, marker_version_id, now);
  }
  Expected<meta::Page<meta::ObjectVersion>, meta::MetaError> list_versions(
      std::string_view tenant, std::string_view key, std::string_view cursor,
      std::size_t limit) override {
    return inner_.list_versions(tenant, key, cursor, limit);
  }
  Expected<meta::ObjectVersion, meta::MetaError> find_version(
      std::string_view tenant, std::string_view key, std::string_view version_id) override {
    return inner_.find_version(tenant, key, version_id);
  }
  Expected<meta::ObjectRecord, meta::MetaError> set_object_missing(
      std::string_view tenant, std::string_view key, std::int64_t expected_revision,
      std::string_view expected_version_id, std::optional<SystemTime> missing_since) override {
    return inner_.set_object_missing(tenant, key, expected_revision, expected_version_id,
                                     missing_since);
  }
  Expected<meta::ObjectRecord, meta::MetaError> restore_version(const meta::RestoreRequest& request,
                                                                SystemTime now) override {
    return inner_.restore_version(request, now);
  }
  Expected<meta::PendingUpload, meta::MetaError> abort_pending_upload(
      std::string_view tenant, std::string_view id) override {
    return inner_.abort_pending_upload(tenant, id);
  }
  Expected<std::int64_t, meta::MetaError> append_audit_event(
      const meta::AuditRecord& record) override {
    return inner_.append_audit_event(record);
  }
  Expected<void, meta::MetaError> append_audit_events(
      std::span<const meta::AuditRecord> records) override {
    return inner_.append_audit_events(records);
  }
  Expected<meta::Page<meta::AuditRecord>, meta::MetaError> list_audit_events(
      std::string_view tenant, const meta::AuditFilter& filter, std::string_view cursor,
      std::size_t limit) override {
    return inner_.list_audit_events(tenant, filter, cursor, limit);
  }
  Expected<meta::Page<meta::SubjectUsage>, meta::MetaError> list_usage(std::string_view tenant,
                                                                       std::string_view name_prefix,
                                                                       std::string_view cursor,
                                                                       std::size_t limit) override {
    return inner_.list_usage(tenant, name_prefix, cursor, limit);
  }
  Expected<meta::Page<std::string>, meta::MetaError> list_tenants(std::string_view cursor,
                                                                  std::size_t limit) override {
    return inner_.list_tenants(cursor, limit);
  }
  Expected<meta::KeyRedirect, meta::MetaError> record_key_redirect(
      const meta::KeyRedirect& redirect) override {
    return inner_.record_key_redirect(redirect);
  }
  Expected<meta::KeyRedirect, meta::MetaError> find_key_redirect(
      std::string_view tenant, std::string_view old_key) override {
    return inner_.find_key_redirect(tenant, old_key);
  }

 private:
  meta::Repository& inner_;
  int list_objects_calls_ = 0;
};

class ReconcilerTest : public store::StoreServerTest {
 protected:
  void SetUp() override {
    StoreServerTest::SetUp();
    const store::AccessKey& key = store_->credentials().api;
    auto created = app::S3Gateway::create(
        {.url = endpoint_,
         .bucket = std::string(store::kDefaultBucket),
         .credentials = {key.access_key_id, key.secret_access_key, std::nullopt}},
        io_.get_executor(), *clock_);
    ASSERT_TRUE(created) << created.error();
    gateway_ = std::move(*created);
    auto opened = meta::open_sqlite_repository(index_dir_.path() / "metadata.db");
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    repository_ = std::move(*opened);
    hooked_ = std::make_unique<HookedRepository>(*repository_);
  }

  void TearDown() override {
    workers_.join();
    StoreServerTest::TearDown();
  }

  // Runs a coroutine on the fixture's I/O thread and waits for it.
  template <class Call>
  auto run(Call call) {
    using Result = typename decltype(call())::value_type;
    std::promise<Result> promise;
    auto future = promise.get_future();
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { promise.set_value(co_await call()); },
        asio::detached);
    return future.get();
  }

  static std::string key_of(std::string_view name) {
    return std::string(kTenant) + "/" + std::string(kOwner) + "/" + std::string(name);
  }

  // Stores bytes under name and commits them as the object's next revision, as complete does.
  void upload(std::string_view name, std::string body) {
    std::string upload_id = "upload-" + std::to_string(++upload_count_);
    // The gateway's coroutines keep references to their arguments, so none is a temporary.
    const std::string key = key_of(name);
    const std::string content_type = "text/plain";
    auto stored = run([&] { return gateway_->put_object(key, body, content_type, upload_id); });
    ASSERT_TRUE(stored) << stored.error().message;
    meta::PendingUpload pending{.id = upload_id,
                                .tenant = std::string(kTenant),
                                .owner = std::string(kOwner),
                                .name = std::string(name),
                                .key = key_of(name),
                                .content_type = "text/plain",
                                .size = body.size(),
                                .created_at = clock_->now(),
                                .expires_at = clock_->now() + std::chrono::hours(1)};
    auto created = repository_->create_pending_upload(pending);
    ASSERT_TRUE(created.has_value()) << created.error().message;
    meta::ObjectRecord observed{.version_id = stored->version_id,
                                .size = stored->size,
                                .etag = stored->etag,
                                .content_type = "text/plain"};
    auto committed = repository_->commit_upload(upload_id, observed, clock_->now());
    ASSERT_TRUE(committed.has_value()) << committed.error().message;
  }

  ReconcileReport reconcile(ReconcileOptions options) {
    Reconciler reconciler(*hooked_, *gateway_, workers_, *clock_);
    auto report = run([&] { return reconciler.run(options); });
    EXPECT_TRUE(report.has_value()) << report.error();
    return report.has_value() ? *report : ReconcileReport{};
  }

  store::TempDir index_dir_;
  asio::thread_pool workers_{1};
  std::unique_ptr<app::S3Gateway> gateway_;
  std::unique_ptr<meta::Repository> repository_;
  std::unique_ptr<HookedRepository> hooked_;
  int upload_count_ = 0;
};

// With pages of two, the store's listing reaches "e" while the records stop at "c": "a" has
// two versions, so the store's second page is "c" and "e". An upload of "d" committed then
// shows up on the next record page, after the store's listing has passed it.
TEST_F(ReconcilerTest, FixKeepsRecordCommittedDuringWalk) {
  upload("a", "first a");
  upload("a", "second a");
  upload("c", "c bytes");
  upload("e", "e bytes");
  hooked_->before_list_objects = [this](int call) {
    if (call == 2) upload("d", "d bytes");
  };

  ReconcileReport report = reconcile({.tenant = std::string(kTenant),
                                      .grace = std::chrono::seconds(0),
                                      .fix = true,
                                      .page_size = 2});

  EXPECT_EQ(report.records_checked, 4u);
  for (const Finding& finding : report.findings) {
    ADD_FAILURE() << drift_kind_name(finding.drift.kind) << " " << finding.drift.key << ": "
                  << finding.fix;
  }
  auto record = repository_->get_object(kTenant, key_of("d"));
  EXPECT_TRUE(record.has_value()) << "the committed record of d was removed";
}

TEST_F(ReconcilerTest, FixMarksRecordWhoseVersionIsGone) {
  upload("a", "a bytes");
  const std::string key = key_of("a");
  auto record = repository_->get_object(kTenant, key);
  ASSERT_TRUE(record.has_value());
  auto removed = run([&] { return gateway_->remove_version(key, record->version_id); });
  ASSERT_TRUE(removed) << removed.error().message;

  ReconcileReport report =
      reconcile({.tenant = std::string(kTenant), .grace = std::chrono::seconds(0), .fix = true});

  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].drift.kind, DriftKind::kMissingObject);
  EXPECT_EQ(report.findings[0].outcome, FixOutcome::kFixed);
  auto after = repository_->get_object(kTenant, key);
  ASSERT_TRUE(after.has_value()) << after.error().message;
  EXPECT_TRUE(after->missing_since.has_value());
  EXPECT_EQ(after->revision, record->revision);

  ReconcileReport again =
      reconcile({.tenant = std::string(kTenant), .grace = std::chrono::seconds(0), .fix = true});
  ASSERT_EQ(again.findings.size(), 1u);
  EXPECT_EQ(again.findings[0].drift.kind, DriftKind::kMissingObjectMarked);
  EXPECT_EQ(again.findings[0].outcome, FixOutcome::kLeft);
  EXPECT_FALSE(again.has_drift());
  auto still = repository_->get_object(kTenant, key);
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->missing_since, after->missing_since);
}

}  // namespace
}  // namespace satchel::reconcile
