// Master key rotation: rewrapping data keys under the current master key.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/crypto.h"
#include "common/encoding.h"
#include "obs/log.h"
#include "store/engine.h"

namespace satchel::store {
namespace {

constexpr size_t kTempNameBytes = 16;
constexpr size_t kCopyChunkBytes = 256 * 1024;

// The header of the data file open as fd; nullopt for a plain file.
Expected<std::optional<EncryptionHeader>, EncryptionError> read_header(int fd) {
  std::string first(kEncryptionHeaderBytes, '\0');
  ssize_t count;
  do {
    count = ::pread(fd, first.data(), first.size(), 0);
  } while (count < 0 && errno == EINTR);
  if (count < 0) return Unexpected(EncryptionError::kIo);
  first.resize(static_cast<size_t>(count));
  if (!has_encryption_magic(first)) return std::optional<EncryptionHeader>();
  auto header = decode_header(first);
  if (!header) return Unexpected(header.error());
  return std::optional<EncryptionHeader>(std::move(*header));
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return false;
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// Writes header, then everything of source after the old header, to out.
bool copy_with_header(int source, int out, std::string_view header) {
  if (!write_all(out, header)) return false;
  std::string chunk(kCopyChunkBytes, '\0');
  for (off_t offset = kEncryptionHeaderBytes;;) {
    ssize_t count = ::pread(source, chunk.data(), chunk.size(), offset);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return false;
    if (count == 0) return true;
    if (!write_all(out, std::string_view(chunk.data(), static_cast<size_t>(count)))) return false;
    offset += count;
  }
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::map<std::string, size_t> data_files_by_key(const std::filesystem::path& root) {
  std::map<std::string, size_t> counts;
  for (const auto& folder : {root / "objects", root / "tmp"}) {
    std::error_code error;
    for (std::filesystem::recursive_directory_iterator it(folder, error), end; !error && it != end;
         it.increment(error)) {
      if (!it->is_regular_file(error)) continue;
      FileDescriptor fd(::open(it->path().c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.get() < 0) continue;
      auto header = read_header(fd.get());
      // No key can read a file with a damaged header, so it is counted
      // under a name of its own.
      if (!header) {
        ++counts["(damaged)"];
      } else {
        ++counts[*header ? (*header)->key_id : ""];
      }
    }
  }
  return counts;
}

Expected<RewrapReport, StoreError> Engine::rewrap_data_keys(const std::stop_token& stop) {
  MasterKey current = options_.master_keys->current();
  RewrapReport report;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(objects_dir_, error), end;
       !error && it != end && !stop.stop_requested(); it.increment(error)) {
    if (!it->is_regular_file(error)) continue;
    auto rewrapped = rewrap_file(it->path(), current);
    if (!rewrapped) {
      ++report.failed;
    } else if (*rewrapped) {
      ++report.rewrapped;
    }
  }
  if (error) {
    obs::error("cannot list the object files", {{"error", error.message()}});
    return Unexpected(StoreError::kInternal);
  }
  for (const auto& entry : std::filesystem::directory_iterator(temp_dir_, error)) {
    FileDescriptor fd(::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) continue;
    auto header = read_header(fd.get());
    if (header && *header && (*header)->key_id != current.id) ++report.uploads_in_progress;
  }
  return report;
}

// Returns whether the file was rewrapped; false for a file already under the
// current key, a plain file, or one deleted meanwhile.
Expected<bool, StoreError> Engine::rewrap_file(const std::filesystem::path& path,
                                               const MasterKey& current) {
  std::string file_id = path.filename().string();
  FileDescriptor source(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (source.get() < 0) {
    if (errno == ENOENT) return false;
    obs::error("cannot open object file",
               {{"path", path.string()}, {"error", std::strerror(errno)}});
    return Unexpected(StoreError::kInternal);
  }
  auto header = read_header(source.get());
  if (!header) {
    obs::error("cannot rewrap a data file",
               {{"file_id", file_id}, {"reason", describe(header.error())}});
    return Unexpected(StoreError::kInternal);
  }
  if (!*header || (*header)->key_id == current.id) return false;
  EncryptionHeader& fields = **header;
  auto old_master = options_.master_keys->find(fields.key_id);
  auto data_key =
      old_master
          ? unwrap_key(*old_master, fields.wrapped_key)
          : Expected<Secret, EncryptionError>(Unexpected(EncryptionError::kUnknownMasterKey));
  if (!data_key) {
    obs::error(
        "cannot rewrap a data file",
        {{"file_id", file_id}, {"key_id", fields.key_id}, {"reason", describe(data_key.error())}});
    return Unexpected(StoreError::kInternal);
  }
  fields.key_id = current.id;
  fields.wrapped_key = wrap_key(current.key, *data_key);

  auto temp = temp_dir_ / hex_encode(random_bytes(kTempNameBytes));
  bool written = false;
  {
    FileDescriptor out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    written = out.get() >= 0 && copy_with_header(source.get(), out.get(), encode_header(fields)) &&
              ::fsync(out.get()) == 0;
  }
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    obs::error("cannot write a rewrapped data file",
               {{"file_id", file_id}, {"error", std::strerror(errno)}});
    ::unlink(temp.c_str());
    return Unexpected(StoreError::kInternal);
  }
  sync_directory(path.parent_path());
  // A delete that committed while the copy was made has unlinked the old
  // name, and the rename brought it back: deletes commit before they unlink,
  // so an index without the file id means the file is garbage now.
  auto in_use = index_->file_in_use(file_id);
  if (in_use && !*in_use) {
    remove_file_logged(path);
    return false;
  }
  return true;
}

}  // namespace satchel::store
