#include "reconcile/reconciler.h"

#include <algorithm>

#include "common/time_format.h"
#include "http/offload.h"
#include "obs/log.h"

namespace satchel::reconcile {
namespace {

// The subject of reconcile's audit events. Their "reconcile:" actions tell
// them apart from a user's events.
constexpr std::string_view kAuditSubject = "satchel reconcile";

std::string store_error_text(const app::StoreError& error) { return error.message; }

std::string missing_since_text(const Drift& drift) {
  return drift.missing_since ? format_iso8601(*drift.missing_since) : "an unknown time";
}

}  // namespace

std::string_view fix_outcome_name(FixOutcome outcome) {
  switch (outcome) {
    case FixOutcome::kNotRun:
      return "not_run";
    case FixOutcome::kFixed:
      return "fixed";
    case FixOutcome::kLeft:
      return "left";
    case FixOutcome::kFailed:
      return "failed";
  }
  return "unknown";
}

bool ReconcileReport::failed_fixes() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& finding) { return finding.outcome == FixOutcome::kFailed; });
}

bool ReconcileReport::has_drift() const {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& finding) {
    return finding.drift.kind != DriftKind::kMissingObjectMarked;
  });
}

bool is_internal_prefix(std::string_view prefix) { return prefix.starts_with(".satchel-"); }

http::asio::awaitable<Expected<ReconcileReport, std::string>> Reconciler::run(
    const ReconcileOptions& options) {
  ReconcileReport report;
  auto tenants = co_await list_tenants(options, report);
  if (!tenants) co_return Unexpected(tenants.error());
  for (const std::string& tenant : *tenants) {
    if (auto walked = co_await walk_tenant(tenant, options, report); !walked) {
      co_return Unexpected(walked.error());
    }
    ++report.tenants_checked;
  }
  if (options.fix) {
    for (Finding& finding : report.findings) co_await repair(finding);
  }
  co_return report;
}

// The tenants of the index, and the top-level prefixes of the store, which
// name tenants that have objects but no record. Keys at the top level of the
// bucket belong to no tenant and are checked here, as orphans of tenant "".
http::asio::awaitable<Expected<std::vector<std::string>, std::string>> Reconciler::list_tenants(
    const ReconcileOptions& options, ReconcileReport& report) {
  if (options.tenant) co_return std::vector<std::string>{*options.tenant};
  std::vector<std::string> tenants;
  std::string cursor;
  while (true) {
    auto page = co_await http::offload(
        workers_, [&] { return repository_.list_tenants(cursor, options.page_size); });
    if (!page) co_return Unexpected("cannot list the index's tenants: " + page.error().message);
    tenants.insert(tenants.end(), page->items.begin(), page->items.end());
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }

  KeyMerger top_level;
  top_level.add_records({}, true);
  app::ListVersionsRequest request{.delimiter = "/", .max_keys = options.page_size};
  while (true) {
    auto body = co_await store_.list_object_versions(request);
    if (!body) co_return Unexpected("cannot list the store: " + store_error_text(body.error()));
    auto page = s3::parse_list_versions(*body);
    if (!page) co_return Unexpected("cannot read the store's listing: " + page.error());
    for (const std::string& prefix : page->common_prefixes) {
      if (is_internal_prefix(prefix) || !prefix.ends_with('/')) continue;
      tenants.push_back(prefix.substr(0, prefix.size() - 1));
    }
    report.store_versions_checked += page->versions.size();
    top_level.add_versions(std::move(page->versions), !page->is_truncated);
    for (const KeyState& state : top_level.take_complete()) {
      if (is_internal_prefix(state.key)) continue;
      if (auto checked = co_await check_state("", state, options, report); !checked) {
        co_return Unexpected(checked.error());
      }
    }
    if (!page->is_truncated) break;
    request.key_marker = page->next_key_marker;
    request.version_id_marker = page->next_version_id_marker;
  }
  std::sort(tenants.begin(), tenants.end());
  tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
  co_return tenants;
}

