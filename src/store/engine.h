// The storage engine of the embedded object store: buckets, object versions
// and their bytes on local disk, with no HTTP in sight. Every method blocks
// on disk or SQLite, so the HTTP layer calls them through http::offload().
//
// Layout under the root folder:
//   index.db          SQLite index of buckets and versions (WAL)
//   master-keys.json  master keys, unless one is configured (master_keys.h)
//   objects/ab/cd/ID  one encrypted file per object version or multipart
//                     part, named by a random id (encryption.h)
//   tmp/              bodies being received; emptied at start-up
//
// NOTE: a crash between renaming a body into objects/ and committing its
// index row leaves a file that no row names. Nothing removes such files yet.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/expected.h"
#include "store/bucket_encryption.h"
#include "store/index.h"
#include "store/lifecycle.h"
#include "store/master_keys.h"
#include "store/object_reader.h"
#include "store/object_writer.h"
#include "store/records.h"
#include "store/store_error.h"

namespace satchel::store {

inline constexpr size_t kMaxKeyBytes = 1024;
// S3's multipart limits: part numbers 1 to 10000, and every part but the
// last at least 5 MiB.
inline constexpr int kMaxPartNumber = 10000;
inline constexpr uint64_t kMinPartBytes = 5ULL << 20;
// S3 returns at most 1000 keys, versions, parts or uploads per listing.
inline constexpr size_t kMaxListEntries = 1000;

struct EngineOptions {
  std::filesystem::path root;
  // The largest PUT body, copy and multipart part.
  uint64_t max_object_bytes = 5ULL << 30;
  // Multipart uploads initiated longer ago are aborted by
  // abort_stale_uploads().
  std::chrono::seconds max_upload_age{std::chrono::hours(24 * 7)};
  std::shared_ptr<const Clock> clock = std::make_shared<SystemClock>();
  // Null: the key file <root>/master-keys.json, created when missing.
  std::shared_ptr<MasterKeyRing> master_keys;
};

// The outcome of Engine::rewrap_data_keys().
struct RewrapReport {
  size_t rewrapped = 0;
  // Files still under another key because their key is unknown or their
  // header is damaged; each is logged.
  size_t failed = 0;
  // Uploads in progress under an older key. Their files are published after
  // this pass, so another pass has to follow.
  size_t uploads_in_progress = 0;
};

// The outcome of Engine::run_lifecycle_once().
struct LifecycleReport {
  size_t buckets = 0;  // buckets with a lifecycle configuration
  size_t expired = 0;  // current versions expired: delete markers added or objects removed
  size_t noncurrent_removed = 0;
  size_t delete_markers_removed = 0;
  size_t uploads_aborted = 0;
  // Versions a rule selected but Object Lock protects.
  size_t locked_skipped = 0;
  // Buckets or keys whose processing failed; each is logged.
  size_t failed = 0;
};

// A write in progress, from Engine::begin_put() to Engine::commit_put().
// Dropping it without committing removes its temporary file.
class PendingPut {
 public:
  // Appends the next bytes of the body. Fails with kEntityTooLarge past the
  // declared Content-Length or the store's maximum object size.
  Expected<void, StoreError> append(std::string_view bytes);
  uint64_t size() const { return writer_.size(); }
  // Sets the raw checksum the body must match at commit, for a checksum that
  // arrives after the body (an aws-chunked trailer).
  void expect_checksum(std::string raw_checksum) {
    request_.expected_checksum = std::move(raw_checksum);
  }
  const PutRequest& request() const { return request_; }
  // Removes the temporary file now instead of at destruction.
  void abort() { writer_.discard(); }
  const std::filesystem::path& temp_path() const { return writer_.temp_path(); }

 private:
  friend class Engine;
  PendingPut(std::string bucket, std::string key, PutRequest request, ObjectWriter writer)
      : bucket_(std::move(bucket)),
        key_(std::move(key)),
        request_(std::move(request)),
        writer_(std::move(writer)) {}

  std::string bucket_;
  std::string key_;
  PutRequest request_;
  ObjectWriter writer_;
  // Set when the body is a part of this multipart upload.
  std::optional<MultipartUpload> upload_;
  int part_number_ = 0;
};

// An object version opened for reading. The reader owns the descriptor, so
// the bytes stay readable even if the version is deleted meanwhile.
class OpenObject {
 public:
  OpenObject(ObjectVersion version, ObjectReader reader)
      : version_(std::move(version)), reader_(std::move(reader)) {}

  const ObjectVersion& version() const { return version_; }
  ObjectReader& reader() { return reader_; }

