#include "cli/metered_repository.h"

#include <chrono>

#include "obs/catalog.h"

namespace satchel::cli {
namespace {

using meta::MetaError;
using meta::ObjectRecord;
using meta::ObjectVersion;
using meta::PendingUpload;

std::string_view outcome_label(meta::MetaErrorCode code) {
  switch (code) {
    case meta::MetaErrorCode::kNotFound:
      return "not_found";
    case meta::MetaErrorCode::kConflict:
      return "conflict";
    case meta::MetaErrorCode::kAlreadyCompleted:
      return "already_completed";
    case meta::MetaErrorCode::kExpired:
      return "expired";
    case meta::MetaErrorCode::kInvalid:
      return "invalid";
    case meta::MetaErrorCode::kUnavailable:
      return "unavailable";
  }
  return "error";
}

class MeteredRepository final : public meta::Repository {
 public:
  explicit MeteredRepository(meta::Repository& inner) : inner_(inner) {}

  Expected<PendingUpload, MetaError> create_pending_upload(const PendingUpload& upload) override {
    return time("create_pending_upload", [&] { return inner_.create_pending_upload(upload); });
  }

  Expected<PendingUpload, MetaError> find_pending_upload(std::string_view tenant,
                                                         std::string_view id) override {
    return time("find_pending_upload", [&] { return inner_.find_pending_upload(tenant, id); });
  }

  Expected<ObjectRecord, MetaError> commit_upload(std::string_view upload_id,
                                                  const ObjectRecord& observed,
                                                  SystemTime now) override {
    return time("commit_upload", [&] { return inner_.commit_upload(upload_id, observed, now); });
  }

  Expected<ObjectRecord, MetaError> get_object(std::string_view tenant,
                                               std::string_view key) override {
    return time("get_object", [&] { return inner_.get_object(tenant, key); });
  }

  Expected<meta::Page<ObjectRecord>, MetaError> list_objects(
      std::string_view tenant, std::string_view key_prefix, std::string_view cursor,
      std::size_t limit, const meta::ObjectFilter& filter) override {
    return time("list_objects",
                [&] { return inner_.list_objects(tenant, key_prefix, cursor, limit, filter); });
  }

  Expected<ObjectRecord, MetaError> delete_object(std::string_view tenant, std::string_view key,
                                                  std::optional<std::int64_t> expected_revision,
                                                  std::string_view marker_version_id,
                                                  SystemTime now) override {
    return time("delete_object", [&] {
      return inner_.delete_object(tenant, key, expected_revision, marker_version_id, now);
    });
  }

  Expected<meta::Page<ObjectVersion>, MetaError> list_versions(std::string_view tenant,
                                                               std::string_view key,
                                                               std::string_view cursor,
                                                               std::size_t limit) override {
    return time("list_versions", [&] { return inner_.list_versions(tenant, key, cursor, limit); });
  }

  Expected<ObjectVersion, MetaError> find_version(std::string_view tenant, std::string_view key,
                                                  std::string_view version_id) override {
    return time("find_version", [&] { return inner_.find_version(tenant, key, version_id); });
  }

  Expected<ObjectRecord, MetaError> restore_version(const meta::RestoreRequest& request,
                                                    SystemTime now) override {
    return time("restore_version", [&] { return inner_.restore_version(request, now); });
  }

  Expected<PendingUpload, MetaError> abort_pending_upload(std::string_view tenant,
                                                          std::string_view id) override {
    return time("abort_pending_upload", [&] { return inner_.abort_pending_upload(tenant, id); });
  }

  Expected<std::int64_t, MetaError> append_audit_event(const meta::AuditRecord& record) override {
    return time("append_audit_event", [&] { return inner_.append_audit_event(record); });
  }

  Expected<void, MetaError> append_audit_events(
      std::span<const meta::AuditRecord> records) override {
    return time("append_audit_events", [&] { return inner_.append_audit_events(records); });
  }

  Expected<meta::Page<meta::AuditRecord>, MetaError> list_audit_events(
      std::string_view tenant, const meta::AuditFilter& filter, std::string_view cursor,
      std::size_t limit) override {
    return time("list_audit_events",
                [&] { return inner_.list_audit_events(tenant, filter, cursor, limit); });
  }

  Expected<meta::Page<meta::SubjectUsage>, MetaError> list_usage(std::string_view tenant,
                                                                 std::string_view name_prefix,
                                                                 std::string_view cursor,
                                                                 std::size_t limit) override {
    return time("list_usage",
                [&] { return inner_.list_usage(tenant, name_prefix, cursor, limit); });
  }

  Expected<meta::Page<std::string>, MetaError> list_tenants(std::string_view cursor,
                                                            std::size_t limit) override {
    return time("list_tenants", [&] { return inner_.list_tenants(cursor, limit); });
  }

  Expected<meta::ObjectRecord, MetaError> set_object_missing(
      std::string_view tenant, std::string_view key, std::int64_t expected_revision,
      std::string_view expected_version_id, std::optional<SystemTime> missing_since) override {
    return time("set_object_missing", [&] {
      return inner_.set_object_missing(tenant, key, expected_revision, expected_version_id,
                                       missing_since);
    });
  }

  Expected<meta::KeyRedirect, MetaError> record_key_redirect(
      const meta::KeyRedirect& redirect) override {
    return time("record_key_redirect", [&] { return inner_.record_key_redirect(redirect); });
  }

  Expected<meta::KeyRedirect, MetaError> find_key_redirect(std::string_view tenant,
                                                           std::string_view old_key) override {
    return time("find_key_redirect", [&] { return inner_.find_key_redirect(tenant, old_key); });
  }

 private:
  template <class Call>
  std::invoke_result_t<Call> time(std::string_view operation, Call call) {
    auto started = std::chrono::steady_clock::now();
    auto result = call();
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
    obs::catalog::metadata_query_duration().labels({operation}).observe(elapsed.count());
    std::string_view outcome = result ? std::string_view("ok") : outcome_label(result.error().code);
    obs::catalog::metadata_queries().labels({operation, outcome}).increment();
    return result;
  }

  meta::Repository& inner_;
};

}  // namespace

std::unique_ptr<meta::Repository> make_metered_repository(meta::Repository& inner) {
  return std::make_unique<MeteredRepository>(inner);
}

}  // namespace satchel::cli
