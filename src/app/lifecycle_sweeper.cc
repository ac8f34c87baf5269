#include "app/lifecycle_sweeper.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/time_format.h"
#include "http/offload.h"
#include "obs/log.h"

namespace satchel::app {
namespace {

namespace asio = boost::asio;

// The sweep checks at most this many store versions of an aborted upload's key, newest first.
// Abandoned bytes fall outside only when the key got more writes than this between the
// abandoned PUT and its abort (pending_upload_max_age later, one day by default).
constexpr std::size_t kMaxVersionsPerKey = 1000;

// A noncurrent version walk reads at most this many pages per sweep, because each page reads
// the whole history table (lifecycle_index.h).
constexpr int kMaxVersionPagesPerSweep = 10;

bool changed_meanwhile(const meta::MetaError& error) {
  return error.code == meta::MetaErrorCode::kNotFound ||
         error.code == meta::MetaErrorCode::kConflict ||
         error.code == meta::MetaErrorCode::kAlreadyCompleted;
}

std::string describe_rule(const policy::RetentionRule& rule) {
  return "retention rule \"" + rule.id + "\" (line " + std::to_string(rule.line) + ")";
}

}  // namespace

LifecycleSweeper::LifecycleSweeper(LifecycleConfig config, meta::Repository& repository,
                                   meta::LifecycleIndex& index, StoreGateway& store,
                                   asio::thread_pool& workers, const Clock& clock,
                                   std::shared_ptr<const policy::Policy> policy,
                                   std::shared_ptr<obs::AuditLog> audit)
    : config_(config),
      repository_(repository),
      index_(index),
      store_(store),
      workers_(workers),
      clock_(clock),
      // The default policy is a static object, so the pointer owns nothing.
      policy_(policy
                  ? std::move(policy)
                  : std::shared_ptr<const policy::Policy>(std::shared_ptr<const policy::Policy>{},
                                                          &policy::Policy::default_policy())),
      audit_(std::move(audit)) {}

asio::awaitable<SweepCounts> LifecycleSweeper::sweep_once() {
  ++sweep_number_;
  SystemTime now = clock_.now();
  SweepCounts counts;
  co_await expire_objects(now, counts);
  co_await sweep_uploads(now, counts);
  co_await purge_noncurrent_versions(now, counts);
  if (counts.expired + counts.postponed + counts.aborted_uploads + counts.stray_versions_removed +
          counts.stray_versions_denied + counts.uploads_cleaned_up + counts.versions_purged +
          counts.versions_denied + counts.failures >
      0) {
    obs::info("lifecycle sweep finished",
              {{"expired", int64_t(counts.expired)},
               {"postponed", int64_t(counts.postponed)},
               {"aborted_uploads", int64_t(counts.aborted_uploads)},
               {"stray_versions_removed", int64_t(counts.stray_versions_removed)},
               {"stray_versions_denied", int64_t(counts.stray_versions_denied)},
               {"uploads_cleaned_up", int64_t(counts.uploads_cleaned_up)},
               {"versions_purged", int64_t(counts.versions_purged)},
               {"versions_denied", int64_t(counts.versions_denied)},
               {"failures", int64_t(counts.failures)}});
  }
  co_return counts;
}

void LifecycleSweeper::start(asio::any_io_executor executor, std::function<bool()> stopping) {
  if (!config_.enabled) {
    obs::info("lifecycle sweeper is off");
    return;
  }
  asio::co_spawn(executor, run(std::move(stopping)), asio::detached);
  obs::info("lifecycle sweeper started",
            {{"interval_seconds", int64_t(config_.sweep_interval.count())},
             {"batch_size", int64_t(config_.batch_size)}});
}

asio::awaitable<void> LifecycleSweeper::run(std::function<bool()> stopping) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (true) {
    timer.expires_after(config_.sweep_interval);
    co_await timer.async_wait(asio::use_awaitable);
    if (stopping()) co_return;
    co_await sweep_once();
  }
}

void LifecycleSweeper::audit(const std::string& tenant, std::string_view action,
                             const std::string& key, bool allowed, std::string reason) {
  if (!audit_) return;
  obs::AuditEvent event;
  event.time = clock_.now();
  // No request and no token: the sweep number ties a sweep's events together.
  event.request_id = "lifecycle-sweep-" + std::to_string(sweep_number_.load());
  event.tenant = tenant;
  event.action = action;
  event.key = key;
  event.decision = allowed ? "allow" : "deny";
  event.reason = std::move(reason);
  audit_->record(event);
}

