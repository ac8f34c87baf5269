// The store's own SQLite index of buckets and object versions. It is the
// source of truth for what exists: a data file that no version row names is
// garbage, never an object.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "store/records.h"
#include "store/store_error.h"

struct sqlite3;

namespace satchel::store {

// The outcome of recording a version or a delete marker: what is now stored,
// and the data files of versions it replaced, which the caller unlinks.
struct IndexChange {
  ObjectVersion version;
  std::vector<std::string> orphaned_file_ids;
};

// Checks a write's precondition against the key's latest version (nullopt
// when the key has none). S3 semantics: If-None-Match: * fails with
// kPreconditionFailed when a current object exists; If-Match fails with
// kNoSuchKey when there is none and kPreconditionFailed when the ETag
// differs. A delete marker counts as no current object.
Expected<void, StoreError> check_write_precondition(const std::optional<ObjectVersion>& latest,
                                                    const WritePrecondition& precondition);

// Thread-safe: every call takes the connection's mutex, so calls from the
// worker pool are serialized. All calls block on disk; call them off the I/O
// threads.
class StoreIndex {
 public:
  // Opens or creates the database (mode 0600) with WAL and synchronous=FULL,
  // so a committed write survives power loss, and creates the schema.
  static Expected<std::unique_ptr<StoreIndex>, std::string> open(const std::filesystem::path& path);
  ~StoreIndex();
  StoreIndex(const StoreIndex&) = delete;
  StoreIndex& operator=(const StoreIndex&) = delete;

  Expected<void, StoreError> create_bucket(const BucketInfo& bucket);
  Expected<std::optional<BucketInfo>, StoreError> find_bucket(const std::string& name);
  Expected<std::vector<BucketInfo>, StoreError> list_buckets();
  Expected<void, StoreError> set_versioning(const std::string& bucket, Versioning versioning);
  // Fails with kBucketNotEmpty while any version or delete marker remains.
  Expected<void, StoreError> delete_bucket(const std::string& name);

  // The newest version or delete marker of the key, if any.
  Expected<std::optional<ObjectVersion>, StoreError> latest_version(const std::string& bucket,
                                                                    const std::string& key);
  Expected<std::optional<ObjectVersion>, StoreError> find_version(const std::string& bucket,
                                                                  const std::string& key,
                                                                  const std::string& version_id);

  // Records a new object version in one transaction: checks the bucket and
  // the precondition against the current latest version, then inserts it.
  // The version id is new_version_id in a versioning-enabled bucket and
  // "null" otherwise, and a previous "null" version is replaced.
  Expected<IndexChange, StoreError> record_version(ObjectVersion version,
                                                   const std::string& new_version_id,
                                                   const WritePrecondition& precondition);

  // Deletes without a version id: adds a delete marker when versioning is
  // enabled or suspended (replacing the "null" version when suspended), and
  // removes the "null" version of an unversioned bucket.
  Expected<IndexChange, StoreError> delete_latest(const std::string& bucket, const std::string& key,
                                                  const std::string& marker_version_id,
                                                  SystemTime now);
  // Removes one version or delete marker. Returns nullopt when it did not
  // exist, which S3 treats as success.
  Expected<std::optional<IndexChange>, StoreError> delete_version(const std::string& bucket,
                                                                  const std::string& key,
                                                                  const std::string& version_id);

 private:
  explicit StoreIndex(sqlite3* database) : database_(database) {}

  std::mutex mutex_;
  sqlite3* database_;  // guarded by mutex_
};

}  // namespace satchel::store
