// The store's own SQLite index of buckets and object versions. It is the
// source of truth for what exists: a data file that no version row names is
// garbage, never an object.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.h"
#include "store/records.h"
#include "store/store_error.h"

namespace satchel::store {

namespace index_sqlite {
class Connection;
}

// The outcome of recording a version or a delete marker: what is now stored,
// and the data files of versions it replaced, which the caller unlinks.
struct IndexChange {
  ObjectVersion version;
  std::vector<std::string> orphaned_file_ids;
};

// A version with its row's insertion sequence, which orders the versions of
// a key (higher is newer) and positions version listings.
struct ListedVersion {
  int64_t seq = 0;
  ObjectVersion version;
};

// A position in a version listing: rows after it have a greater key, or the
// same key and a smaller seq. seq 0 means after every version of key.
struct VersionCursor {
  std::string key;
  int64_t seq = 0;
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
  // Fails with kInvalidBucketState when suspending versioning on a bucket
  // with Object Lock.
  Expected<void, StoreError> set_versioning(const std::string& bucket, Versioning versioning);
  // Fails with kBucketNotEmpty while any version, delete marker or
  // multipart upload remains.
  Expected<void, StoreError> delete_bucket(const std::string& name);
  // Stores a bucket's CORS configuration as an opaque document; an empty
  // one removes it.
  Expected<void, StoreError> set_cors(const std::string& bucket, const std::string& document);
  // Every bucket's CORS document, as (bucket, document) pairs.
  Expected<std::vector<std::pair<std::string, std::string>>, StoreError> list_cors();

  // Bucket configurations (index_config.cc). Lifecycle and encryption
  // configurations are opaque documents; an empty one removes it.
  enum class BucketDocument { kLifecycle, kEncryption };
  Expected<void, StoreError> set_bucket_document(const std::string& bucket, BucketDocument kind,
                                                 const std::string& document);
  // The bucket's document, empty when none is stored. Fails with
  // kNoSuchBucket.
  Expected<std::string, StoreError> bucket_document(const std::string& bucket, BucketDocument kind);
  // Every bucket's lifecycle document, as (bucket, document) pairs.
  Expected<std::vector<std::pair<std::string, std::string>>, StoreError> list_lifecycles();
  // Enables Object Lock with this configuration, or replaces it. Fails with
  // kInvalidBucketState unless versioning is enabled.
  Expected<void, StoreError> set_object_lock(const std::string& bucket,
                                             const ObjectLockConfiguration& configuration);

  // Replaces the lock of a version (the latest when version_id is nullopt)
  // with what change returns, in one transaction, and returns the updated
  // version. change receives the bucket and the version, and its failure
  // is returned. Fails with kNoSuchKey, kNoSuchVersion or
  // kVersionIsDeleteMarker.
  using LockChange =
      std::function<Expected<ObjectLock, StoreError>(const BucketInfo&, const ObjectVersion&)>;
  Expected<ObjectVersion, StoreError> update_lock(const std::string& bucket, const std::string& key,
                                                  const std::optional<std::string>& version_id,
                                                  const LockChange& change);

  // Replaces the tags of a version (the latest when version_id is nullopt)
  // and returns the updated version. Fails like update_lock().
  Expected<ObjectVersion, StoreError> update_tags(const std::string& bucket, const std::string& key,
                                                  const std::optional<std::string>& version_id,
                                                  const HeaderList& tags);

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
  // removes the "null" version of an unversioned bucket. With
  // only_if_latest, fails with kPreconditionFailed unless the key's latest
  // row is still that version and not a delete marker.
  Expected<IndexChange, StoreError> delete_latest(
      const std::string& bucket, const std::string& key, const std::string& marker_version_id,
      SystemTime now, const std::optional<std::string>& only_if_latest = std::nullopt);
  // Removes one version or delete marker, unless its Object Lock protects
  // it at now (kObjectLocked, see check_version_removal()). Returns nullopt
  // when it did not exist, which S3 treats as success.
  Expected<std::optional<IndexChange>, StoreError> delete_version(const std::string& bucket,
                                                                  const std::string& key,
                                                                  const std::string& version_id,
                                                                  SystemTime now,
                                                                  bool bypass_governance);

  // Listing (index_listing.cc). Keys are compared as bytes, which is S3's
  // order for UTF-8 keys. Both return at most limit rows.
  //
  // The newest row of each key that starts with prefix and sorts after
  // `after`, in key order; delete markers included.
  Expected<std::vector<ObjectVersion>, StoreError> list_latest(const std::string& bucket,
                                                               const std::string& prefix,
                                                               const std::string& after,
                                                               size_t limit);
  // Every row of keys that start with prefix, after the cursor, by key and
  // then newest first, with is_latest set.
  Expected<std::vector<ListedVersion>, StoreError> list_versions(const std::string& bucket,
                                                                 const std::string& prefix,
                                                                 const VersionCursor& cursor,
                                                                 size_t limit);
  // The seq of a version, or nullopt when it does not exist.
  Expected<std::optional<int64_t>, StoreError> version_seq(const std::string& bucket,
                                                           const std::string& key,
                                                           const std::string& version_id);

  // Multipart uploads (index_multipart.cc).
  //
  // Fails with kNoSuchBucket.
  Expected<void, StoreError> create_upload(const MultipartUpload& upload);
  // The upload with this id for this bucket and key, or nullopt.
  Expected<std::optional<MultipartUpload>, StoreError> find_upload(const std::string& bucket,
                                                                   const std::string& key,
                                                                   const std::string& upload_id);
  // Records a part, replacing an earlier one with its number. Returns the
  // data file of the replaced part, if any. Fails with kNoSuchUpload.
  Expected<std::vector<std::string>, StoreError> record_part(const MultipartUpload& upload,
                                                             const UploadedPart& part);
  // Every part of the upload, by part number.
  Expected<std::vector<UploadedPart>, StoreError> list_parts(const std::string& upload_id);
  // In one transaction: checks that the upload still exists (kNoSuchUpload)
  // and the precondition, records the version as put does, and removes the
  // upload. The orphaned files include every part file.
  Expected<IndexChange, StoreError> complete_upload(const MultipartUpload& upload,
                                                    ObjectVersion version,
                                                    const std::string& new_version_id,
                                                    const WritePrecondition& precondition);
  // Removes the upload and returns its part files. Fails with kNoSuchUpload.
  Expected<std::vector<std::string>, StoreError> abort_upload(const MultipartUpload& upload);
  // The bucket's uploads whose key starts with prefix, by key, then
  // initiation time, then id.
  Expected<std::vector<MultipartUpload>, StoreError> list_uploads(const std::string& bucket,
                                                                  const std::string& prefix);
  // Whether a version or an uploaded part names the data file.
  Expected<bool, StoreError> file_in_use(const std::string& file_id);
  // Uploads of every bucket initiated before the given time.
  Expected<std::vector<MultipartUpload>, StoreError> uploads_initiated_before(SystemTime time);

 private:
  explicit StoreIndex(std::unique_ptr<index_sqlite::Connection> database);

  std::mutex mutex_;
  std::unique_ptr<index_sqlite::Connection> database_;  // guarded by mutex_
};

}  // namespace satchel::store
