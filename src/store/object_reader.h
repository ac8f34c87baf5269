// Reading an object's bytes from its data file. Encrypted files (see
// encryption.h) are verified and decrypted one segment at a time. Plain
// files written before encryption existed are read as they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "store/encryption.h"
#include "store/master_keys.h"

namespace satchel::store {

// Owns the descriptor. Not thread-safe: one reader per response or copy.
class ObjectReader {
 public:
  // Reads the header of fd, the data file named file_id holding size
  // plaintext bytes, unwraps its data key and checks the file's length.
  static Expected<ObjectReader, EncryptionError> open(int fd, std::string file_id, uint64_t size,
                                                      const MasterKeyRing& keys);
  ObjectReader(ObjectReader&& other) noexcept;
  ObjectReader& operator=(ObjectReader&& other) noexcept;
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;
  ~ObjectReader();

  bool encrypted() const { return cipher_.has_value(); }
  uint64_t size() const { return layout_.plaintext_bytes; }
  const std::string& file_id() const { return file_id_; }

  // Verified plaintext from position on: at most max_bytes, and never past
  // the end of the segment that contains position. The view stays valid until
  // the next call. Blocks on disk. A failure is logged here, once per
  // reader.
  Expected<std::string_view, EncryptionError> read_at(uint64_t position, uint64_t max_bytes);
  // Authenticates the only segment of an empty object, which read_at()
  // never touches.
  Expected<void, EncryptionError> verify_empty();

 private:
  ObjectReader(int fd, std::string file_id, uint64_t size);
  // Reads and verifies up to count segments from index on. Keeps the
  // verified ones before a segment that fails, and fails only when the
  // first one does, so the failure surfaces at the read that reaches it.
  Expected<void, EncryptionError> load_segments(uint64_t index, uint64_t count);
  Expected<std::string_view, EncryptionError> read_plain(uint64_t position, uint64_t max_bytes);
  EncryptionError fail(EncryptionError error, uint64_t segment);

  int fd_ = -1;
  std::string file_id_;
  SegmentLayout layout_;
  std::optional<SegmentCipher> cipher_;
  std::string sealed_;         // the ciphertext of the segments being read
  std::string plaintext_;      // their verified plaintext, or plain bytes read
  uint64_t loaded_first_ = 0;  // the segments in plaintext_
  uint64_t loaded_count_ = 0;
  bool failure_logged_ = false;
};

}  // namespace satchel::store
