#include "store/index.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "obs/log.h"

namespace satchel::store {
namespace {

constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 5000;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  versioning INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  delete_marker INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  content_type TEXT NOT NULL,
  user_metadata TEXT NOT NULL,
  stored_headers TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  UNIQUE (bucket, key, version_id)
);
CREATE INDEX IF NOT EXISTS versions_by_key ON versions (bucket, key, seq);
)sql";

constexpr const char* kVersionColumns =
    "seq, bucket, key, version_id, delete_marker, file_id, size, etag, sha256, content_type, "
    "user_metadata, stored_headers, last_modified_ms";

constexpr const char* kInsertBucket =
    "INSERT INTO buckets (name, created_at_ms, versioning) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (name) DO NOTHING";
constexpr const char* kSelectBucket =
    "SELECT name, created_at_ms, versioning FROM buckets WHERE name = ?1";
constexpr const char* kSelectBuckets =
    "SELECT name, created_at_ms, versioning FROM buckets ORDER BY name";
constexpr const char* kUpdateVersioning = "UPDATE buckets SET versioning = ?2 WHERE name = ?1";
constexpr const char* kBucketHasVersions = "SELECT 1 FROM versions WHERE bucket = ?1 LIMIT 1";
constexpr const char* kDeleteBucket = "DELETE FROM buckets WHERE name = ?1";
constexpr const char* kInsertVersion =
    "INSERT INTO versions (bucket, key, version_id, delete_marker, file_id, size, etag, sha256, "
    "content_type, user_metadata, stored_headers, last_modified_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
constexpr const char* kDeleteVersionRow = "DELETE FROM versions WHERE seq = ?1";

int64_t to_millis(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

SystemTime from_millis(int64_t millis) {
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::milliseconds(millis)));
}

int versioning_code(Versioning versioning) { return static_cast<int>(versioning); }

Versioning versioning_from_code(int64_t code) {
  switch (code) {
    case 1:
      return Versioning::kEnabled;
    case 2:
      return Versioning::kSuspended;
    default:
      return Versioning::kUnversioned;
  }
}

std::string encode_headers(const HeaderList& headers) {
  auto array = nlohmann::json::array();
  for (const auto& [name, value] : headers) array.push_back({name, value});
  // Invalid UTF-8 would make dump() throw; the handler rejects it earlier,
  // so replacing is only a guard.
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HeaderList decode_headers(std::string_view text) {
  HeaderList headers;
  auto array = nlohmann::json::parse(text, nullptr, false);
  if (!array.is_array()) return headers;
  for (const auto& pair : array) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
      headers.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  return headers;
}

// One prepared statement, finalized on destruction. Parameters are numbered
// from 1 and columns from 0, as in the SQLite C API.
class Statement {
 public:
  Statement(sqlite3* database, std::string_view sql) : database_(database) {
    status_ = sqlite3_prepare_v2(database, sql.data(), static_cast<int>(sql.size()), &statement_,
                                 nullptr);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, std::string_view text) {
    keep(sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                           SQLITE_TRANSIENT));
  }
  void bind(int index, int64_t value) { keep(sqlite3_bind_int64(statement_, index, value)); }

  // Returns true when a row is ready, false when done.
  Expected<bool, StoreError> step() {
    if (status_ != SQLITE_OK) return fail(status_);
    int result = sqlite3_step(statement_);
    if (result == SQLITE_ROW) return true;
    if (result == SQLITE_DONE) return false;
    return fail(result);
  }
  Expected<void, StoreError> run() {
    auto stepped = step();
    if (!stepped) return Unexpected(stepped.error());
    return {};
  }

  std::string text(int column) const {
    auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
    return bytes ? std::string(bytes, sqlite3_column_bytes(statement_, column)) : std::string();
  }
  int64_t int64(int column) const { return sqlite3_column_int64(statement_, column); }

 private:
  void keep(int result) {
    if (status_ == SQLITE_OK && result != SQLITE_OK) status_ = result;
  }
  Unexpected<StoreError> fail(int result) {
    obs::error("store index statement failed",
               {{"error", sqlite3_errmsg(database_)}, {"code", int64_t{result}}});
    return Unexpected(StoreError::kInternal);
  }

  sqlite3* database_;
  sqlite3_stmt* statement_ = nullptr;
  int status_ = SQLITE_OK;
};