 private:
  ObjectVersion version_;
  ObjectReader reader_;
};

// Thread-safe: the index serializes its own calls, and each write has its
// own temporary file.
class Engine {
 public:
  // Creates the layout under options.root when missing, removes leftover
  // temporary files and opens the index. Returns a message naming the path
  // on failure.
  static Expected<std::unique_ptr<Engine>, std::string> open(EngineOptions options);

  // Fails with kInvalidBucketName or kBucketAlreadyOwnedByYou. With
  // object_lock, Object Lock is enabled without a default retention and
  // versioning is enabled, whatever the versioning argument is.
  Expected<void, StoreError> create_bucket(const std::string& name,
                                           Versioning versioning = Versioning::kUnversioned,
                                           bool object_lock = false);
  Expected<BucketInfo, StoreError> bucket(const std::string& name);
  Expected<std::vector<BucketInfo>, StoreError> list_buckets();
  // Only kEnabled and kSuspended are accepted: S3 buckets never return to
  // unversioned. Suspending fails with kInvalidBucketState on a bucket with
  // Object Lock.
  Expected<void, StoreError> set_versioning(const std::string& bucket, Versioning versioning);
  Expected<void, StoreError> delete_bucket(const std::string& name);

  // Validates the bucket, key, size and precondition, then opens a temporary
  // file for the body. The precondition is checked again at commit, because
  // another write may land meanwhile.
  Expected<PendingPut, StoreError> begin_put(const std::string& bucket, const std::string& key,
                                             PutRequest request);
  // Checks the length and digests, makes the file durable, and records the
  // version in the index together with the precondition check. Nothing is
  // visible unless this succeeds, and nothing is left on disk if it fails.
  Expected<ObjectVersion, StoreError> commit_put(PendingPut pending);
  // begin_put(), one append() and commit_put() in one call.
  Expected<ObjectVersion, StoreError> put(const std::string& bucket, const std::string& key,
                                          std::string_view body, PutRequest request = {});

  // The latest version of the key, or the version named by version_id; a
  // delete marker is returned as is. Fails with kNoSuchKey or kNoSuchVersion.
  Expected<ObjectVersion, StoreError> find_version(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::optional<std::string>& version_id);
  // Like find_version(), but a delete marker fails: with kNoSuchKey when it
  // is the latest version, with kVersionIsDeleteMarker when named by id.
  Expected<ObjectVersion, StoreError> head(const std::string& bucket, const std::string& key,
                                           const std::optional<std::string>& version_id);
  // head() plus an open descriptor on the data file.
  Expected<OpenObject, StoreError> open_object(const std::string& bucket, const std::string& key,
                                               const std::optional<std::string>& version_id);
  // Opens the data file of a version found earlier and checks its
  // encryption header. Fails with kNoSuchKey when a delete has removed it
  // since, and with kInternal (logged) when the file is damaged or its
  // master key is missing.
  Expected<OpenObject, StoreError> open_version(const ObjectVersion& version);
  // Reads a whole object into memory; for tests and small objects only.
  Expected<std::string, StoreError> read_object(const std::string& bucket, const std::string& key,
                                                const std::optional<std::string>& version_id);

  // Without a version id: S3's simple delete (a delete marker when the
  // bucket is versioned). With one: removes that version permanently, and
  // succeeds when it does not exist. A version under a legal hold or an
  // unexpired retention fails with kObjectLocked, except a GOVERNANCE
  // retention with bypass_governance.
  Expected<DeleteResult, StoreError> delete_object(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::optional<std::string>& version_id,
                                                   bool bypass_governance = false);

  // CopyObject: writes the bytes of source, found earlier with
  // find_version(), as a new version of the destination, checking the
  // request's precondition against the destination. Without a checksum
  // algorithm in request, the source's algorithm is used. Fails with
  // kNoSuchKey when the source was deleted meanwhile.
  Expected<ObjectVersion, StoreError> copy_version(const ObjectVersion& source,
                                                   const std::string& bucket,
                                                   const std::string& key, PutRequest request);

  // Listing (engine_listing.cc). max_keys is capped at kMaxListEntries.
  Expected<ObjectListing, StoreError> list_objects(const std::string& bucket,
                                                   ListObjectsQuery query);
  // Fails with kInvalidVersionId when version_id_marker names no version of
  // key_marker.
  Expected<VersionListing, StoreError> list_versions(const std::string& bucket,
                                                     ListVersionsQuery query);

