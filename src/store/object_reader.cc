#include "store/object_reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "obs/log.h"

namespace satchel::store {
namespace {

constexpr size_t kPlainChunkBytes = 256 * 1024;
// Segments read and verified per disk read, so a response is written in
// chunks as large as for a plain file.
constexpr uint64_t kMaxSegmentsPerRead = kPlainChunkBytes / kSegmentPlaintextBytes;

// Reads exactly out.size() bytes at offset; fewer means the file is short.
Expected<void, EncryptionError> read_exactly(int fd, std::string& out, uint64_t offset) {
  size_t filled = 0;
  while (filled < out.size()) {
    ssize_t count =
        ::pread(fd, out.data() + filled, out.size() - filled, static_cast<off_t>(offset + filled));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return Unexpected(EncryptionError::kIo);
    if (count == 0) return Unexpected(EncryptionError::kWrongLength);
    filled += static_cast<size_t>(count);
  }
  return {};
}

}  // namespace

ObjectReader::ObjectReader(int fd, std::string file_id, uint64_t size)
    : fd_(fd), file_id_(std::move(file_id)) {
  layout_.plaintext_bytes = size;
}

ObjectReader::ObjectReader(ObjectReader&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      file_id_(std::move(other.file_id_)),
      layout_(other.layout_),
      cipher_(std::move(other.cipher_)),
      sealed_(std::move(other.sealed_)),
      plaintext_(std::move(other.plaintext_)),
      loaded_first_(other.loaded_first_),
      loaded_count_(std::exchange(other.loaded_count_, 0)),
      failure_logged_(other.failure_logged_) {}

ObjectReader& ObjectReader::operator=(ObjectReader&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    file_id_ = std::move(other.file_id_);
    layout_ = other.layout_;
    cipher_ = std::move(other.cipher_);
    sealed_ = std::move(other.sealed_);
    plaintext_ = std::move(other.plaintext_);
    loaded_first_ = other.loaded_first_;
    loaded_count_ = std::exchange(other.loaded_count_, 0);
    failure_logged_ = other.failure_logged_;
  }
  return *this;
}

ObjectReader::~ObjectReader() {
  if (fd_ >= 0) ::close(fd_);
}

Expected<ObjectReader, EncryptionError> ObjectReader::open(int fd, std::string file_id,
                                                           uint64_t size,
                                                           const MasterKeyRing& keys) {
  ObjectReader reader(fd, std::move(file_id), size);
  std::string first(kEncryptionHeaderBytes, '\0');
  ssize_t count;
  do {
    count = ::pread(fd, first.data(), first.size(), 0);
  } while (count < 0 && errno == EINTR);
  if (count < 0) return Unexpected(reader.fail(EncryptionError::kIo, 0));
  first.resize(static_cast<size_t>(count));
  // A plain file is as old as the store's first version; its length is all
  // that can be checked.
  if (!has_encryption_magic(first)) return reader;

  auto header = decode_header(first);
  if (!header) return Unexpected(reader.fail(header.error(), 0));
  auto master = keys.find(header->key_id);
  if (!master) {
    obs::error("object data file names an unknown master key",
               {{"file_id", reader.file_id_}, {"key_id", header->key_id}});
    reader.failure_logged_ = true;
    return Unexpected(EncryptionError::kUnknownMasterKey);
  }
  auto data_key = unwrap_key(*master, header->wrapped_key);
  if (!data_key) return Unexpected(reader.fail(data_key.error(), 0));
  reader.layout_.segment_bytes = header->segment_bytes;
  struct stat info {};
  if (::fstat(fd, &info) != 0) return Unexpected(reader.fail(EncryptionError::kIo, 0));
  if (static_cast<uint64_t>(info.st_size) != reader.layout_.file_bytes()) {
    return Unexpected(reader.fail(EncryptionError::kWrongLength, 0));
  }
  reader.cipher_.emplace(std::move(*data_key), std::move(header->nonce_prefix), reader.file_id_);
  return reader;
}

EncryptionError ObjectReader::fail(EncryptionError error, uint64_t segment) {
  if (!failure_logged_) {
    failure_logged_ = true;
    obs::error("object data file refused",
               {{"file_id", file_id_}, {"segment", segment}, {"reason", describe(error)}});
  }
  return error;
}

Expected<void, EncryptionError> ObjectReader::load_segments(uint64_t index, uint64_t count) {
  loaded_count_ = 0;
  uint64_t sealed_bytes = 0;
  uint64_t plaintext_bytes = 0;
  for (uint64_t i = index; i < index + count; ++i) {
    sealed_bytes += layout_.segment_plaintext_bytes(i) + kSegmentTagBytes;
    plaintext_bytes += layout_.segment_plaintext_bytes(i);
  }
  sealed_.resize(static_cast<size_t>(sealed_bytes));
  auto read = read_exactly(fd_, sealed_, layout_.segment_offset(index));
  if (!read) return Unexpected(fail(read.error(), index));
  plaintext_.resize(static_cast<size_t>(plaintext_bytes));

  size_t sealed_offset = 0;
  size_t plaintext_offset = 0;
  for (uint64_t i = index; i < index + count; ++i) {
    size_t segment_bytes = static_cast<size_t>(layout_.segment_plaintext_bytes(i));
    std::string_view sealed(sealed_.data() + sealed_offset, segment_bytes + kSegmentTagBytes);
    auto opened =
        cipher_->open(i, layout_.is_last(i), sealed, plaintext_.data() + plaintext_offset);
    if (!opened) {
      // Unverified bytes must not linger where a later call could return them.
      std::fill(plaintext_.begin() + static_cast<std::ptrdiff_t>(plaintext_offset),
                plaintext_.end(), '\0');
      if (i == index) return Unexpected(fail(opened.error(), i));
      break;
    }
    sealed_offset += sealed.size();
    plaintext_offset += segment_bytes;
    ++loaded_count_;
  }
  loaded_first_ = index;
  plaintext_.resize(plaintext_offset);
  return {};
}

Expected<std::string_view, EncryptionError> ObjectReader::read_plain(uint64_t position,
                                                                     uint64_t max_bytes) {
  size_t requested = static_cast<size_t>(std::min<uint64_t>(max_bytes, kPlainChunkBytes));
  plaintext_.resize(requested);
  ssize_t count;
  do {
    count = ::pread(fd_, plaintext_.data(), requested, static_cast<off_t>(position));
  } while (count < 0 && errno == EINTR);
  if (count < 0) return Unexpected(fail(EncryptionError::kIo, 0));
  // The file is shorter than the index records.
  if (count == 0 && requested > 0) return Unexpected(fail(EncryptionError::kWrongLength, 0));
  return std::string_view(plaintext_.data(), static_cast<size_t>(count));
}

Expected<std::string_view, EncryptionError> ObjectReader::read_at(uint64_t position,
                                                                  uint64_t max_bytes) {
  if (!cipher_) return read_plain(position, max_bytes);
  if (position >= layout_.plaintext_bytes || max_bytes == 0) return std::string_view();
  uint64_t index = position / layout_.segment_bytes;
  if (index < loaded_first_ || index >= loaded_first_ + loaded_count_) {
    uint64_t end = std::min(layout_.plaintext_bytes, position + max_bytes);
    uint64_t last = (end - 1) / layout_.segment_bytes;
    uint64_t count = std::min<uint64_t>(last - index + 1, kMaxSegmentsPerRead);
    auto loaded = load_segments(index, count);
    if (!loaded) return Unexpected(loaded.error());
  }
  size_t offset = static_cast<size_t>(position - loaded_first_ * layout_.segment_bytes);
  size_t count = static_cast<size_t>(std::min<uint64_t>(max_bytes, plaintext_.size() - offset));
  return std::string_view(plaintext_.data() + offset, count);
}

Expected<void, EncryptionError> ObjectReader::verify_empty() {
  if (!cipher_ || layout_.plaintext_bytes != 0) return {};
  return load_segments(0, 1);
}

}  // namespace satchel::store
