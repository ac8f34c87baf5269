// Writing an object's bytes durably: a temporary file in the store's own
// tmp/ folder (the same filesystem as objects/, so rename is atomic),
// hashed as it grows, encrypted segment by segment (see encryption.h), then
// synced and renamed into place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "common/expected.h"
#include "store/checksum.h"
#include "store/encryption.h"
#include "store/master_keys.h"
#include "store/store_error.h"

namespace satchel::store {

// One temporary file being written. Not thread-safe; a single coroutine or
// worker writes it at a time. Destroying a writer that was not published
// closes and unlinks its file, so a failed write leaves nothing behind.
class ObjectWriter {
 public:
  // Creates a new file (O_EXCL, mode 0600) with a random name in temp_dir,
  // picks the data file id and a fresh data key wrapped by master, and
  // writes the encryption header. Writes that would grow the plaintext past
  // max_bytes fail with kEntityTooLarge. With a checksum algorithm, that
  // checksum is computed too.
  static Expected<ObjectWriter, StoreError> create(
      const std::filesystem::path& temp_dir, uint64_t max_bytes, const MasterKey& master,
      std::optional<ChecksumAlgorithm> checksum = std::nullopt);
  ObjectWriter(ObjectWriter&& other) noexcept;
  ObjectWriter& operator=(ObjectWriter&& other) = delete;
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;
  ~ObjectWriter();

  // Appends plaintext bytes to the file and to every digest. Blocks on disk.
  Expected<void, StoreError> append(std::string_view bytes);
  // Plaintext bytes appended so far.
  uint64_t size() const { return size_; }
  // The name the file gets in objects/, bound into every segment.
  const std::string& file_id() const { return file_id_; }
  const std::filesystem::path& temp_path() const { return temp_path_; }

  // Returns the raw MD5 and SHA-256 of everything appended. Call once.
  std::string finish_md5() { return md5_.finish(); }
  std::string finish_sha256() { return sha256_.finish(); }
  // The raw additional checksum, or nullopt when none was requested. Call
  // once.
  std::optional<std::string> finish_checksum();

  // Seals the last segment, syncs the file, renames it to final_path (creating its parent folders
  // below root) and syncs final_path's folder and every folder it created, so
  // the file survives a crash once this returns. The temporary folder is not
  // synced. On failure the temporary file is removed.
  Expected<void, StoreError> publish(const std::filesystem::path& root,
                                     const std::filesystem::path& final_path);

  // Closes and unlinks the temporary file now.
  void discard();

 private:
  ObjectWriter(int fd, std::filesystem::path temp_path, std::string file_id, uint64_t max_bytes,
               SegmentCipher cipher, std::optional<ChecksumAlgorithm> checksum);
  Expected<void, StoreError> write_raw(std::string_view bytes);
  Expected<void, StoreError> seal_segment(bool last);

  int fd_ = -1;
  std::string file_id_;
  std::filesystem::path temp_path_;  // empty once published or discarded
  uint64_t max_bytes_ = 0;
  uint64_t size_ = 0;
  Digest md5_ = Digest::md5();
  Digest sha256_ = Digest::sha256();
  std::optional<ChecksumState> checksum_;
  SegmentCipher cipher_;
  std::string segment_;  // plaintext of the segment being filled
  uint64_t segment_index_ = 0;
};

// Creates path's missing folders up to (not including) root, syncing the
// parent of each one created. root itself must exist.
Expected<void, StoreError> create_directories_durably(const std::filesystem::path& root,
                                                      const std::filesystem::path& path);

// fsync() on a folder, so the entries added or removed in it are durable.
bool sync_directory(const std::filesystem::path& path);

// Unlinks a file and syncs its folder; logs instead of failing, because the
// callers have already committed the change that made the file garbage.
void remove_file_logged(const std::filesystem::path& path);

}  // namespace satchel::store