  // Multipart upload (engine_multipart.cc). Each call but create_upload
  // fails with kNoSuchUpload unless upload_id names an upload of this
  // bucket and key.
  Expected<MultipartUpload, StoreError> create_upload(const std::string& bucket,
                                                      const std::string& key,
                                                      MultipartUpload settings);
  // Like begin_put(), for part part_number (1 to kMaxPartNumber). The part
  // gets the upload's checksum algorithm; a request naming another one
  // fails with kChecksumTypeMismatch.
  Expected<PendingPut, StoreError> begin_part(const std::string& bucket, const std::string& key,
                                              const std::string& upload_id, int part_number,
                                              PutRequest request);
  // Checks and stores a part begun with begin_part(), replacing an earlier
  // part with its number.
  Expected<UploadedPart, StoreError> commit_part(PendingPut pending);
  // UploadPartCopy: stores length bytes of source from offset first as the
  // part. The caller has checked the range against the source's size.
  Expected<UploadedPart, StoreError> copy_part(const ObjectVersion& source, uint64_t first,
                                               uint64_t length, const std::string& bucket,
                                               const std::string& key, const std::string& upload_id,
                                               int part_number);
  // Assembles the listed parts into a new object version, durably, and ends
  // the upload. Errors: kInvalidPartOrder, kInvalidPart, kEntityTooSmall,
  // kChecksumMismatch against request.expected_checksum, and the
  // precondition's errors.
  Expected<ObjectVersion, StoreError> complete_upload(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& upload_id,
                                                      const CompleteRequest& request);
  Expected<void, StoreError> abort_upload(const std::string& bucket, const std::string& key,
                                          const std::string& upload_id);
  // Parts numbered above part_number_marker, at most max_parts of them.
  Expected<PartListing, StoreError> list_parts(const std::string& bucket, const std::string& key,
                                               const std::string& upload_id, int part_number_marker,
                                               size_t max_parts);
  Expected<UploadListing, StoreError> list_uploads(const std::string& bucket,
                                                   const ListUploadsQuery& query);
  // Aborts every upload initiated more than max_upload_age ago and returns
  // how many there were.
  Expected<size_t, StoreError> abort_stale_uploads();

  // Master keys (engine_keys.cc). Rewraps the data key of every data file
  // that is not under the current master key, and leaves its segments
  // unchanged. Each file is copied with a new header and renamed over the
  // old one, so a reader that opened the old file keeps reading it. Safe
  // while requests run.
  // A stop request ends the pass early.
  Expected<RewrapReport, StoreError> rewrap_data_keys(const std::stop_token& stop = {});
  MasterKeyRing& master_keys() { return *options_.master_keys; }

  // Bucket CORS configurations (engine_cors.cc). They are cached in memory,
  // so cors_rules() never blocks and may run on an I/O thread.
  std::shared_ptr<const std::vector<CorsRule>> cors_rules(const std::string& bucket) const;
  // Fails with kNoSuchBucket or kNoSuchCorsConfiguration.
  Expected<std::vector<CorsRule>, StoreError> get_cors(const std::string& bucket);
  Expected<void, StoreError> put_cors(const std::string& bucket, std::vector<CorsRule> rules);
  Expected<void, StoreError> delete_cors(const std::string& bucket);

  // Bucket lifecycle, default encryption and Object Lock configurations
  // (engine_config.cc). Each fails with kNoSuchBucket.
  //
  // Fails with kNoSuchLifecycleConfiguration when none is set.
  Expected<std::vector<LifecycleRule>, StoreError> get_lifecycle(const std::string& bucket);
  Expected<void, StoreError> put_lifecycle(const std::string& bucket,
                                           const std::vector<LifecycleRule>& rules);
  Expected<void, StoreError> delete_lifecycle(const std::string& bucket);
  // The stored configuration, or AES256 without a Bucket Key when none is
  // set, because every object is encrypted either way.
  Expected<BucketEncryption, StoreError> get_encryption(const std::string& bucket);
  Expected<void, StoreError> put_encryption(const std::string& bucket,
                                            const BucketEncryption& encryption);
  Expected<void, StoreError> delete_encryption(const std::string& bucket);
  // Fails with kObjectLockConfigurationNotFound when Object Lock is off.
  Expected<ObjectLockConfiguration, StoreError> get_object_lock(const std::string& bucket);
  // Enables Object Lock or replaces its default retention. Fails with
  // kInvalidBucketState unless versioning is enabled.
  Expected<void, StoreError> put_object_lock(const std::string& bucket,
                                             const ObjectLockConfiguration& configuration);

