// The background application of bucket lifecycle rules. Each pass reads
// every version of a bucket in pages, key by key, and decides from the
// rules and the clock what to expire, remove or abort.
#include "obs/log.h"
#include "store/engine.h"
#include "store/object_lock.h"

namespace satchel::store {
namespace {

// Versions read from the index per query.
constexpr size_t kLifecyclePageSize = 1000;

bool any_rule(const std::vector<LifecycleRule>& rules, auto predicate) {
  for (const auto& rule : rules) {
    if (predicate(rule)) return true;
  }
  return false;
}

}  // namespace

Expected<LifecycleReport, StoreError> Engine::run_lifecycle_once(SystemTime now) {
  auto documents = index_->list_lifecycles();
  if (!documents) return Unexpected(documents.error());
  LifecycleReport report;
  for (const auto& [bucket, document] : *documents) {
    auto rules = parse_lifecycle_document(document);
    if (!rules) {
      obs::error("cannot parse a stored lifecycle configuration",
                 {{"bucket", bucket}, {"error", rules.error().message}});
      ++report.failed;
      continue;
    }
    ++report.buckets;
    apply_lifecycle_to_bucket(bucket, *rules, now, report);
  }
  return report;
}

void Engine::apply_lifecycle_to_bucket(const std::string& bucket,
                                       const std::vector<LifecycleRule>& rules, SystemTime now,
                                       LifecycleReport& report) {
  // The versions of one key arrive together, newest first, but may span
  // two pages, so a key is applied once the next key (or the end) shows up.
  std::vector<ObjectVersion> group;
  VersionCursor cursor;
  for (;;) {
    auto page = index_->list_versions(bucket, "", cursor, kLifecyclePageSize);
    if (!page) {
      obs::error("cannot list versions for lifecycle rules", {{"bucket", bucket}});
      ++report.failed;
      return;
    }
    for (auto& listed : *page) {
      if (!group.empty() && group.front().key != listed.version.key) {
        apply_lifecycle_to_key(bucket, rules, group, now, report);
        group.clear();
      }
      group.push_back(std::move(listed.version));
    }
    if (page->size() < kLifecyclePageSize) break;
    cursor = VersionCursor{page->back().version.key, page->back().seq};
  }
  if (!group.empty()) apply_lifecycle_to_key(bucket, rules, group, now, report);

  auto uploads = index_->list_uploads(bucket, "");
  if (!uploads) {
    obs::error("cannot list multipart uploads for lifecycle rules", {{"bucket", bucket}});
    ++report.failed;
    return;
  }
  for (const auto& upload : *uploads) {
    if (!any_rule(rules, [&](const auto& rule) { return abort_upload_due(rule, upload, now); })) {
      continue;
    }
    auto files = index_->abort_upload(upload);
    // Another request may have completed or aborted it meanwhile.
    if (!files) continue;
    remove_files(*files);
    ++report.uploads_aborted;
    obs::info("lifecycle rule aborted a multipart upload",
              {{"bucket", bucket}, {"upload_id", upload.upload_id}});
  }
}

void Engine::apply_lifecycle_to_key(const std::string& bucket,
                                    const std::vector<LifecycleRule>& rules,
                                    const std::vector<ObjectVersion>& versions, SystemTime now,
                                    LifecycleReport& report) {
  const ObjectVersion& latest = versions.front();
  const std::string& key = latest.key;

  // Expiration of the current version: a delete marker on a versioned
  // bucket, removal otherwise. It applies only if no write replaced the
  // version since it was listed.
  if (any_rule(rules, [&](const auto& rule) { return expiration_due(rule, latest, now); })) {
    auto expired = index_->delete_latest(bucket, key, new_version_id(), now, latest.version_id);
    if (expired) {
      remove_files(expired->orphaned_file_ids);
      ++report.expired;
    } else if (expired.error() != StoreError::kPreconditionFailed) {
      obs::error("lifecycle expiration failed", {{"bucket", bucket}});
      ++report.failed;
    }
  }

  // A delete marker with no versions behind it.
  if (versions.size() == 1 && latest.delete_marker && any_rule(rules, [&](const auto& rule) {
        return rule.enabled && rule.expired_object_delete_marker &&
               lifecycle_filter_matches(rule.filter, key, 0, latest.tags);
      })) {
    auto removed = index_->delete_version(bucket, key, latest.version_id, now, false);
    if (removed && *removed) ++report.delete_markers_removed;
    if (!removed) ++report.failed;
  }

  // Noncurrent versions: each became noncurrent when the next newer one was
  // written.
  for (size_t position = 1; position < versions.size(); ++position) {
    const ObjectVersion& version = versions[position];
    SystemTime noncurrent_since = versions[position - 1].last_modified;
    bool due = any_rule(rules, [&](const auto& rule) {
      return lifecycle_filter_matches(rule.filter, key, version.size, version.tags) &&
             noncurrent_expiration_due(rule, noncurrent_since, position - 1, now);
    });
    if (!due) continue;
    if (!check_version_removal(version.lock, now, false)) {
      ++report.locked_skipped;
      continue;
    }
    auto removed = index_->delete_version(bucket, key, version.version_id, now, false);
    if (!removed) {
      // A lock set after the listing also ends up here.
      if (removed.error() == StoreError::kObjectLocked) {
        ++report.locked_skipped;
      } else {
        ++report.failed;
      }
      continue;
    }
    if (*removed) {
      remove_files((*removed)->orphaned_file_ids);
      ++report.noncurrent_removed;
    }
  }
}

}  // namespace satchel::store