http::asio::awaitable<Reconciler::Result> Reconciler::walk_tenant(const std::string& tenant,
                                                                  const ReconcileOptions& options,
                                                                  ReconcileReport& report) {
  const std::string prefix = tenant + "/";
  KeyMerger merger;
  std::string cursor;
  app::ListVersionsRequest request{.prefix = prefix, .max_keys = options.page_size};
  while (true) {
    KeyMerger::Source source = merger.next_source();
    if (source == KeyMerger::Source::kNone) break;
    if (source == KeyMerger::Source::kRecords) {
      auto page = co_await http::offload(workers_, [&] {
        return repository_.list_objects(tenant, prefix, cursor, options.page_size);
      });
      if (!page) {
        co_return Unexpected("cannot list the records of tenant " + tenant + ": " +
                             page.error().message);
      }
      report.records_checked += page->items.size();
      merger.add_records(std::move(page->items), !page->next_cursor);
      cursor = page->next_cursor.value_or("");
    } else {
      auto body = co_await store_.list_object_versions(request);
      if (!body) {
        co_return Unexpected("cannot list the store under " + prefix + ": " +
                             store_error_text(body.error()));
      }
      auto page = s3::parse_list_versions(*body);
      if (!page) co_return Unexpected("cannot read the store's listing: " + page.error());
      report.store_versions_checked += page->versions.size();
      merger.add_versions(std::move(page->versions), !page->is_truncated);
      request.key_marker = page->next_key_marker;
      request.version_id_marker = page->next_version_id_marker;
    }
    for (const KeyState& state : merger.take_complete()) {
      if (auto checked = co_await check_state(tenant, state, options, report); !checked) {
        co_return checked;
      }
    }
  }
  co_return Result{};
}

http::asio::awaitable<Reconciler::Result> Reconciler::check_state(const std::string& tenant,
                                                                  const KeyState& state,
                                                                  const ReconcileOptions& options,
                                                                  ReconcileReport& report) {
  KeyCheck check = check_key(tenant, state);
  for (Drift& drift : check.drift) {
    if (drift.kind == DriftKind::kMissingObject) {
      auto exists = co_await recorded_version_exists(drift);
      if (!exists) co_return Unexpected(exists.error());
      if (*exists) continue;
    }
    report.findings.push_back({.drift = std::move(drift)});
  }
  if (!check.unknown_latest) co_return Result{};
  const UnknownVersion& unknown = *check.unknown_latest;
  const SystemTime now = clock_.now();
  // Young versions are uploads in flight: no lookups, no drift.
  if (!classify_unknown(tenant, unknown, false, now, options.grace)) co_return Result{};

  bool in_history = false;
  if (!tenant.empty()) {
    auto entry = co_await http::offload(workers_, [&] {
      return repository_.find_version(tenant, state.key, unknown.version.version_id);
    });
    if (!entry && entry.error().code != meta::MetaErrorCode::kNotFound) {
      co_return Unexpected("cannot read the history of " + state.key + ": " +
                           entry.error().message);
    }
    in_history = entry.has_value();
    if (!in_history) {
      auto pending = co_await find_pending_upload(tenant, unknown);
      if (!pending) co_return Unexpected(pending.error());
      if (pending->completable) {
        report.findings.push_back({.drift = std::move(*pending->completable)});
      }
      if (pending->live_upload) co_return Result{};
    }
  }
  if (auto drift = classify_unknown(tenant, unknown, in_history, now, options.grace)) {
    report.findings.push_back({.drift = std::move(*drift)});
  }
  co_return Result{};
}

http::asio::awaitable<Expected<bool, std::string>> Reconciler::recorded_version_exists(
    const Drift& drift) {
  // A record kept without a version id names the key's latest version.
  std::string version_id = s3::is_unversioned_id(drift.version_id) ? "" : drift.version_id;
  auto head = co_await store_.head_version(drift.key, version_id);
  if (head) {
    obs::info("record's version was written after the store's listing passed its key",
              {{"tenant", drift.tenant}, {"key", drift.key}, {"version_id", drift.version_id}});
    co_return true;
  }
  if (head.error().code == app::StoreErrorCode::kNotFound) co_return false;
  co_return Unexpected("cannot read " + drift.key + " from the store: " + head.error().message);
}

