// Bucket lifecycle, encryption and Object Lock configurations in the store
// index, and updates of the lock and the tags of one version.
#include <sqlite3.h>

#include "store/index.h"
#include "store/index_sqlite.h"
#include "store/object_lock.h"

namespace satchel::store {
namespace {

using index_sqlite::Statement;
using index_sqlite::Transaction;

constexpr const char* kUpdateLifecycle = "UPDATE buckets SET lifecycle = ?2 WHERE name = ?1";
constexpr const char* kUpdateEncryption = "UPDATE buckets SET encryption = ?2 WHERE name = ?1";
constexpr const char* kSelectLifecycle = "SELECT lifecycle FROM buckets WHERE name = ?1";
constexpr const char* kSelectEncryption = "SELECT encryption FROM buckets WHERE name = ?1";
constexpr const char* kSelectLifecycles =
    "SELECT name, lifecycle FROM buckets WHERE lifecycle != '' ORDER BY name";
constexpr const char* kUpdateObjectLock =
    "UPDATE buckets SET object_lock = 1, default_retention_mode = ?2, "
    "default_retention_days = ?3, default_retention_years = ?4 WHERE name = ?1";
constexpr const char* kUpdateVersionLock =
    "UPDATE versions SET lock_mode = ?2, retain_until_ms = ?3, legal_hold = ?4 WHERE seq = ?1";
constexpr const char* kUpdateVersionTags = "UPDATE versions SET tags = ?2 WHERE seq = ?1";

// The version named by id, or the latest without one, inside the caller's
// transaction. A delete marker fails with kVersionIsDeleteMarker when named
// by id and kNoSuchKey when it is the latest.
Expected<index_sqlite::VersionRow, StoreError> select_object_version(
    index_sqlite::Connection& database, const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto row = version_id ? index_sqlite::select_version(database, bucket, key, *version_id)
                        : index_sqlite::select_latest(database, bucket, key);
  if (!row) return Unexpected(row.error());
  if (!*row) return Unexpected(version_id ? StoreError::kNoSuchVersion : StoreError::kNoSuchKey);
  if ((*row)->version.delete_marker) {
    return Unexpected(version_id ? StoreError::kVersionIsDeleteMarker : StoreError::kNoSuchKey);
  }
  return std::move(**row);
}

}  // namespace

Expected<void, StoreError> StoreIndex::set_bucket_document(const std::string& bucket,
                                                           BucketDocument kind,
                                                           const std::string& document) {
  std::lock_guard lock(mutex_);
  Statement update(*database_,
                   kind == BucketDocument::kLifecycle ? kUpdateLifecycle : kUpdateEncryption);
  update.bind(1, bucket);
  update.bind(2, document);
  auto done = update.run();
  if (!done) return done;
  if (sqlite3_changes(database_->handle()) == 0) return Unexpected(StoreError::kNoSuchBucket);
  return {};
}

Expected<std::string, StoreError> StoreIndex::bucket_document(const std::string& bucket,
                                                              BucketDocument kind) {
  std::lock_guard lock(mutex_);
  Statement select(*database_,
                   kind == BucketDocument::kLifecycle ? kSelectLifecycle : kSelectEncryption);
  select.bind(1, bucket);
  auto row = select.step();
  if (!row) return Unexpected(row.error());
  if (!*row) return Unexpected(StoreError::kNoSuchBucket);
  return select.text(0);
}

Expected<std::vector<std::pair<std::string, std::string>>, StoreError>
StoreIndex::list_lifecycles() {
  std::lock_guard lock(mutex_);
  Statement select(*database_, kSelectLifecycles);
  std::vector<std::pair<std::string, std::string>> documents;
  for (;;) {
    auto row = select.step();
    if (!row) return Unexpected(row.error());
    if (!*row) return documents;
    documents.emplace_back(select.text(0), select.text(1));
  }
}

Expected<void, StoreError> StoreIndex::set_object_lock(
    const std::string& bucket, const ObjectLockConfiguration& configuration) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  auto info = index_sqlite::select_bucket(*database_, bucket);
  if (!info) return Unexpected(info.error());
  if (!*info) return Unexpected(StoreError::kNoSuchBucket);
  if ((*info)->versioning != Versioning::kEnabled) {
    return Unexpected(StoreError::kInvalidBucketState);
  }
  Statement update(*database_, kUpdateObjectLock);
  update.bind(1, bucket);
  const auto& retention = configuration.default_retention;
  update.bind(2, retention ? retention_mode_name(retention->mode) : std::string_view{});
  update.bind(3, retention ? retention->days : int64_t{0});
  update.bind(4, retention ? retention->years : int64_t{0});
  auto done = update.run();
  if (!done) return done;
  return transaction.commit();
}

Expected<ObjectVersion, StoreError> StoreIndex::update_lock(
    const std::string& bucket, const std::string& key, const std::optional<std::string>& version_id,
    const LockChange& change) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  auto info = index_sqlite::select_bucket(*database_, bucket);
  if (!info) return Unexpected(info.error());
  if (!*info) return Unexpected(StoreError::kNoSuchBucket);
  auto row = select_object_version(*database_, bucket, key, version_id);
  if (!row) return Unexpected(row.error());
  ObjectVersion& version = row->version;

  auto changed = change(**info, version);
  if (!changed) return Unexpected(changed.error());
  auto columns = index_sqlite::lock_columns(*changed);
  Statement update(*database_, kUpdateVersionLock);
  update.bind(1, row->seq);
  update.bind(2, columns.mode);
  update.bind(3, columns.retain_until_ms);
  update.bind(4, columns.legal_hold);
  auto done = update.run();
  if (!done) return Unexpected(done.error());
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());
  version.lock = *changed;
  return std::move(version);
}

Expected<ObjectVersion, StoreError> StoreIndex::update_tags(
    const std::string& bucket, const std::string& key, const std::optional<std::string>& version_id,
    const HeaderList& tags) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  auto info = index_sqlite::select_bucket(*database_, bucket);
  if (!info) return Unexpected(info.error());
  if (!*info) return Unexpected(StoreError::kNoSuchBucket);
  auto row = select_object_version(*database_, bucket, key, version_id);
  if (!row) return Unexpected(row.error());
  Statement update(*database_, kUpdateVersionTags);
  update.bind(1, row->seq);
  update.bind(2, index_sqlite::encode_headers(tags));
  auto done = update.run();
  if (!done) return Unexpected(done.error());
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());
  row->version.tags = tags;
  return std::move(row->version);
}

}  // namespace satchel::store