// ---- Expired objects --------------------------------------------------------

asio::awaitable<void> LifecycleSweeper::expire_objects(SystemTime now, SweepCounts& counts) {
  auto expired = co_await http::offload(
      workers_, [&] { return index_.list_expired_objects(now, config_.batch_size); });
  if (!expired) {
    ++counts.failures;
    obs::error("lifecycle sweep cannot list expired objects", {{"error", expired.error().message}});
    co_return;
  }
  for (const meta::ObjectRecord& record : *expired) {
    if (!co_await expire_object(record, now, counts)) co_return;
  }
}

asio::awaitable<bool> LifecycleSweeper::expire_object(const meta::ObjectRecord& record,
                                                      SystemTime now, SweepCounts& counts) {
  // Retention wins over expiry: the object stays, visible again, until the rule's end. The
  // upload endpoint rejects expiries shorter than the retention, so this happens when the
  // policy gained the rule after the upload, or when the commit came late.
  if (auto rule = policy_->retention_for(record.tenant, record.owner, record.key)) {
    SystemTime retained_until = record.updated_at + rule->period;
    if (now < retained_until) {
      auto postponed = co_await http::offload(workers_, [&] {
        return index_.set_object_expiry(record.tenant, record.key, record.revision, retained_until);
      });
      if (!postponed) {
        if (!changed_meanwhile(postponed.error())) ++counts.failures;
        co_return true;
      }
      ++counts.postponed;
      audit(
          record.tenant, "lifecycle:expire", record.key, false,
          "expiry postponed to " + format_iso8601(retained_until) + " by " + describe_rule(*rule));
      co_return true;
    }
  }

  // The store first, as the DELETE endpoint does: the versioned bucket keeps the bytes behind
  // a delete marker, and on failure the record stays for the next sweep.
  // NOTE: an upload committed between the listing and this delete gets the delete marker on
  // top of its version in the store. The index then refuses the expiry (kConflict) and keeps
  // serving the new version by its version id, but the store's latest is the marker.
  auto removed = co_await store_.remove(record.key);
  if (!removed) {
    ++counts.failures;
    obs::error(
        "lifecycle sweep cannot delete an expired object from the store",
        {{"tenant", record.tenant}, {"key", record.key}, {"error", removed.error().message}});
    co_return false;
  }
  auto deleted = co_await http::offload(workers_, [&] {
    return repository_.delete_object(record.tenant, record.key, record.revision, *removed, now);
  });
  if (!deleted) {
    if (changed_meanwhile(deleted.error())) {
      obs::info("expired object changed before the sweep deleted it",
                {{"tenant", record.tenant}, {"key", record.key}});
      co_return true;
    }
    ++counts.failures;
    obs::error(
        "lifecycle sweep cannot record the deletion of an expired object",
        {{"tenant", record.tenant}, {"key", record.key}, {"error", deleted.error().message}});
    co_return true;
  }
  ++counts.expired;
  audit(record.tenant, "lifecycle:expire", record.key, true,
        "object expired at " + format_iso8601(*record.expires_at) + ", revision " +
            std::to_string(record.revision) + " deleted");
  co_return true;
}

// ---- Stale and aborted uploads ---------------------------------------------

asio::awaitable<void> LifecycleSweeper::sweep_uploads(SystemTime now, SweepCounts& counts) {
  SystemTime created_before = now - config_.pending_upload_max_age;
  auto listed = co_await http::offload(
      workers_, [&] { return index_.list_uploads_to_sweep(created_before, config_.batch_size); });
  if (!listed) {
    ++counts.failures;
    obs::error("lifecycle sweep failed to list stale and aborted uploads",
               {{"error", listed.error().message}});
    co_return;
  }
  StrayVersionSearch search;
  for (const meta::PendingUpload& upload : *listed) {
    // Until its completion time an upload may still be completed, and its presigned PUT may
    // still store bytes. So neither the abort nor the clean-up starts before then, even when the
    // maximum age is set shorter than the completion time.
    if (upload.expires_at > now) continue;
    bool aborted_now = false;
    if (upload.state == meta::UploadState::kPending) {
      // Aborting first means no complete can commit the bytes once the removal below starts.
      auto aborted = co_await http::offload(
          workers_, [&] { return repository_.abort_pending_upload(upload.tenant, upload.id); });
      if (!aborted) {
        if (!changed_meanwhile(aborted.error())) ++counts.failures;
        continue;
      }
      ++counts.aborted_uploads;
      aborted_now = true;
    }
    co_await clean_up_aborted_upload(upload, aborted_now, now, search, counts);
  }
}