http::asio::awaitable<Expected<Reconciler::PendingLookup, std::string>>
Reconciler::find_pending_upload(const std::string& tenant, const UnknownVersion& unknown) {
  const s3::StoreVersion& version = unknown.version;
  auto head = co_await store_.head_version(version.key, version.version_id);
  if (!head) {
    // Deleted since the listing: nothing to report.
    if (head.error().code == app::StoreErrorCode::kNotFound) co_return PendingLookup{};
    co_return Unexpected("cannot read " + version.key + " from the store: " + head.error().message);
  }
  if (head->upload_id.empty()) co_return PendingLookup{};
  auto upload = co_await http::offload(
      workers_, [&] { return repository_.find_pending_upload(tenant, head->upload_id); });
  if (!upload) {
    if (upload.error().code == meta::MetaErrorCode::kNotFound) co_return PendingLookup{};
    co_return Unexpected("cannot read upload " + head->upload_id + ": " + upload.error().message);
  }
  const SystemTime now = clock_.now();
  PendingLookup lookup;
  lookup.live_upload = upload->state == meta::UploadState::kPending && upload->expires_at > now &&
                       upload->key == version.key;
  if (auto problem = pending_upload_problem(*upload, version.key, *head, now)) {
    obs::debug("stored bytes of an upload do not check out", {{"tenant", tenant},
                                                              {"key", version.key},
                                                              {"upload_id", upload->id},
                                                              {"reason", *problem}});
    co_return lookup;
  }
  lookup.completable = Drift{.kind = DriftKind::kPendingUpload,
                             .tenant = tenant,
                             .key = version.key,
                             .version_id = version.version_id,
                             .upload_id = upload->id};
  co_return lookup;
}

http::asio::awaitable<void> Reconciler::repair(Finding& finding) {
  const Drift& drift = finding.drift;
  switch (drift.kind) {
    case DriftKind::kSizeMismatch:
    case DriftKind::kEtagMismatch:
      finding.outcome = FixOutcome::kLeft;
      finding.fix =
          "reconcile cannot tell which side is right; compare the version with the record";
      co_return;
    case DriftKind::kPendingUpload:
      co_await complete_upload(finding);
      co_return;
    case DriftKind::kMissingObject:
    case DriftKind::kMissingObjectReturned:
      co_await set_missing_mark(finding);
      co_return;
    case DriftKind::kMissingObjectMarked:
      finding.outcome = FixOutcome::kLeft;
      finding.fix = "marked missing since " + missing_since_text(drift) +
                    "; a new upload or a restore clears the mark";
      co_return;
    case DriftKind::kOrphanObject:
    case DriftKind::kVersionMismatch: {
      if (s3::is_unversioned_id(drift.version_id)) {
        finding.outcome = FixOutcome::kLeft;
        finding.fix = "the bucket is not versioned, so a delete would remove the bytes for good";
        co_return;
      }
      // NOTE: a plain DELETE hides the key's latest version. A write that
      // lands between the listing and this call is hidden instead, but it
      // stays in the store as the version below the delete marker.
      auto marker = co_await store_.remove(drift.key);
      if (!marker) {
        finding.outcome = FixOutcome::kFailed;
        finding.fix = "cannot delete from the store: " + marker.error().message;
        co_return;
      }
      finding.outcome = FixOutcome::kFixed;
      finding.fix = "delete marker added; version " + drift.version_id + " stays in the store";
      co_await audit(
          drift, "reconcile:delete_orphan",
          "version " + drift.version_id + " is not in the index; delete marker " + *marker);
      co_return;
    }
  }
}

