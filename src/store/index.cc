#include "store/index.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "obs/log.h"
#include "store/index_schema.h"
#include "store/index_sqlite.h"
#include "store/object_lock.h"

namespace satchel::store {
namespace {

using index_schema::kSchemaVersion;
using index_sqlite::execute;
using index_sqlite::Statement;
using index_sqlite::Transaction;

constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kInsertBucket =
    "INSERT INTO buckets (name, created_at_ms, versioning, object_lock) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (name) DO NOTHING";
const std::string kSelectBuckets =
    "SELECT " + std::string(index_sqlite::kBucketColumns) + " FROM buckets ORDER BY name";
constexpr const char* kUpdateVersioning = "UPDATE buckets SET versioning = ?2 WHERE name = ?1";
constexpr const char* kBucketHasVersions = "SELECT 1 FROM versions WHERE bucket = ?1 LIMIT 1";
constexpr const char* kBucketHasUploads = "SELECT 1 FROM uploads WHERE bucket = ?1 LIMIT 1";
constexpr const char* kFileInUse =
    "SELECT 1 WHERE EXISTS (SELECT 1 FROM versions WHERE file_id = ?1) "
    "OR EXISTS (SELECT 1 FROM parts WHERE file_id = ?1)";
constexpr const char* kDeleteBucket = "DELETE FROM buckets WHERE name = ?1";
constexpr const char* kUpdateCors = "UPDATE buckets SET cors = ?2 WHERE name = ?1";
constexpr const char* kSelectCors = "SELECT name, cors FROM buckets WHERE cors != ''";

int versioning_code(Versioning versioning) { return static_cast<int>(versioning); }

Expected<bool, StoreError> has_row(index_sqlite::Connection& database, const char* sql,
                                   const std::string& value) {
  Statement check(database, sql);
  check.bind(1, value);
  return check.step();
}

Expected<int64_t, std::string> read_schema_version(index_sqlite::Connection& database,
                                                   const std::filesystem::path& path) {
  Statement version(database, "PRAGMA user_version");
  auto row = version.step();
  if (!row) return Unexpected("cannot read the schema version of " + path.string());
  return version.int64(0);
}

Expected<void, std::string> create_schema(index_sqlite::Connection& database,
                                          const std::filesystem::path& path) {
  auto version = read_schema_version(database, path);
  if (!version) return Unexpected(version.error());
  if (*version > kSchemaVersion) {
    return Unexpected(path.string() + " has schema version " + std::to_string(*version) +
                      ", newer than this binary's " + std::to_string(kSchemaVersion) +
                      "; upgrade satchel");
  }
  std::string script = "BEGIN IMMEDIATE;";
  // A new database has version 0 and gets kSchema alone.
  for (int64_t from = *version; from >= 1 && from < kSchemaVersion; ++from) {
    script += index_schema::kUpgradeSteps[static_cast<size_t>(from - 1)];
  }
  script += index_schema::kSchema;
  script += "PRAGMA user_version=" + std::to_string(kSchemaVersion) + "; COMMIT;";
  if (!execute(database.handle(), script.c_str())) {
    execute(database.handle(), "ROLLBACK");
    return Unexpected("cannot create the schema in " + path.string() + ": " +
                      sqlite3_errmsg(database.handle()));
  }
  return {};
}

}  // namespace

Expected<void, StoreError> check_write_precondition(const std::optional<ObjectVersion>& latest,
                                                    const WritePrecondition& precondition) {
  bool exists = latest && !latest->delete_marker;
  if (precondition.if_none_match_any && exists) {
    return Unexpected(StoreError::kPreconditionFailed);
  }
  if (!precondition.if_match.empty()) {
    if (!exists) return Unexpected(StoreError::kNoSuchKey);
    bool listed = false;
    for (const auto& etag : precondition.if_match) {
      if (etag == "*" || etag == latest->etag) listed = true;
    }
    if (!listed) return Unexpected(StoreError::kPreconditionFailed);
  }
  return {};
}

Expected<std::unique_ptr<StoreIndex>, std::string> StoreIndex::open(
    const std::filesystem::path& path) {
  // Create the file ourselves so its mode is 0600 whatever the umask.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Unexpected("cannot create " + path.string() + ": " + std::strerror(errno));
  ::close(fd);

  sqlite3* database = nullptr;
  int result = sqlite3_open_v2(path.c_str(), &database,
                               SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (result != SQLITE_OK) {
    std::string message = database ? sqlite3_errmsg(database) : sqlite3_errstr(result);
    sqlite3_close(database);
    return Unexpected("cannot open " + path.string() + ": " + message);
  }
  std::unique_ptr<StoreIndex> index(
      new StoreIndex(std::make_unique<index_sqlite::Connection>(database)));
  sqlite3_busy_timeout(database, kBusyTimeoutMs);

  if (!execute(database,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
               "PRAGMA foreign_keys=ON;")) {
    return Unexpected("cannot configure " + path.string() + ": " + sqlite3_errmsg(database));
  }
  auto created = create_schema(*index->database_, path);
  if (!created) return Unexpected(created.error());
  return index;
}

StoreIndex::StoreIndex(std::unique_ptr<index_sqlite::Connection> database)
    : database_(std::move(database)) {}

StoreIndex::~StoreIndex() = default;

Expected<void, StoreError> StoreIndex::create_bucket(const BucketInfo& bucket) {
  std::lock_guard lock(mutex_);
  Statement insert(*database_, kInsertBucket);
  insert.bind(1, bucket.name);
  insert.bind(2, index_sqlite::to_millis(bucket.created_at));
  insert.bind(3, int64_t{versioning_code(bucket.versioning)});
  insert.bind(4, int64_t{bucket.object_lock.has_value() ? 1 : 0});
  auto done = insert.run();
  if (!done) return done;
  if (sqlite3_changes(database_->handle()) == 0) {
    return Unexpected(StoreError::kBucketAlreadyOwnedByYou);
  }
  return {};
}

Expected<std::optional<BucketInfo>, StoreError> StoreIndex::find_bucket(const std::string& name) {
  std::lock_guard lock(mutex_);
  return index_sqlite::select_bucket(*database_, name);
}

Expected<std::vector<BucketInfo>, StoreError> StoreIndex::list_buckets() {
  std::lock_guard lock(mutex_);
  Statement select(*database_, kSelectBuckets);
  std::vector<BucketInfo> buckets;
  for (;;) {
    auto row = select.step();
    if (!row) return Unexpected(row.error());
    if (!*row) break;
    buckets.push_back(index_sqlite::read_bucket(select));
  }
  return buckets;
}

Expected<void, StoreError> StoreIndex::set_versioning(const std::string& bucket,
                                                      Versioning versioning) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  auto info = index_sqlite::select_bucket(*database_, bucket);
  if (!info) return Unexpected(info.error());
  if (!*info) return Unexpected(StoreError::kNoSuchBucket);
  if ((*info)->object_lock && versioning != Versioning::kEnabled) {
    return Unexpected(StoreError::kInvalidBucketState);
  }
  Statement update(*database_, kUpdateVersioning);
  update.bind(1, bucket);
  update.bind(2, int64_t{versioning_code(versioning)});
  auto done = update.run();
  if (!done) return done;
  return transaction.commit();
}

Expected<void, StoreError> StoreIndex::delete_bucket(const std::string& name) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  for (const char* sql : {kBucketHasVersions, kBucketHasUploads}) {
    auto found = has_row(*database_, sql, name);
    if (!found) return Unexpected(found.error());
    if (*found) return Unexpected(StoreError::kBucketNotEmpty);
  }
  Statement remove(*database_, kDeleteBucket);
  remove.bind(1, name);
  auto done = remove.run();
  if (!done) return done;
  if (sqlite3_changes(database_->handle()) == 0) return Unexpected(StoreError::kNoSuchBucket);
  return transaction.commit();
}