asio::awaitable<void> LifecycleSweeper::clean_up_aborted_upload(const meta::PendingUpload& upload,
                                                                bool aborted_now, SystemTime now,
                                                                StrayVersionSearch& search,
                                                                SweepCounts& counts) {
  std::size_t removed_before = counts.stray_versions_removed;
  std::size_t denied_before = counts.stray_versions_denied;
  std::size_t failures_before = counts.failures;
  co_await remove_stray_versions(upload, search, counts);
  std::size_t removed = counts.stray_versions_removed - removed_before;
  std::size_t denied = counts.stray_versions_denied - denied_before;
  // Every failure that the removal counts is transient (an unreachable store, a failed listing,
  // HEAD or metadata read), so the upload stays unmarked and the next sweep tries again. A
  // delete that the store denies is not counted as one.
  bool finished = counts.failures == failures_before;

  std::string outcome;
  if (removed == 1) outcome = "its stored version was deleted";
  if (removed > 1) outcome = "its " + std::to_string(removed) + " stored versions were deleted";
  if (aborted_now) {
    std::string reason = "upload " + upload.id + " created at " +
                         format_iso8601(upload.created_at) + " was never completed";
    if (!outcome.empty()) reason += "; " + outcome;
    if (denied > 0) reason += "; the store denied deleting " + std::to_string(denied) + " of them";
    if (!finished) reason += "; deleting its stored versions failed, so a later sweep retries";
    audit(upload.tenant, "lifecycle:abort_upload", upload.key, true, std::move(reason));
  } else if (removed > 0) {
    audit(upload.tenant, "lifecycle:remove_upload_bytes", upload.key, true,
          "upload " + upload.id + " created at " + format_iso8601(upload.created_at) +
              " was aborted earlier, and " + outcome + " by a later sweep");
  }
  if (!finished) co_return;

  auto marked = co_await http::offload(
      workers_, [&] { return index_.mark_upload_store_cleaned(upload.tenant, upload.id, now); });
  if (!marked) {
    // The next sweep lists the upload again and repeats the clean-up.
    ++counts.failures;
    obs::error(
        "lifecycle sweep failed to record the finished clean-up of an aborted upload",
        {{"tenant", upload.tenant}, {"upload_id", upload.id}, {"error", marked.error().message}});
    co_return;
  }
  ++counts.uploads_cleaned_up;
}

asio::awaitable<void> LifecycleSweeper::remove_stray_versions(const meta::PendingUpload& upload,
                                                              StrayVersionSearch& search,
                                                              SweepCounts& counts) {
  if (!search.can_list_versions) {
    co_await remove_stray_latest_version(upload, counts);
    co_return;
  }
  auto listed = co_await store_.list_key_versions(upload.key, kMaxVersionsPerKey);
  if (!listed) {
    if (listed.error().code != StoreErrorCode::kDenied) {
      ++counts.failures;
      obs::error(
          "lifecycle sweep cannot list the store versions of an aborted upload's key",
          {{"tenant", upload.tenant}, {"upload_id", upload.id}, {"error", listed.error().message}});
      co_return;
    }
    // A store key without the right to list can still HEAD the latest version, so the bytes are
    // removed while no later upload covers them.
    search.can_list_versions = false;
    obs::warn(
        "the store denied ListObjectVersions, so this sweep checks only the latest version of "
        "each aborted upload's key. Allow the store key s3:ListBucketVersions under its prefix "
        "to also remove bytes that later uploads covered",
        {{"upload_id", upload.id}, {"error", listed.error().message}});
    co_await remove_stray_latest_version(upload, counts);
    co_return;
  }
  if (listed->truncated) {
    obs::warn("lifecycle sweep checked only the newest versions of an aborted upload's key",
              {{"tenant", upload.tenant},
               {"upload_id", upload.id},
               {"checked_versions", int64_t(kMaxVersionsPerKey)}});
  }

  std::optional<std::string> current = co_await read_current_version(upload, counts);
  if (!current) co_return;
  for (const s3::StoreVersion& version : listed->versions) {
    if (version.is_delete_marker || s3::is_unversioned_id(version.version_id)) continue;
    if (version.version_id == *current) continue;
    if (!co_await unknown_to_index(upload, version.version_id, counts)) continue;
    // The presigned PUT stored the upload id with the bytes, and only a HEAD returns it.
    auto head = co_await store_.head_version(upload.key, version.version_id);
    if (!head) {
      if (head.error().code != StoreErrorCode::kNotFound) {
        ++counts.failures;
        obs::error("lifecycle sweep cannot read a store version of an aborted upload's key",
                   {{"tenant", upload.tenant},
                    {"upload_id", upload.id},
                    {"version_id", version.version_id},
                    {"error", head.error().message}});
      }
      continue;
    }
    if (head->upload_id != upload.id) continue;
    co_await remove_stray_version(upload, version.version_id, counts);
  }
}