http::asio::awaitable<void> Reconciler::set_missing_mark(Finding& finding) {
  const Drift& drift = finding.drift;
  const bool mark = drift.kind == DriftKind::kMissingObject;
  std::optional<SystemTime> missing_since;
  if (mark) missing_since = clock_.now();
  // The record keeps its history and stays listed; the API answers 410 Gone
  // instead of presigning a URL to nothing until the mark is cleared.
  auto changed = co_await http::offload(workers_, [&] {
    return repository_.set_object_missing(drift.tenant, drift.key, drift.revision, drift.version_id,
                                          missing_since);
  });
  if (!changed) {
    if (changed.error().code == meta::MetaErrorCode::kConflict ||
        changed.error().code == meta::MetaErrorCode::kNotFound) {
      finding.outcome = FixOutcome::kLeft;
      finding.fix = "the record changed since the check; run reconcile again";
      co_return;
    }
    finding.outcome = FixOutcome::kFailed;
    finding.fix = std::string(mark ? "cannot mark the record: " : "cannot clear the mark: ") +
                  changed.error().message;
    co_return;
  }
  finding.outcome = FixOutcome::kFixed;
  if (mark) {
    finding.fix = "record marked missing; the API answers 410 Gone until a new upload or restore";
    co_await audit(drift, "reconcile:mark_missing", "the store has no version " + drift.version_id);
  } else {
    finding.fix = "mark cleared; the object is served again";
    co_await audit(drift, "reconcile:clear_missing",
                   "the store has version " + drift.version_id + " again, marked missing since " +
                       missing_since_text(drift));
  }
}

http::asio::awaitable<void> Reconciler::complete_upload(Finding& finding) {
  const Drift& drift = finding.drift;
  // The checks run again, so an upload that changed since the walk is left.
  auto head = co_await store_.head_version(drift.key, drift.version_id);
  if (!head) {
    finding.outcome = FixOutcome::kFailed;
    finding.fix = "cannot read the version from the store: " + head.error().message;
    co_return;
  }

  auto upload = co_await http::offload(
      workers_, [&] { return repository_.find_pending_upload(drift.tenant, drift.upload_id); });
  if (!upload) {
    finding.outcome = FixOutcome::kFailed;
    finding.fix = "cannot read the upload: " + upload.error().message;
    co_return;
  }
  if (auto problem = pending_upload_problem(*upload, drift.key, *head, clock_.now())) {
    finding.outcome = FixOutcome::kLeft;
    finding.fix = *problem;
    co_return;
  }

  // NOTE: the commit skips the content checks that the API's complete runs (type sniffing,
  // the preferences schema, avatar thumbnails), because reconcile reads no bytes.
  meta::ObjectRecord observed;
  observed.version_id = head->version_id.empty() ? drift.version_id : head->version_id;
  observed.size = head->size;
  observed.etag = head->etag;
  observed.content_type = head->content_type;
  observed.sha256 = upload->sha256;
  auto committed = co_await http::offload(
      workers_, [&] { return repository_.commit_upload(upload->id, observed, clock_.now()); });
  if (!committed) {
    finding.outcome = FixOutcome::kFailed;
    finding.fix = "cannot commit the upload: " + committed.error().message;
    co_return;
  }

  finding.outcome = FixOutcome::kFixed;
  finding.fix = "upload completed at revision " + std::to_string(committed->revision);
  co_await audit(drift, "reconcile:complete_upload",
                 "upload " + upload->id + " committed version " + observed.version_id);
}

http::asio::awaitable<void> Reconciler::audit(const Drift& drift, std::string_view action,
                                              std::string reason) {
  meta::AuditRecord record;
  record.time = clock_.now();
  record.request_id = "reconcile";
  record.subject = std::string(kAuditSubject);
  record.tenant = drift.tenant;
  record.action = std::string(action);
  record.key = drift.key;
  record.decision = "allow";
  record.reason = std::move(reason);
  auto appended =
      co_await http::offload(workers_, [&] { return repository_.append_audit_event(record); });
  if (!appended) {
    obs::warn("cannot write the audit event of a repair", {{"tenant", drift.tenant},
                                                           {"key", drift.key},
                                                           {"action", std::string(action)},
                                                           {"error", appended.error().message}});
  }
  obs::info("reconcile repaired drift", {{"tenant", drift.tenant},
                                         {"key", drift.key},
                                         {"kind", std::string(drift_kind_name(drift.kind))},
                                         {"action", std::string(action)}});
}

}  // namespace satchel::reconcile