Expected<bool, StoreError> StoreIndex::file_in_use(const std::string& file_id) {
  std::lock_guard lock(mutex_);
  return has_row(*database_, kFileInUse, file_id);
}

Expected<void, StoreError> StoreIndex::set_cors(const std::string& bucket,
                                                const std::string& document) {
  std::lock_guard lock(mutex_);
  Statement update(*database_, kUpdateCors);
  update.bind(1, bucket);
  update.bind(2, document);
  auto done = update.run();
  if (!done) return done;
  if (sqlite3_changes(database_->handle()) == 0) return Unexpected(StoreError::kNoSuchBucket);
  return {};
}

Expected<std::vector<std::pair<std::string, std::string>>, StoreError> StoreIndex::list_cors() {
  std::lock_guard lock(mutex_);
  Statement select(*database_, kSelectCors);
  std::vector<std::pair<std::string, std::string>> documents;
  for (;;) {
    auto row = select.step();
    if (!row) return Unexpected(row.error());
    if (!*row) return documents;
    documents.emplace_back(select.text(0), select.text(1));
  }
}

Expected<std::optional<ObjectVersion>, StoreError> StoreIndex::latest_version(
    const std::string& bucket, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto row = index_sqlite::select_latest(*database_, bucket, key);
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<ObjectVersion>();
  return std::optional<ObjectVersion>(std::move((*row)->version));
}

