#include "store/index_sqlite.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "obs/log.h"
#include "store/index.h"
#include "store/object_lock.h"

namespace satchel::store::index_sqlite {
namespace {

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

std::optional<StoredChecksum> read_checksum(std::string_view algorithm, std::string value,
                                            std::string_view type) {
  if (algorithm.empty()) return std::nullopt;
  auto parsed = parse_checksum_algorithm(algorithm);
  if (!parsed) return std::nullopt;
  return StoredChecksum{*parsed, std::move(value),
                        parse_checksum_type(type).value_or(ChecksumType::kFullObject)};
}

}  // namespace

Connection::~Connection() {
  for (auto& [sql, cached] : statements_) sqlite3_finalize(cached.statement);
  sqlite3_close(handle_);
}

Statement::Statement(Connection& database, std::string_view sql) : database_(database.handle()) {
  auto found = database.statements_.find(sql);
  if (found != database.statements_.end() && !found->second.borrowed) {
    cached_ = &found->second;
    cached_->borrowed = true;
    statement_ = cached_->statement;
    return;
  }
  status_ =
      sqlite3_prepare_v2(database_, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr);
  if (status_ != SQLITE_OK || found != database.statements_.end()) return;
  cached_ =
      &database.statements_.emplace(std::string(sql), Connection::CachedStatement{}).first->second;
  cached_->statement = statement_;
  cached_->borrowed = true;
}

Statement::~Statement() {
  if (cached_ == nullptr) {
    sqlite3_finalize(statement_);
    return;
  }
  // Resetting also ends the read transaction that a statement keeps open until it is done.
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  cached_->borrowed = false;
}

void Statement::bind(int index, std::string_view text) {
  // A null pointer would bind SQL NULL; an empty view must bind ''.
  const char* data = text.data() != nullptr ? text.data() : "";
  keep(sqlite3_bind_text(statement_, index, data, static_cast<int>(text.size()), SQLITE_TRANSIENT));
}

void Statement::bind(int index, int64_t value) {
  keep(sqlite3_bind_int64(statement_, index, value));
}

Expected<bool, StoreError> Statement::step() {
  if (status_ != SQLITE_OK) return fail(status_);
  int result = sqlite3_step(statement_);
  if (result == SQLITE_ROW) return true;
  if (result == SQLITE_DONE) return false;
  return fail(result);
}

Expected<void, StoreError> Statement::run() {
  auto stepped = step();
  if (!stepped) return Unexpected(stepped.error());
  return {};
}

std::string Statement::text(int column) const {
  auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  return bytes ? std::string(bytes, sqlite3_column_bytes(statement_, column)) : std::string();
}

int64_t Statement::int64(int column) const { return sqlite3_column_int64(statement_, column); }

void Statement::keep(int result) {
  if (status_ == SQLITE_OK && result != SQLITE_OK) status_ = result;
}

Unexpected<StoreError> Statement::fail(int result) {
  obs::error("store index statement failed",
             {{"error", sqlite3_errmsg(database_)}, {"code", int64_t{result}}});
  return Unexpected(StoreError::kInternal);
}

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

Transaction::Transaction(Connection& database) : database_(database.handle()) {
  began_ = execute(database_, "BEGIN IMMEDIATE").has_value();
}

Transaction::~Transaction() {
  if (began_ && !committed_) execute(database_, "ROLLBACK");
}

Expected<void, StoreError> Transaction::commit() {
  auto result = execute(database_, "COMMIT");
  if (result) committed_ = true;
  return result;
}

int64_t to_millis(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

SystemTime from_millis(int64_t millis) {
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::milliseconds(millis)));
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

VersionRow read_version(const Statement& row, int first) {
  VersionRow out;
  out.seq = row.int64(first);
  auto& version = out.version;
  version.bucket = row.text(first + 1);
  version.key = row.text(first + 2);
  version.version_id = row.text(first + 3);
  version.delete_marker = row.int64(first + 4) != 0;
  version.file_id = row.text(first + 5);
  version.size = static_cast<uint64_t>(row.int64(first + 6));
  version.etag = row.text(first + 7);
  version.sha256_hex = row.text(first + 8);
  version.content_type = row.text(first + 9);
  version.user_metadata = decode_headers(row.text(first + 10));
  version.stored_headers = decode_headers(row.text(first + 11));
  version.last_modified = from_millis(row.int64(first + 12));
  version.checksum =
      read_checksum(row.text(first + 13), row.text(first + 14), row.text(first + 15));
  version.lock = read_lock(row.text(first + 16), row.int64(first + 17), row.text(first + 18));
  version.tags = decode_headers(row.text(first + 19));
  return out;
}

LockColumns lock_columns(const ObjectLock& lock) {
  LockColumns columns;
  if (lock.retention) {
    columns.mode = std::string(retention_mode_name(lock.retention->mode));
    columns.retain_until_ms = to_millis(lock.retention->retain_until);
  }
  if (lock.legal_hold) columns.legal_hold = *lock.legal_hold ? "ON" : "OFF";
  return columns;
}

ObjectLock read_lock(std::string_view mode, int64_t retain_until_ms, std::string_view legal_hold) {
  ObjectLock lock;
  if (auto parsed = parse_retention_mode(mode)) {
    lock.retention = Retention{*parsed, from_millis(retain_until_ms)};
  }
  if (!legal_hold.empty()) lock.legal_hold = legal_hold == "ON";
  return lock;
}

BucketInfo read_bucket(const Statement& row) {
  BucketInfo bucket{row.text(0), from_millis(row.int64(1)), versioning_from_code(row.int64(2)),
                    std::nullopt};
  if (row.int64(3) != 0) {
    bucket.object_lock = ObjectLockConfiguration{};
    if (auto mode = parse_retention_mode(row.text(4))) {
      bucket.object_lock->default_retention = DefaultRetention{*mode, row.int64(5), row.int64(6)};
    }
  }
  return bucket;
}

Expected<std::optional<BucketInfo>, StoreError> select_bucket(Connection& database,
                                                              const std::string& name) {
  static const std::string sql =
      "SELECT " + std::string(kBucketColumns) + " FROM buckets WHERE name = ?1";
  Statement select(database, sql);
  select.bind(1, name);
  auto row = select.step();
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<BucketInfo>();
  return std::optional<BucketInfo>(read_bucket(select));
}

Expected<std::optional<VersionRow>, StoreError> select_latest(Connection& database,
                                                              const std::string& bucket,
                                                              const std::string& key) {
  static const std::string sql = "SELECT " + std::string(kVersionColumns) +
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

Expected<std::optional<VersionRow>, StoreError> select_version(Connection& database,
                                                               const std::string& bucket,
                                                               const std::string& key,
                                                               const std::string& version_id) {
  static const std::string sql = "SELECT " + std::string(kVersionColumns) +
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

Expected<void, StoreError> insert_version(Connection& database, const ObjectVersion& version) {
  Statement insert(database,
                   "INSERT INTO versions (bucket, key, version_id, delete_marker, file_id, size, "
                   "etag, sha256, content_type, user_metadata, stored_headers, last_modified_ms, "
                   "checksum_algorithm, checksum_value, checksum_type, lock_mode, "
                   "retain_until_ms, legal_hold, tags) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                   "?16, ?17, ?18, ?19)");
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
  const auto& checksum = version.checksum;
  insert.bind(13, checksum ? checksum_name(checksum->algorithm) : std::string_view{});
  insert.bind(14, checksum ? std::string_view(checksum->value) : std::string_view{});
  insert.bind(15, checksum ? checksum_type_name(checksum->type) : std::string_view{});
  LockColumns lock = lock_columns(version.lock);
  insert.bind(16, lock.mode);
  insert.bind(17, lock.retain_until_ms);
  insert.bind(18, lock.legal_hold);
  insert.bind(19, encode_headers(version.tags));
  return insert.run();
}

Expected<void, StoreError> delete_version_row(Connection& database, int64_t seq) {
  Statement remove(database, "DELETE FROM versions WHERE seq = ?1");
  remove.bind(1, seq);
  return remove.run();
}

Expected<void, StoreError> remove_null_version(Connection& database, const std::string& bucket,
                                               const std::string& key,
                                               std::vector<std::string>& orphaned_file_ids) {
  auto existing = select_version(database, bucket, key, std::string(kNullVersionId));
  if (!existing) return Unexpected(existing.error());
  if (!*existing) return {};
  auto removed = delete_version_row(database, (*existing)->seq);
  if (!removed) return removed;
  if (!(*existing)->version.file_id.empty()) {
    orphaned_file_ids.push_back((*existing)->version.file_id);
  }
  return {};
}

Expected<void, StoreError> apply_bucket_lock(const BucketInfo& bucket, ObjectVersion& version) {
  const ObjectLock& lock = version.lock;
  if (!bucket.object_lock) {
    if (lock.retention || lock.legal_hold) return Unexpected(StoreError::kObjectLockNotEnabled);
    return {};
  }
  const auto& default_retention = bucket.object_lock->default_retention;
  if (!lock.retention && default_retention) {
    version.lock.retention = Retention{
        default_retention->mode, default_retain_until(*default_retention, version.last_modified)};
  }
  return {};
}

Expected<ObjectVersion, StoreError> insert_latest_version(
    Connection& database, ObjectVersion version, const std::string& new_version_id,
    const WritePrecondition& precondition, std::vector<std::string>& orphaned_file_ids) {
  auto bucket = select_bucket(database, version.bucket);
  if (!bucket) return Unexpected(bucket.error());
  if (!*bucket) return Unexpected(StoreError::kNoSuchBucket);
  auto latest = select_latest(database, version.bucket, version.key);
  if (!latest) return Unexpected(latest.error());
  std::optional<ObjectVersion> current;
  if (*latest) current = (*latest)->version;
  auto allowed = check_write_precondition(current, precondition);
  if (!allowed) return Unexpected(allowed.error());
  auto locked = apply_bucket_lock(**bucket, version);
  if (!locked) return Unexpected(locked.error());

  if ((*bucket)->versioning == Versioning::kEnabled) {
    version.version_id = new_version_id;
  } else {
    version.version_id = std::string(kNullVersionId);
    auto removed = remove_null_version(database, version.bucket, version.key, orphaned_file_ids);
    if (!removed) return Unexpected(removed.error());
  }
  auto inserted = insert_version(database, version);
  if (!inserted) return Unexpected(inserted.error());
  version.is_latest = true;
  return version;
}

}  // namespace satchel::store::index_sqlite
