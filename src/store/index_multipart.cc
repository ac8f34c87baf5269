// The multipart upload tables of the store index.
#include <sqlite3.h>

#include "store/index.h"
#include "store/index_sqlite.h"

namespace satchel::store {
namespace {

using index_sqlite::from_millis;
using index_sqlite::Statement;
using index_sqlite::to_millis;
using index_sqlite::Transaction;

constexpr std::string_view kUploadColumns =
    "upload_id, bucket, key, initiated_ms, content_type, user_metadata, stored_headers, "
    "checksum_algorithm, checksum_type, lock_mode, retain_until_ms, legal_hold, tags";

MultipartUpload read_upload(const Statement& row) {
  MultipartUpload upload;
  upload.upload_id = row.text(0);
  upload.bucket = row.text(1);
  upload.key = row.text(2);
  upload.initiated = from_millis(row.int64(3));
  upload.content_type = row.text(4);
  upload.user_metadata = index_sqlite::decode_headers(row.text(5));
  upload.stored_headers = index_sqlite::decode_headers(row.text(6));
  upload.checksum_algorithm = parse_checksum_algorithm(row.text(7));
  upload.checksum_type = parse_checksum_type(row.text(8)).value_or(ChecksumType::kComposite);
  upload.lock = index_sqlite::read_lock(row.text(9), row.int64(10), row.text(11));
  upload.tags = index_sqlite::decode_headers(row.text(12));
  return upload;
}

Expected<std::vector<MultipartUpload>, StoreError> read_uploads(Statement& select) {
  std::vector<MultipartUpload> uploads;
  for (;;) {
    auto row = select.step();
    if (!row) return Unexpected(row.error());
    if (!*row) return uploads;
    uploads.push_back(read_upload(select));
  }
}

Expected<bool, StoreError> upload_exists(index_sqlite::Connection& database,
                                         const MultipartUpload& upload) {
  Statement select(database,
                   "SELECT 1 FROM uploads WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3");
  select.bind(1, upload.upload_id);
  select.bind(2, upload.bucket);
  select.bind(3, upload.key);
  return select.step();
}

Expected<std::vector<UploadedPart>, StoreError> select_parts(index_sqlite::Connection& database,
                                                             const std::string& upload_id) {
  Statement select(database,
                   "SELECT part_number, file_id, size, etag, checksum, last_modified_ms "
                   "FROM parts WHERE upload_id = ?1 ORDER BY part_number");
  select.bind(1, upload_id);
  std::vector<UploadedPart> parts;
  for (;;) {
    auto row = select.step();
    if (!row) return Unexpected(row.error());
    if (!*row) return parts;
    parts.push_back(UploadedPart{static_cast<int>(select.int64(0)), select.text(1),
                                 static_cast<uint64_t>(select.int64(2)), select.text(3),
                                 select.text(4), from_millis(select.int64(5))});
  }
}

// Deletes the upload row (its parts go with it) and returns the part files.
Expected<std::vector<std::string>, StoreError> remove_upload(index_sqlite::Connection& database,
                                                             const std::string& upload_id) {
  auto parts = select_parts(database, upload_id);
  if (!parts) return Unexpected(parts.error());
  Statement remove(database, "DELETE FROM uploads WHERE upload_id = ?1");
  remove.bind(1, upload_id);
  auto done = remove.run();
  if (!done) return Unexpected(done.error());
  std::vector<std::string> files;
  for (const auto& part : *parts) files.push_back(part.file_id);
  return files;
}

}  // namespace

Expected<void, StoreError> StoreIndex::create_upload(const MultipartUpload& upload) {
  std::lock_guard lock(mutex_);
  auto bucket = index_sqlite::select_bucket(*database_, upload.bucket);
  if (!bucket) return Unexpected(bucket.error());
  if (!*bucket) return Unexpected(StoreError::kNoSuchBucket);
  if (!(*bucket)->object_lock && (upload.lock.retention || upload.lock.legal_hold)) {
    return Unexpected(StoreError::kObjectLockNotEnabled);
  }
  Statement insert(*database_,
                   "INSERT INTO uploads (" + std::string(kUploadColumns) +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  insert.bind(1, upload.upload_id);
  insert.bind(2, upload.bucket);
  insert.bind(3, upload.key);
  insert.bind(4, to_millis(upload.initiated));
  insert.bind(5, upload.content_type);
  insert.bind(6, index_sqlite::encode_headers(upload.user_metadata));
  insert.bind(7, index_sqlite::encode_headers(upload.stored_headers));
  insert.bind(8, upload.checksum_algorithm ? checksum_name(*upload.checksum_algorithm)
                                           : std::string_view{});
  insert.bind(9, checksum_type_name(upload.checksum_type));
  auto lock_state = index_sqlite::lock_columns(upload.lock);
  insert.bind(10, lock_state.mode);
  insert.bind(11, lock_state.retain_until_ms);
  insert.bind(12, lock_state.legal_hold);
  insert.bind(13, index_sqlite::encode_headers(upload.tags));
  return insert.run();
}

Expected<std::optional<MultipartUpload>, StoreError> StoreIndex::find_upload(
    const std::string& bucket, const std::string& key, const std::string& upload_id) {
  std::lock_guard lock(mutex_);
  Statement select(*database_, "SELECT " + std::string(kUploadColumns) +
                                   " FROM uploads WHERE upload_id = ?1 AND bucket = ?2 "
                                   "AND key = ?3");
  select.bind(1, upload_id);
  select.bind(2, bucket);
  select.bind(3, key);
  auto row = select.step();
  if (!row) return Unexpected(row.error());
  if (!*row) return std::optional<MultipartUpload>();
  return std::optional<MultipartUpload>(read_upload(select));
}

Expected<std::vector<std::string>, StoreError> StoreIndex::record_part(
    const MultipartUpload& upload, const UploadedPart& part) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  auto exists = upload_exists(*database_, upload);
  if (!exists) return Unexpected(exists.error());
  if (!*exists) return Unexpected(StoreError::kNoSuchUpload);

  std::vector<std::string> replaced;
  Statement previous(*database_,
                     "SELECT file_id FROM parts WHERE upload_id = ?1 AND part_number = ?2");
  previous.bind(1, upload.upload_id);
  previous.bind(2, int64_t{part.part_number});
  auto row = previous.step();
  if (!row) return Unexpected(row.error());
  if (*row) replaced.push_back(previous.text(0));

  Statement insert(*database_,
                   "INSERT OR REPLACE INTO parts (upload_id, part_number, file_id, size, etag, "
                   "checksum, last_modified_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  insert.bind(1, upload.upload_id);
  insert.bind(2, int64_t{part.part_number});
  insert.bind(3, part.file_id);
  insert.bind(4, static_cast<int64_t>(part.size));
  insert.bind(5, part.etag);
  insert.bind(6, part.checksum);
  insert.bind(7, to_millis(part.last_modified));
  auto inserted = insert.run();
  if (!inserted) return Unexpected(inserted.error());
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());
  return replaced;
}

Expected<std::vector<UploadedPart>, StoreError> StoreIndex::list_parts(
    const std::string& upload_id) {
  std::lock_guard lock(mutex_);
  return select_parts(*database_, upload_id);
}

Expected<IndexChange, StoreError> StoreIndex::complete_upload(
    const MultipartUpload& upload, ObjectVersion version, const std::string& new_version_id,
    const WritePrecondition& precondition) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  auto exists = upload_exists(*database_, upload);
  if (!exists) return Unexpected(exists.error());
  if (!*exists) return Unexpected(StoreError::kNoSuchUpload);