Expected<std::optional<ObjectVersion>, StoreError> StoreIndex::find_version(
    const std::string& bucket, const std::string& key, const std::string& version_id) {
  std::lock_guard lock(mutex_);
  auto row = index_sqlite::select_version(*database_, bucket, key, version_id);
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<ObjectVersion>();
  return std::optional<ObjectVersion>(std::move((*row)->version));
}

Expected<IndexChange, StoreError> StoreIndex::record_version(
    ObjectVersion version, const std::string& new_version_id,
    const WritePrecondition& precondition) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  IndexChange change;
  auto inserted = index_sqlite::insert_latest_version(
      *database_, std::move(version), new_version_id, precondition, change.orphaned_file_ids);
  if (!inserted) return Unexpected(inserted.error());
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());
  change.version = std::move(*inserted);
  return change;
}

Expected<IndexChange, StoreError> StoreIndex::delete_latest(
    const std::string& bucket, const std::string& key, const std::string& marker_version_id,
    SystemTime now, const std::optional<std::string>& only_if_latest) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);

  auto info = index_sqlite::select_bucket(*database_, bucket);
  if (!info) return Unexpected(info.error());
  if (!*info) return Unexpected(StoreError::kNoSuchBucket);
  Versioning versioning = (*info)->versioning;
  if (only_if_latest) {
    auto latest = index_sqlite::select_latest(*database_, bucket, key);
    if (!latest) return Unexpected(latest.error());
    bool unchanged = *latest && !(*latest)->version.delete_marker &&
                     (*latest)->version.version_id == *only_if_latest;
    if (!unchanged) return Unexpected(StoreError::kPreconditionFailed);
  }

  IndexChange change;
  change.version.bucket = bucket;
  change.version.key = key;
  if (versioning != Versioning::kEnabled) {
    auto removed =
        index_sqlite::remove_null_version(*database_, bucket, key, change.orphaned_file_ids);
    if (!removed) return Unexpected(removed.error());
  }
  if (versioning != Versioning::kUnversioned) {
    ObjectVersion& marker = change.version;
    marker.version_id =
        versioning == Versioning::kEnabled ? marker_version_id : std::string(kNullVersionId);
    marker.delete_marker = true;
    marker.is_latest = true;
    marker.last_modified = now;
    auto inserted = index_sqlite::insert_version(*database_, marker);
    if (!inserted) return Unexpected(inserted.error());
  }
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());
  return change;
}

Expected<std::optional<IndexChange>, StoreError> StoreIndex::delete_version(
    const std::string& bucket, const std::string& key, const std::string& version_id,
    SystemTime now, bool bypass_governance) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);

  auto info = index_sqlite::select_bucket(*database_, bucket);
  if (!info) return Unexpected(info.error());
  if (!*info) return Unexpected(StoreError::kNoSuchBucket);
  auto row = index_sqlite::select_version(*database_, bucket, key, version_id);
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<IndexChange>();
  auto allowed = check_version_removal((*row)->version.lock, now, bypass_governance);
  if (!allowed) return Unexpected(allowed.error());
  auto removed = index_sqlite::delete_version_row(*database_, (*row)->seq);
  if (!removed) return Unexpected(removed.error());
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());

  IndexChange change;
  change.version = std::move((*row)->version);
  if (!change.version.file_id.empty()) change.orphaned_file_ids.push_back(change.version.file_id);
  return std::optional<IndexChange>(std::move(change));
}

}  // namespace satchel::store