Expected<void, StoreError> execute(sqlite3* database, const char* sql) {
  char* message = nullptr;
  int result = sqlite3_exec(database, sql, nullptr, nullptr, &message);
  if (result != SQLITE_OK) {
    obs::error("store index statement failed",
               {{"error", message ? message : sqlite3_errstr(result)}, {"code", int64_t{result}}});
    sqlite3_free(message);
    return Unexpected(StoreError::kInternal);
  }
  return {};
}

// Rolls back unless commit() succeeded, so every early return leaves the
// index as it was.
class Transaction {
 public:
  explicit Transaction(sqlite3* database) : database_(database) {
    began_ = execute(database_, "BEGIN IMMEDIATE").has_value();
  }
  ~Transaction() {
    if (began_ && !committed_) execute(database_, "ROLLBACK");
  }
  bool began() const { return began_; }
  Expected<void, StoreError> commit() {
    auto result = execute(database_, "COMMIT");
    if (result) committed_ = true;
    return result;
  }

 private:
  sqlite3* database_;
  bool began_ = false;
  bool committed_ = false;
};

BucketInfo read_bucket(const Statement& row) {
  return BucketInfo{row.text(0), from_millis(row.int64(1)), versioning_from_code(row.int64(2))};
}

struct VersionRow {
  int64_t seq = 0;
  ObjectVersion version;
};

VersionRow read_version(const Statement& row) {
  VersionRow out;
  out.seq = row.int64(0);
  auto& version = out.version;
  version.bucket = row.text(1);
  version.key = row.text(2);
  version.version_id = row.text(3);
  version.delete_marker = row.int64(4) != 0;
  version.file_id = row.text(5);
  version.size = static_cast<uint64_t>(row.int64(6));
  version.etag = row.text(7);
  version.sha256_hex = row.text(8);
  version.content_type = row.text(9);
  version.user_metadata = decode_headers(row.text(10));
  version.stored_headers = decode_headers(row.text(11));
  version.last_modified = from_millis(row.int64(12));
  return out;
}

Expected<std::optional<BucketInfo>, StoreError> select_bucket(sqlite3* database,
                                                              const std::string& name) {
  Statement select(database, kSelectBucket);
  select.bind(1, name);
  auto row = select.step();
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<BucketInfo>();
  return std::optional<BucketInfo>(read_bucket(select));
}

Expected<std::optional<VersionRow>, StoreError> select_latest(sqlite3* database,
                                                              const std::string& bucket,
                                                              const std::string& key) {
  static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                 " FROM versions WHERE bucket = ?1 AND key = ?2 "
                                 "ORDER BY seq DESC LIMIT 1";
  Statement select(database, sql);
  select.bind(1, bucket);
  select.bind(2, key);
  auto row = select.step();
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<VersionRow>();
  VersionRow found = read_version(select);
  found.version.is_latest = true;
  return std::optional<VersionRow>(std::move(found));
}

Expected<std::optional<VersionRow>, StoreError> select_version(sqlite3* database,
                                                               const std::string& bucket,
                                                               const std::string& key,
                                                               const std::string& version_id) {
  static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                 " FROM versions WHERE bucket = ?1 AND key = ?2 "
                                 "AND version_id = ?3";
  Statement select(database, sql);
  select.bind(1, bucket);
  select.bind(2, key);
  select.bind(3, version_id);
  auto row = select.step();
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<VersionRow>();
  VersionRow found = read_version(select);
  auto latest = select_latest(database, bucket, key);
  if (!latest) return Unexpected(latest.error());
  found.version.is_latest = *latest && (*latest)->seq == found.seq;
  return std::optional<VersionRow>(std::move(found));
}

