// SQLite helpers shared by the files of the store index: statements,
// transactions, and the conversions between rows and records. Internal to
// the index; callers hold StoreIndex's mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/expected.h"
#include "store/records.h"
#include "store/store_error.h"

namespace satchel::store::index_sqlite {

// The index's SQLite connection and the statements prepared on it. Each SQL
// text is compiled once and kept until the connection closes, because
// compiling it on every request took about 29 % of a 4 KiB GET's CPU in a
// perf profile of the embedded store. Not thread-safe: callers hold
// StoreIndex's mutex.
class Connection {
 public:
  // Takes ownership of handle and closes it on destruction.
  explicit Connection(sqlite3* handle) : handle_(handle) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return handle_; }

 private:
  friend class Statement;

  struct CachedStatement {
    sqlite3_stmt* statement = nullptr;
    bool borrowed = false;  // true while a Statement uses it
  };
  // Lets the cache look up a std::string key by std::string_view.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  sqlite3* handle_;
  std::unordered_map<std::string, CachedStatement, TextHash, std::equal_to<>> statements_;
};

// One prepared statement, borrowed from its connection's cache. Destroying
// it resets the statement and clears its bindings for the next borrower.
// While the cached statement for the same SQL is borrowed, a second one is
// prepared and finalized on destruction. Parameters are numbered from 1 and
// columns from 0, as in the SQLite C API.
class Statement {
 public:
  Statement(Connection& database, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, std::string_view text);
  void bind(int index, int64_t value);

  // Returns true when a row is ready, false when done.
  Expected<bool, StoreError> step();
  Expected<void, StoreError> run();

  std::string text(int column) const;
  int64_t int64(int column) const;

 private:
  void keep(int result);
  Unexpected<StoreError> fail(int result);

  sqlite3* database_;
  sqlite3_stmt* statement_ = nullptr;
  // The cache entry statement_ came from, or null for an uncached statement.
  Connection::CachedStatement* cached_ = nullptr;
  int status_ = SQLITE_OK;
};

// Runs SQL without results; logs and returns kInternal on failure.
Expected<void, StoreError> execute(sqlite3* database, const char* sql);

// Rolls back unless commit() succeeded, so every early return leaves the
// index as it was.
class Transaction {
 public:
  explicit Transaction(Connection& database);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  bool began() const { return began_; }
  Expected<void, StoreError> commit();

 private:
  sqlite3* database_;
  bool began_ = false;
  bool committed_ = false;
};

int64_t to_millis(SystemTime time);
SystemTime from_millis(int64_t millis);

// Header lists are stored as JSON arrays of [name, value] pairs.
std::string encode_headers(const HeaderList& headers);
HeaderList decode_headers(std::string_view text);

// The columns every version query selects, in the order read_version()
// reads them.
inline constexpr std::string_view kVersionColumns =
    "seq, bucket, key, version_id, delete_marker, file_id, size, etag, sha256, content_type, "
    "user_metadata, stored_headers, last_modified_ms, checksum_algorithm, checksum_value, "
    "checksum_type, lock_mode, retain_until_ms, legal_hold, tags";
inline constexpr int kVersionColumnCount = 20;

struct VersionRow {
  int64_t seq = 0;
  ObjectVersion version;
};
// Reads the kVersionColumns starting at column first.
VersionRow read_version(const Statement& row, int first = 0);

// The columns every bucket query selects, in the order read_bucket() reads
// them.
inline constexpr std::string_view kBucketColumns =
    "name, created_at_ms, versioning, object_lock, default_retention_mode, "
    "default_retention_days, default_retention_years";
BucketInfo read_bucket(const Statement& row);

// An object lock as three columns: mode ('' without a retention), retain
// until in milliseconds, and legal hold ('', "ON" or "OFF").
struct LockColumns {
  std::string mode;
  int64_t retain_until_ms = 0;
  std::string legal_hold;
};
LockColumns lock_columns(const ObjectLock& lock);
ObjectLock read_lock(std::string_view mode, int64_t retain_until_ms, std::string_view legal_hold);

Expected<std::optional<BucketInfo>, StoreError> select_bucket(Connection& database,
                                                              const std::string& name);
Expected<std::optional<VersionRow>, StoreError> select_latest(Connection& database,
                                                              const std::string& bucket,
                                                              const std::string& key);
Expected<std::optional<VersionRow>, StoreError> select_version(Connection& database,
                                                               const std::string& bucket,
                                                               const std::string& key,
                                                               const std::string& version_id);
Expected<void, StoreError> insert_version(Connection& database, const ObjectVersion& version);
Expected<void, StoreError> delete_version_row(Connection& database, int64_t seq);

// Rejects a lock on a version for a bucket without Object Lock
// (kObjectLockNotEnabled), and gives a version without a retention the
// bucket's default retention, counted from its last_modified.
Expected<void, StoreError> apply_bucket_lock(const BucketInfo& bucket, ObjectVersion& version);

// Checks the bucket and the precondition, applies the bucket's lock rules,
// then inserts version as the key's
// newest: under new_version_id when versioning is enabled, else as "null",
// replacing the previous "null" version. Adds the data files of replaced
// versions to orphaned_file_ids. Runs inside the caller's transaction.
Expected<ObjectVersion, StoreError> insert_latest_version(
    Connection& database, ObjectVersion version, const std::string& new_version_id,
    const WritePrecondition& precondition, std::vector<std::string>& orphaned_file_ids);

// Removes the key's "null" version, if any, and adds its data file to
// orphaned_file_ids.
Expected<void, StoreError> remove_null_version(Connection& database, const std::string& bucket,
                                               const std::string& key,
                                               std::vector<std::string>& orphaned_file_ids);

}  // namespace satchel::store::index_sqlite