asio::awaitable<void> LifecycleSweeper::remove_stray_latest_version(
    const meta::PendingUpload& upload, SweepCounts& counts) {
  auto latest = co_await store_.head(upload.key);
  if (!latest) {
    if (latest.error().code != StoreErrorCode::kNotFound) {
      ++counts.failures;
      obs::error(
          "lifecycle sweep cannot read the store's latest version of an aborted upload",
          {{"tenant", upload.tenant}, {"upload_id", upload.id}, {"error", latest.error().message}});
    }
    co_return;
  }
  // An unversioned id (none, or "null" while versioning is suspended) names the key's only copy,
  // which a delete would remove for good.
  if (latest->upload_id != upload.id || s3::is_unversioned_id(latest->version_id)) co_return;
  std::optional<std::string> current = co_await read_current_version(upload, counts);
  if (!current || *current == latest->version_id) co_return;
  if (!co_await unknown_to_index(upload, latest->version_id, counts)) co_return;
  co_await remove_stray_version(upload, latest->version_id, counts);
}

asio::awaitable<std::optional<std::string>> LifecycleSweeper::read_current_version(
    const meta::PendingUpload& upload, SweepCounts& counts) {
  auto current = co_await http::offload(
      workers_, [&] { return repository_.get_object(upload.tenant, upload.key); });
  if (current) co_return current->version_id;
  if (current.error().code == meta::MetaErrorCode::kNotFound) co_return std::string();
  ++counts.failures;
  obs::error(
      "lifecycle sweep cannot read the record of an aborted upload's key",
      {{"tenant", upload.tenant}, {"upload_id", upload.id}, {"error", current.error().message}});
  co_return std::nullopt;
}