  // Object Lock of one version (engine_lock.cc): the latest when version_id
  // is nullopt. Each fails with kObjectLockNotEnabled on a bucket without
  // Object Lock, with kNoSuchKey or kNoSuchVersion, and with
  // kVersionIsDeleteMarker for a delete marker.
  //
  // The version with its lock.
  Expected<ObjectVersion, StoreError> find_locked_version(
      const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id);
  // Sets or (with nullopt) removes the retention, as check_retention_change()
  // allows; kObjectLocked otherwise.
  Expected<ObjectVersion, StoreError> set_retention(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::optional<std::string>& version_id,
                                                    const std::optional<Retention>& retention,
                                                    bool bypass_governance);
  Expected<ObjectVersion, StoreError> set_legal_hold(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::optional<std::string>& version_id,
                                                     bool on);

  // Replaces the tags of one version (engine_tagging.cc), the latest when
  // version_id is nullopt; an empty list removes them. tags must have passed
  // validate_tags(). Fails with kNoSuchKey, kNoSuchVersion or
  // kVersionIsDeleteMarker. GetObjectTagging reads them with head().
  Expected<ObjectVersion, StoreError> set_tags(const std::string& bucket, const std::string& key,
                                               const std::optional<std::string>& version_id,
                                               const HeaderList& tags);

  // Applies every bucket's lifecycle rules as of now, once
  // (engine_lifecycle.cc): expires current versions, removes noncurrent
  // versions and expired delete markers, and aborts multipart uploads.
  // Versions protected by Object Lock are skipped. Blocks on disk and the
  // index for as long as the pass takes; the store's lifecycle thread calls
  // it periodically.
  Expected<LifecycleReport, StoreError> run_lifecycle_once(SystemTime now);

  std::filesystem::path object_path(std::string_view file_id) const;
  const std::filesystem::path& temp_dir() const { return temp_dir_; }
  const std::filesystem::path& objects_dir() const { return objects_dir_; }
  uint64_t max_object_bytes() const { return options_.max_object_bytes; }
  const Clock& clock() const { return *options_.clock; }

 private:
  Engine(EngineOptions options, std::unique_ptr<StoreIndex> index);
  static std::string new_version_id();
  void remove_files(const std::vector<std::string>& file_ids);
  Expected<void, std::string> load_cors();
  // Writes the writer's file into objects/ under a new file id, after
  // checking it against the request. Returns the published version's
  // fields: file id, size, ETag, SHA-256 and checksum.
  Expected<ObjectVersion, StoreError> publish_body(ObjectWriter& writer, const PutRequest& request);
  // Opens the data file file_id holding size plaintext bytes.
  Expected<ObjectReader, StoreError> open_data(const std::string& file_id, uint64_t size);
  Expected<ObjectWriter, StoreError> new_writer(uint64_t max_bytes,
                                                std::optional<ChecksumAlgorithm> checksum);
  Expected<bool, StoreError> rewrap_file(const std::filesystem::path& path,
                                         const MasterKey& current);
  Expected<MultipartUpload, StoreError> find_upload(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::string& upload_id);
  // Applies the rules to the versions of one key, newest first.
  void apply_lifecycle_to_key(const std::string& bucket, const std::vector<LifecycleRule>& rules,
                              const std::vector<ObjectVersion>& versions, SystemTime now,
                              LifecycleReport& report);
  void apply_lifecycle_to_bucket(const std::string& bucket, const std::vector<LifecycleRule>& rules,
                                 SystemTime now, LifecycleReport& report);

  EngineOptions options_;
  std::filesystem::path temp_dir_;
  std::filesystem::path objects_dir_;
  std::unique_ptr<StoreIndex> index_;
  mutable std::mutex cors_mutex_;
  // Bucket name to its CORS rules; guarded by cors_mutex_.
  std::map<std::string, std::shared_ptr<const std::vector<CorsRule>>, std::less<>> cors_;
};

// Appends length plaintext bytes of reader from offset first to pending.
Expected<void, StoreError> append_object(ObjectReader& reader, PendingPut& pending, uint64_t first,
                                         uint64_t length);

// Data files under a store root (objects/ and the uploads in progress in
// tmp/) per master key id; plain files count under "". Reads headers only,
// so it is safe beside a running store. Files that vanish meanwhile are
// skipped.
std::map<std::string, size_t> data_files_by_key(const std::filesystem::path& root);

// S3 bucket naming rules: 3-63 characters of lower-case letters, digits,
// dots and hyphens, starting and ending with a letter or digit, no "..",
// and not shaped like an IPv4 address.
bool is_valid_bucket_name(std::string_view name);
// Non-empty valid UTF-8 of at most kMaxKeyBytes bytes.
Expected<void, StoreError> validate_key(std::string_view key);
// "null" or 1-128 characters of letters, digits, '-', '_' and '.'.
bool is_valid_version_id(std::string_view version_id);

}  // namespace satchel::store