Expected<void, StoreError> insert_version(sqlite3* database, const ObjectVersion& version) {
  Statement insert(database, kInsertVersion);
  insert.bind(1, version.bucket);
  insert.bind(2, version.key);
  insert.bind(3, version.version_id);
  insert.bind(4, int64_t{version.delete_marker ? 1 : 0});
  insert.bind(5, version.file_id);
  insert.bind(6, static_cast<int64_t>(version.size));
  insert.bind(7, version.etag);
  insert.bind(8, version.sha256_hex);
  insert.bind(9, version.content_type);
  insert.bind(10, encode_headers(version.user_metadata));
  insert.bind(11, encode_headers(version.stored_headers));
  insert.bind(12, to_millis(version.last_modified));
  return insert.run();
}

Expected<void, StoreError> delete_row(sqlite3* database, int64_t seq) {
  Statement remove(database, kDeleteVersionRow);
  remove.bind(1, seq);
  return remove.run();
}

// Removes the key's "null" version, if any, and reports its data file.
Expected<void, StoreError> remove_null_version(sqlite3* database, const std::string& bucket,
                                               const std::string& key, IndexChange& change) {
  auto existing = select_version(database, bucket, key, std::string(kNullVersionId));
  if (!existing) return Unexpected(existing.error());
  if (!*existing) return {};
  auto removed = delete_row(database, (*existing)->seq);
  if (!removed) return removed;
  if (!(*existing)->version.file_id.empty()) {
    change.orphaned_file_ids.push_back((*existing)->version.file_id);
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
  std::unique_ptr<StoreIndex> index(new StoreIndex(database));
  sqlite3_busy_timeout(database, kBusyTimeoutMs);

  const std::string setup =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
      "PRAGMA foreign_keys=ON;" +
      std::string(kSchema) + "PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";";
  {
    Statement version(database, "PRAGMA user_version");
    auto row = version.step();
    if (!row) return Unexpected("cannot read the schema version of " + path.string());
    if (version.int64(0) > kSchemaVersion) {
      return Unexpected(path.string() + " has schema version " + std::to_string(version.int64(0)) +
                        ", newer than this binary's " + std::to_string(kSchemaVersion) +
                        "; upgrade satchel");
    }
  }
  if (!execute(database, setup.c_str())) {
    return Unexpected("cannot create the schema in " + path.string() + ": " +
                      sqlite3_errmsg(database));
  }
  return index;
}

StoreIndex::~StoreIndex() { sqlite3_close(database_); }

Expected<void, StoreError> StoreIndex::create_bucket(const BucketInfo& bucket) {
  std::lock_guard lock(mutex_);
  Statement insert(database_, kInsertBucket);
  insert.bind(1, bucket.name);
  insert.bind(2, to_millis(bucket.created_at));
  insert.bind(3, int64_t{versioning_code(bucket.versioning)});
  auto done = insert.run();
  if (!done) return done;
  if (sqlite3_changes(database_) == 0) return Unexpected(StoreError::kBucketAlreadyOwnedByYou);
  return {};
}

Expected<std::optional<BucketInfo>, StoreError> StoreIndex::find_bucket(const std::string& name) {
  std::lock_guard lock(mutex_);
  return select_bucket(database_, name);
}

Expected<std::vector<BucketInfo>, StoreError> StoreIndex::list_buckets() {
  std::lock_guard lock(mutex_);
  Statement select(database_, kSelectBuckets);
  std::vector<BucketInfo> buckets;
  for (;;) {
    auto row = select.step();
    if (!row) return Unexpected(row.error());
    if (!*row) break;
    buckets.push_back(read_bucket(select));
  }
  return buckets;
}

Expected<void, StoreError> StoreIndex::set_versioning(const std::string& bucket,
                                                      Versioning versioning) {
  std::lock_guard lock(mutex_);
  Statement update(database_, kUpdateVersioning);
  update.bind(1, bucket);
  update.bind(2, int64_t{versioning_code(versioning)});
  auto done = update.run();
  if (!done) return done;
  if (sqlite3_changes(database_) == 0) return Unexpected(StoreError::kNoSuchBucket);
  return {};
}

Expected<void, StoreError> StoreIndex::delete_bucket(const std::string& name) {
  std::lock_guard lock(mutex_);
  Transaction transaction(database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  Statement check(database_, kBucketHasVersions);
  check.bind(1, name);
  auto has_versions = check.step();
  if (!has_versions) return Unexpected(has_versions.error());
  if (*has_versions) return Unexpected(StoreError::kBucketNotEmpty);
  Statement remove(database_, kDeleteBucket);
  remove.bind(1, name);
  auto done = remove.run();
  if (!done) return done;
  if (sqlite3_changes(database_) == 0) return Unexpected(StoreError::kNoSuchBucket);
  return transaction.commit();
}

Expected<std::optional<ObjectVersion>, StoreError> StoreIndex::latest_version(
    const std::string& bucket, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto row = select_latest(database_, bucket, key);
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<ObjectVersion>();
  return std::optional<ObjectVersion>(std::move((*row)->version));
}

Expected<std::optional<ObjectVersion>, StoreError> StoreIndex::find_version(
    const std::string& bucket, const std::string& key, const std::string& version_id) {
  std::lock_guard lock(mutex_);
  auto row = select_version(database_, bucket, key, version_id);
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<ObjectVersion>();
  return std::optional<ObjectVersion>(std::move((*row)->version));
}

Expected<IndexChange, StoreError> StoreIndex::record_version(
    ObjectVersion version, const std::string& new_version_id,
    const WritePrecondition& precondition) {
  std::lock_guard lock(mutex_);
  Transaction transaction(database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);

  auto bucket = select_bucket(database_, version.bucket);
  if (!bucket) return Unexpected(bucket.error());
  if (!*bucket) return Unexpected(StoreError::kNoSuchBucket);
  auto latest = select_latest(database_, version.bucket, version.key);
  if (!latest) return Unexpected(latest.error());
  std::optional<ObjectVersion> current;
  if (*latest) current = (*latest)->version;
  auto allowed = check_write_precondition(current, precondition);
  if (!allowed) return Unexpected(allowed.error());

  IndexChange change;
  if ((*bucket)->versioning == Versioning::kEnabled) {
    version.version_id = new_version_id;
  } else {
    version.version_id = std::string(kNullVersionId);
    auto removed = remove_null_version(database_, version.bucket, version.key, change);
    if (!removed) return Unexpected(removed.error());
  }
  auto inserted = insert_version(database_, version);
  if (!inserted) return Unexpected(inserted.error());
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());
  version.is_latest = true;
  change.version = std::move(version);
  return change;
}

Expected<IndexChange, StoreError> StoreIndex::delete_latest(const std::string& bucket,
                                                            const std::string& key,
                                                            const std::string& marker_version_id,
                                                            SystemTime now) {
  std::lock_guard lock(mutex_);
  Transaction transaction(database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);

  auto info = select_bucket(database_, bucket);
  if (!info) return Unexpected(info.error());
  if (!*info) return Unexpected(StoreError::kNoSuchBucket);
  Versioning versioning = (*info)->versioning;

  IndexChange change;
  change.version.bucket = bucket;
  change.version.key = key;
  if (versioning != Versioning::kEnabled) {
    auto removed = remove_null_version(database_, bucket, key, change);
    if (!removed) return Unexpected(removed.error());
  }
  if (versioning != Versioning::kUnversioned) {
    ObjectVersion& marker = change.version;
    marker.version_id =
        versioning == Versioning::kEnabled ? marker_version_id : std::string(kNullVersionId);
    marker.delete_marker = true;
    marker.is_latest = true;
    marker.last_modified = now;
    auto inserted = insert_version(database_, marker);
    if (!inserted) return Unexpected(inserted.error());
  }
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());
  return change;
}

Expected<std::optional<IndexChange>, StoreError> StoreIndex::delete_version(
    const std::string& bucket, const std::string& key, const std::string& version_id) {
  std::lock_guard lock(mutex_);
  Transaction transaction(database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);

  auto info = select_bucket(database_, bucket);
  if (!info) return Unexpected(info.error());
  if (!*info) return Unexpected(StoreError::kNoSuchBucket);
  auto row = select_version(database_, bucket, key, version_id);
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<IndexChange>();
  auto removed = delete_row(database_, (*row)->seq);
  if (!removed) return Unexpected(removed.error());
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());

  IndexChange change;
  change.version = std::move((*row)->version);
  if (!change.version.file_id.empty()) change.orphaned_file_ids.push_back(change.version.file_id);
  return std::optional<IndexChange>(std::move(change));
}

}  // namespace satchel::store
