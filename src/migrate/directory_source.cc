// The local directory tree source.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "http/offload.h"
#include "migrate/source.h"

namespace satchel::migrate {
namespace {

namespace asio = boost::asio;

// Closes a descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string errno_text() { return std::strerror(errno); }

// Opens the regular file at key below root without following a symbolic link in any
// component of key, so a file or folder replaced by a link after the listing cannot make the
// import read outside the tree. O_NONBLOCK keeps a FIFO put in the file's place from
// blocking the open.
Expected<FileDescriptor, std::string> open_below(const std::filesystem::path& root,
                                                 std::string_view key) {
  const std::string path_text = (root / key).string();
  FileDescriptor directory(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() < 0) return Unexpected("cannot open " + root.string() + ": " + errno_text());
  std::string_view rest = key;
  for (;;) {
    size_t slash = rest.find('/');
    std::string part(rest.substr(0, slash));
    if (part.empty() || part == "." || part == "..") {
      return Unexpected("cannot open " + path_text + ": the path leaves the source directory");
    }
    if (slash == std::string_view::npos) {
      FileDescriptor file(
          ::openat(directory.get(), part.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
      if (file.get() < 0) return Unexpected("cannot open " + path_text + ": " + errno_text());
      struct stat info {};
      if (::fstat(file.get(), &info) != 0) {
        return Unexpected("cannot inspect " + path_text + ": " + errno_text());
      }
      if (!S_ISREG(info.st_mode)) {
        return Unexpected("cannot open " + path_text + ": it is no longer a regular file");
      }
      return file;
    }
    FileDescriptor next(
        ::openat(directory.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) return Unexpected("cannot open " + path_text + ": " + errno_text());
    directory = std::move(next);
    rest.remove_prefix(slash + 1);
  }
}

// Reads the file at key below root. The read stops past max_bytes, so a file that grows after
// the listing cannot make the import hold more than the limit.
Expected<FetchedObject, std::string> read_file(const std::filesystem::path& root,
                                               std::string_view key, uint64_t max_bytes) {
  auto file = open_below(root, key);
  if (!file) return Unexpected(file.error());
  std::string bytes;
  std::array<char, 65536> buffer{};
  for (;;) {
    ssize_t count = ::read(file->get(), buffer.data(), buffer.size());
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return Unexpected("cannot read " + (root / key).string() + ": " + errno_text());
    if (count == 0) break;
    bytes.append(buffer.data(), static_cast<size_t>(count));
    if (bytes.size() > max_bytes) {
      return Unexpected("file is more than the limit of " + std::to_string(max_bytes) + " bytes");
    }
  }
  return FetchedObject{std::move(bytes), {}};
}

class DirectorySource final : public Source {
 public:
  DirectorySource(std::filesystem::path root, asio::thread_pool& workers)
      : root_(std::move(root)), workers_(workers) {}

  std::string description() const override { return "dir:" + root_.string(); }

  asio::awaitable<Expected<std::vector<SourceObject>, std::string>> list() override {
    co_return co_await http::offload(workers_, [this] { return walk(); });
  }

  asio::awaitable<Expected<FetchedObject, std::string>> fetch(const SourceObject& object,
                                                              uint64_t max_bytes) override {
    co_return co_await http::offload(workers_,
                                     [&] { return read_file(root_, object.key, max_bytes); });
  }

 private:
  Expected<std::vector<SourceObject>, std::string> walk() const {
    std::error_code error;
    if (!std::filesystem::is_directory(root_, error)) {
      return Unexpected("source directory " + root_.string() + " does not exist");
    }
    std::vector<SourceObject> objects;
    std::filesystem::recursive_directory_iterator it(root_, error), end;
    for (; !error && it != end; it.increment(error)) {
      if (it->is_symlink() || !it->is_regular_file()) continue;
      std::string key = it->path().lexically_relative(root_).generic_string();
      objects.push_back({std::move(key), it->file_size()});
    }
    if (error) return Unexpected("cannot list " + root_.string() + ": " + error.message());
    std::sort(objects.begin(), objects.end(),
              [](const SourceObject& a, const SourceObject& b) { return a.key < b.key; });
    return objects;
  }

  const std::filesystem::path root_;
  asio::thread_pool& workers_;
};

}  // namespace

std::unique_ptr<Source> make_directory_source(std::filesystem::path root,
                                              asio::thread_pool& workers) {
  return std::make_unique<DirectorySource>(std::move(root), workers);
}

}  // namespace satchel::migrate
