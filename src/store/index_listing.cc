// The listing queries of the store index.
#include <sqlite3.h>

#include "store/index.h"
#include "store/index_sqlite.h"

namespace satchel::store {
namespace {

using index_sqlite::Statement;

// Valid UTF-8 never contains the byte 0xFF, so every key that starts with
// prefix sorts below prefix + "\xFF" and every other key at or above prefix
// sorts above it. SQLite compares TEXT with memcmp under its default
// collation, so the pair bounds the prefix's keys exactly.
std::string prefix_end(const std::string& prefix) { return prefix + "\xFF"; }

}  // namespace

Expected<std::vector<ObjectVersion>, StoreError> StoreIndex::list_latest(const std::string& bucket,
                                                                         const std::string& prefix,
                                                                         const std::string& after,
                                                                         size_t limit) {
  static const std::string sql =
      "SELECT " + std::string(index_sqlite::kVersionColumns) +
      " FROM versions v WHERE bucket = ?1 AND key > ?2 AND key >= ?3 AND key < ?4 "
      "AND seq = (SELECT MAX(seq) FROM versions w WHERE w.bucket = v.bucket AND w.key = v.key) "
      "ORDER BY key LIMIT ?5";
  std::lock_guard lock(mutex_);
  Statement select(*database_, sql);
  select.bind(1, bucket);
  select.bind(2, after);
  select.bind(3, prefix);
  select.bind(4, prefix_end(prefix));
  select.bind(5, static_cast<int64_t>(limit));
  std::vector<ObjectVersion> versions;
  for (;;) {
    auto row = select.step();
    if (!row) return Unexpected(row.error());
    if (!*row) return versions;
    versions.push_back(index_sqlite::read_version(select).version);
    versions.back().is_latest = true;
  }
}

Expected<std::vector<ListedVersion>, StoreError> StoreIndex::list_versions(
    const std::string& bucket, const std::string& prefix, const VersionCursor& cursor,
    size_t limit) {
  static const std::string sql =
      "SELECT " + std::string(index_sqlite::kVersionColumns) +
      ", seq = (SELECT MAX(seq) FROM versions w WHERE w.bucket = v.bucket AND w.key = v.key) "
      "FROM versions v WHERE bucket = ?1 AND key >= ?2 AND key < ?3 "
      "AND (key > ?4 OR (key = ?4 AND seq < ?5)) ORDER BY key, seq DESC LIMIT ?6";
  std::lock_guard lock(mutex_);
  Statement select(*database_, sql);
  select.bind(1, bucket);
  select.bind(2, prefix);
  select.bind(3, prefix_end(prefix));
  select.bind(4, cursor.key);
  select.bind(5, cursor.seq);
  select.bind(6, static_cast<int64_t>(limit));
  std::vector<ListedVersion> versions;
  for (;;) {
    auto row = select.step();
    if (!row) return Unexpected(row.error());
    if (!*row) return versions;
    auto read = index_sqlite::read_version(select);
    read.version.is_latest = select.int64(index_sqlite::kVersionColumnCount) != 0;
    versions.push_back(ListedVersion{read.seq, std::move(read.version)});
  }
}

Expected<std::optional<int64_t>, StoreError> StoreIndex::version_seq(
    const std::string& bucket, const std::string& key, const std::string& version_id) {
  std::lock_guard lock(mutex_);
  Statement select(*database_,
                   "SELECT seq FROM versions WHERE bucket = ?1 AND key = ?2 AND version_id = ?3");
  select.bind(1, bucket);
  select.bind(2, key);
  select.bind(3, version_id);
  auto row = select.step();
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(select.int64(0));
}

}  // namespace satchel::store