asio::awaitable<bool> LifecycleSweeper::unknown_to_index(const meta::PendingUpload& upload,
                                                         const std::string& version_id,
                                                         SweepCounts& counts) {
  auto known = co_await http::offload(
      workers_, [&] { return repository_.find_version(upload.tenant, upload.key, version_id); });
  if (known) co_return false;
  if (known.error().code != meta::MetaErrorCode::kNotFound) {
    ++counts.failures;
    obs::error("lifecycle sweep cannot read the history of an aborted upload's key",
               {{"tenant", upload.tenant},
                {"upload_id", upload.id},
                {"version_id", version_id},
                {"error", known.error().message}});
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> LifecycleSweeper::remove_stray_version(const meta::PendingUpload& upload,
                                                             const std::string& version_id,
                                                             SweepCounts& counts) {
  auto removed = co_await store_.remove_version(upload.key, version_id);
  if (!removed && removed.error().code == StoreErrorCode::kDenied) {
    // A refusal such as Object Lock's lasts, so the clean-up is marked finished and this is
    // logged once instead of on every sweep.
    ++counts.stray_versions_denied;
    obs::error(
        "the store denied deleting the stored version of an aborted upload, so it stays in the "
        "store and no later sweep retries it. Once its Object Lock retention ends, or the store "
        "key has s3:DeleteObjectVersion, delete the version with the store's own credentials",
        {{"tenant", upload.tenant},
         {"upload_id", upload.id},
         {"version_id", version_id},
         {"error", removed.error().message}});
    co_return;
  }
  if (!removed) {
    ++counts.failures;
    obs::error("lifecycle sweep cannot delete the stored version of an aborted upload",
               {{"tenant", upload.tenant},
                {"upload_id", upload.id},
                {"version_id", version_id},
                {"error", removed.error().message}});
    co_return;
  }
  ++counts.stray_versions_removed;
}

// ---- Noncurrent versions ----------------------------------------------------

asio::awaitable<void> LifecycleSweeper::purge_noncurrent_versions(SystemTime now,
                                                                  SweepCounts& counts) {
  meta::NoncurrentVersionRules rules;
  if (config_.noncurrent_version_days > 0) {
    rules.noncurrent_before = now - std::chrono::days(config_.noncurrent_version_days);
  }
  if (config_.noncurrent_version_max_count > 0) {
    rules.newer_noncurrent_at_least = config_.noncurrent_version_max_count;
  }
  if (!rules.noncurrent_before && !rules.newer_noncurrent_at_least) co_return;

  meta::VersionPosition position;
  std::size_t purged = 0;
  for (int page = 0; page < kMaxVersionPagesPerSweep && purged < config_.batch_size; ++page) {
    auto versions = co_await http::offload(workers_, [&] {
      return index_.list_noncurrent_versions(rules, position, config_.batch_size);
    });
    if (!versions) {
      ++counts.failures;
      obs::error("lifecycle sweep cannot list noncurrent versions",
                 {{"error", versions.error().message}});
      co_return;
    }
    if (versions->empty()) co_return;
    for (const meta::ObjectVersion& version : *versions) {
      position = {version.tenant, version.key, version.revision};
      if (co_await purge_version(version, now, counts)) ++purged;
      if (purged >= config_.batch_size) co_return;
    }
  }
}

asio::awaitable<bool> LifecycleSweeper::purge_version(const meta::ObjectVersion& version,
                                                      SystemTime now, SweepCounts& counts) {
  if (auto rule = policy_->retention_for(version.tenant, version.owner, version.key)) {
    if (now < version.committed_at + rule->period) co_return false;
  }
  // The listing never returns a key's newest entry, and this also keeps the current version
  // when a restore or an avatar commit made two entries share it.
  auto current = co_await http::offload(
      workers_, [&] { return repository_.get_object(version.tenant, version.key); });
  if (current && current->version_id == version.version_id) co_return false;

  auto removed = co_await store_.remove_version(version.key, version.version_id);
  if (!removed && removed.error().code == StoreErrorCode::kDenied) {
    // Object Lock keeps every version until its retention ends, so a locked bucket would
    // otherwise log an error per version on every sweep. One warning per sweep names the first,
    // and the count goes into the sweep's summary line.
    if (counts.versions_denied++ == 0) {
      obs::warn(
          "the store denied deleting a noncurrent version, as it does under Object Lock "
          "retention or a legal hold; later sweeps try again. If the bucket has no lock, give "
          "the store key s3:DeleteObjectVersion",
          {{"tenant", version.tenant},
           {"key", version.key},
           {"version_id", version.version_id},
           {"error", removed.error().message}});
    }
    co_return false;
  }
  if (!removed) {
    ++counts.failures;
    obs::error("lifecycle sweep cannot delete a noncurrent version from the store",
               {{"tenant", version.tenant},
                {"key", version.key},
                {"version_id", version.version_id},
                {"error", removed.error().message}});
    co_return false;
  }
  auto marked = co_await http::offload(workers_, [&] {
    return index_.mark_version_purged(version.tenant, version.key, version.revision, now);
  });
  if (!marked) {
    // The bytes are gone, so the next sweep lists the entry again and its store delete of a
    // missing version succeeds.
    ++counts.failures;
    obs::error("lifecycle sweep cannot record a purged version",
               {{"tenant", version.tenant},
                {"key", version.key},
                {"version_id", version.version_id},
                {"error", marked.error().message}});
    co_return false;
  }
  ++counts.versions_purged;
  audit(version.tenant, "lifecycle:purge_version", version.key, true,
        "noncurrent version " + version.version_id + " (revision " +
            std::to_string(version.revision) + ") deleted from the store for good");
  co_return true;
}

}  // namespace satchel::app
