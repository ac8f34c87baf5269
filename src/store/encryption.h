// The encrypted form of an object's data file: chunked authenticated
// encryption with AES-256-GCM, so a range read decrypts only the segments it
// covers and every segment is verified before its bytes leave the store.
//
// File layout, format version 1 (integers big-endian):
//
//   offset  bytes  field
//   0       8      magic 0x89 'S' 'A' 'T' 'C' 'H' 'E' 'L'
//   8       1      format version (1)
//   9       1      cipher suite (1: AES-256-GCM segments, RFC 5649 key wrap)
//   10      1      key id length, 1 to 32
//   11      1      wrapped data key length (40)
//   12      4      plaintext bytes per segment (65536 when written here)
//   16      8      nonce prefix, random per file
//   24      32     master key id, zero padded
//   56      40     data key wrapped by that master key (AES-256 key wrap
//                  with padding, RFC 5649)
//   96      ...    segments: ciphertext of up to segment-size plaintext
//                  bytes followed by its 16-byte GCM tag
//
// Every segment but the last contains exactly segment-size plaintext bytes.
// The last contains the rest, possibly none, so an empty object has one
// empty segment. Segment i uses the nonce prefix || uint32(i) and the additional
// data "satchel/object-data/v1" || uint8(length of file id) || file id ||
// uint64(i) || uint8(1 if last else 0). The file id names the data file in
// objects/, so a segment moved to another position, another file or past
// the end fails authentication, and so does a file moved to another object.
// The expected file length follows from the plaintext size the index
// records, so a file cut at a segment border is refused as well.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "common/secret.h"

namespace satchel::store {

inline constexpr size_t kEncryptionHeaderBytes = 96;
inline constexpr uint32_t kSegmentPlaintextBytes = 64 * 1024;
inline constexpr size_t kSegmentTagBytes = 16;
inline constexpr size_t kDataKeyBytes = 32;
inline constexpr size_t kMasterKeyBytes = 32;
inline constexpr size_t kMaxKeyIdBytes = 32;
inline constexpr size_t kNoncePrefixBytes = 8;
inline constexpr size_t kWrappedKeyBytes = 40;

enum class EncryptionError {
  kMalformedHeader,       // the magic is there but the rest is not a header we write
  kUnknownMasterKey,      // no master key with the header's key id
  kWrongMasterKey,        // the data key does not unwrap under the master key of that id
  kWrongLength,           // the file is longer or shorter than its plaintext size implies
  kAuthenticationFailed,  // a segment was altered, moved or belongs to another file
  kIo,
};

std::string_view describe(EncryptionError error);

struct EncryptionHeader {
  uint32_t segment_bytes = kSegmentPlaintextBytes;
  std::string nonce_prefix;  // kNoncePrefixBytes
  std::string key_id;
  std::string wrapped_key;  // kWrappedKeyBytes
};

// Whether bytes, the start of a data file, begin with the magic. Data files
// written before encryption existed are plain bytes without it.
bool has_encryption_magic(std::string_view bytes);
std::string encode_header(const EncryptionHeader& header);
// Parses the first kEncryptionHeaderBytes of a file that has the magic.
Expected<EncryptionHeader, EncryptionError> decode_header(std::string_view bytes);

// AES-256 key wrap with padding (RFC 5649). unwrap fails with
// kWrongMasterKey when the integrity check of the wrap fails.
std::string wrap_key(const Secret& master_key, const Secret& data_key);
Expected<Secret, EncryptionError> unwrap_key(const Secret& master_key, std::string_view wrapped);

// The position and size of each segment in a file of plaintext_bytes.
struct SegmentLayout {
  uint64_t plaintext_bytes = 0;
  uint32_t segment_bytes = kSegmentPlaintextBytes;

  uint64_t segment_count() const;
  uint64_t file_bytes() const;
  uint64_t segment_offset(uint64_t index) const;
  uint64_t segment_plaintext_bytes(uint64_t index) const;
  bool is_last(uint64_t index) const { return index + 1 == segment_count(); }
};

// Seals and opens the segments of one file. Immutable after construction,
// so one cipher may serve several threads.
class SegmentCipher {
 public:
  SegmentCipher(Secret data_key, std::string nonce_prefix, std::string file_id)
      : data_key_(std::move(data_key)),
        nonce_prefix_(std::move(nonce_prefix)),
        file_id_(std::move(file_id)) {}

  // Returns ciphertext followed by the tag.
  std::string seal(uint64_t index, bool last, std::string_view plaintext) const;
  // Verifies sealed (ciphertext and tag) and writes the plaintext to out,
  // which must have room for sealed.size() - kSegmentTagBytes bytes. When
  // this fails, the bytes written to out must not be used.
  Expected<void, EncryptionError> open(uint64_t index, bool last, std::string_view sealed,
                                       char* out) const;

 private:
  std::string nonce(uint64_t index) const;
  std::string additional_data(uint64_t index, bool last) const;

  Secret data_key_;
  std::string nonce_prefix_;
  std::string file_id_;
};

}  // namespace satchel::store