  IndexChange change;
  auto inserted = index_sqlite::insert_latest_version(
      *database_, std::move(version), new_version_id, precondition, change.orphaned_file_ids);
  if (!inserted) return Unexpected(inserted.error());
  auto part_files = remove_upload(*database_, upload.upload_id);
  if (!part_files) return Unexpected(part_files.error());
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());
  change.version = std::move(*inserted);
  change.orphaned_file_ids.insert(change.orphaned_file_ids.end(), part_files->begin(),
                                  part_files->end());
  return change;
}

Expected<std::vector<std::string>, StoreError> StoreIndex::abort_upload(
    const MultipartUpload& upload) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*database_);
  if (!transaction.began()) return Unexpected(StoreError::kInternal);
  auto exists = upload_exists(*database_, upload);
  if (!exists) return Unexpected(exists.error());
  if (!*exists) return Unexpected(StoreError::kNoSuchUpload);
  auto files = remove_upload(*database_, upload.upload_id);
  if (!files) return Unexpected(files.error());
  auto committed = transaction.commit();
  if (!committed) return Unexpected(committed.error());
  return files;
}

Expected<std::vector<MultipartUpload>, StoreError> StoreIndex::list_uploads(
    const std::string& bucket, const std::string& prefix) {
  std::lock_guard lock(mutex_);
  Statement select(*database_, "SELECT " + std::string(kUploadColumns) +
                                   " FROM uploads WHERE bucket = ?1 AND key >= ?2 AND key < ?3 "
                                   "ORDER BY key, initiated_ms, upload_id");
  select.bind(1, bucket);
  select.bind(2, prefix);
  select.bind(3, prefix + "\xFF");
  return read_uploads(select);
}

Expected<std::vector<MultipartUpload>, StoreError> StoreIndex::uploads_initiated_before(
    SystemTime time) {
  std::lock_guard lock(mutex_);
  Statement select(*database_, "SELECT " + std::string(kUploadColumns) +
                                   " FROM uploads WHERE initiated_ms < ?1 ORDER BY initiated_ms");
  select.bind(1, to_millis(time));
  return read_uploads(select);
}

}  // namespace satchel::store
