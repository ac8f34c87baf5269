#include "store/object_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "obs/log.h"

namespace satchel::store {
namespace {

constexpr size_t kTempNameBytes = 16;
constexpr size_t kFileIdBytes = 16;

void log_errno(std::string_view message, const std::filesystem::path& path, int error) {
  obs::error(message, {{"path", path.string()}, {"error", std::strerror(error)}});
}

}  // namespace

bool sync_directory(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    log_errno("cannot open folder to sync it", path, errno);
    return false;
  }
  bool synced = ::fsync(fd) == 0;
  if (!synced) log_errno("folder fsync failed", path, errno);
  ::close(fd);
  return synced;
}

Expected<void, StoreError> create_directories_durably(const std::filesystem::path& root,
                                                      const std::filesystem::path& path) {
  std::vector<std::filesystem::path> missing;
  for (auto folder = path; folder != root && folder.has_relative_path();
       folder = folder.parent_path()) {
    missing.push_back(folder);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) == 0) {
      if (!sync_directory(it->parent_path())) return Unexpected(StoreError::kInternal);
    } else if (errno != EEXIST) {
      log_errno("cannot create folder", *it, errno);
      return Unexpected(StoreError::kInternal);
    }
  }
  return {};
}

void remove_file_logged(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno != ENOENT) log_errno("cannot remove file", path, errno);
    return;
  }
  sync_directory(path.parent_path());
}

Expected<ObjectWriter, StoreError> ObjectWriter::create(const std::filesystem::path& temp_dir,
                                                        uint64_t max_bytes, const MasterKey& master,
                                                        std::optional<ChecksumAlgorithm> checksum) {
  auto path = temp_dir / hex_encode(random_bytes(kTempNameBytes));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    log_errno("cannot create temporary object file", path, errno);
    return Unexpected(StoreError::kInternal);
  }
  std::string file_id = hex_encode(random_bytes(kFileIdBytes));
  Secret data_key(random_bytes(kDataKeyBytes));
  EncryptionHeader header;
  header.nonce_prefix = random_bytes(kNoncePrefixBytes);
  header.key_id = master.id;
  header.wrapped_key = wrap_key(master.key, data_key);
  SegmentCipher cipher(std::move(data_key), header.nonce_prefix, file_id);
  ObjectWriter writer(fd, std::move(path), std::move(file_id), max_bytes, std::move(cipher),
                      checksum);
  auto written = writer.write_raw(encode_header(header));
  if (!written) return Unexpected(written.error());
  return writer;
}

ObjectWriter::ObjectWriter(int fd, std::filesystem::path temp_path, std::string file_id,
                           uint64_t max_bytes, SegmentCipher cipher,
                           std::optional<ChecksumAlgorithm> checksum)
    : fd_(fd),
      file_id_(std::move(file_id)),
      temp_path_(std::move(temp_path)),
      max_bytes_(max_bytes),
      cipher_(std::move(cipher)) {
  if (checksum) checksum_.emplace(*checksum);
  segment_.reserve(kSegmentPlaintextBytes);
}

ObjectWriter::ObjectWriter(ObjectWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      file_id_(std::move(other.file_id_)),
      temp_path_(std::exchange(other.temp_path_, {})),
      max_bytes_(other.max_bytes_),
      size_(other.size_),
      md5_(std::move(other.md5_)),
      sha256_(std::move(other.sha256_)),
      checksum_(std::move(other.checksum_)),
      cipher_(std::move(other.cipher_)),
      segment_(std::move(other.segment_)),
      segment_index_(other.segment_index_) {}

ObjectWriter::~ObjectWriter() { discard(); }

Expected<void, StoreError> ObjectWriter::append(std::string_view bytes) {
  if (fd_ < 0) return Unexpected(StoreError::kInternal);
  if (bytes.size() > max_bytes_ - size_) return Unexpected(StoreError::kEntityTooLarge);
  md5_.update(bytes);
  sha256_.update(bytes);
  if (checksum_) checksum_->update(bytes);
  size_ += bytes.size();
  while (!bytes.empty()) {
    // A full segment is sealed only once more bytes arrive, because until
    // then it may be the last one.
    if (segment_.size() == kSegmentPlaintextBytes) {
      auto sealed = seal_segment(false);
      if (!sealed) return sealed;
    }
    size_t take = std::min(bytes.size(), kSegmentPlaintextBytes - segment_.size());
    segment_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
  }
  return {};
}

Expected<void, StoreError> ObjectWriter::seal_segment(bool last) {
  auto written = write_raw(cipher_.seal(segment_index_, last, segment_));
  ++segment_index_;
  segment_.clear();
  return written;
}

Expected<void, StoreError> ObjectWriter::write_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      log_errno("cannot write temporary object file", temp_path_, errno);
      return Unexpected(StoreError::kInternal);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return {};
}

Expected<void, StoreError> ObjectWriter::publish(const std::filesystem::path& root,
                                                 const std::filesystem::path& final_path) {
  if (fd_ < 0) return Unexpected(StoreError::kInternal);
  auto sealed = seal_segment(true);
  if (!sealed) {
    discard();
    return sealed;
  }
  if (::fsync(fd_) != 0) {
    log_errno("temporary object file fsync failed", temp_path_, errno);
    discard();
    return Unexpected(StoreError::kInternal);
  }
  ::close(std::exchange(fd_, -1));

  auto created = create_directories_durably(root, final_path.parent_path());
  if (!created) {
    discard();
    return created;
  }
  if (::rename(temp_path_.c_str(), final_path.c_str()) != 0) {
    log_errno("cannot move object file into place", final_path, errno);
    discard();
    return Unexpected(StoreError::kInternal);
  }
  temp_path_.clear();
  // The new name must be durable before the index points at it. The old
  // name's removal from tmp/ is not synced: if a crash brings that name
  // back, it is a second link to the same data, and the start-up sweep of
  // tmp/ unlinks it without touching the object.
  if (!sync_directory(final_path.parent_path())) {
    remove_file_logged(final_path);
    return Unexpected(StoreError::kInternal);
  }
  return {};
}

std::optional<std::string> ObjectWriter::finish_checksum() {
  if (!checksum_) return std::nullopt;
  return checksum_->finish();
}

void ObjectWriter::discard() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  if (!temp_path_.empty()) {
    if (::unlink(temp_path_.c_str()) != 0 && errno != ENOENT) {
      log_errno("cannot remove temporary object file", temp_path_, errno);
    }
    temp_path_.clear();
  }
}

}  // namespace satchel::store
