// The local directory tree source.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "http/offload.h"
#include "migrate/source.h"

namespace satchel::migrate {
namespace {

namespace asio = boost::asio;

Expected<FetchedObject, std::string> read_file(const std::filesystem::path& path,
                                               uint64_t max_bytes) {
  std::error_code error;
  uint64_t size = std::filesystem::file_size(path, error);
  if (error) return Unexpected("cannot read " + path.string() + ": " + error.message());
  if (size > max_bytes) {
    return Unexpected("file is " + std::to_string(size) + " bytes, more than the limit of " +
                      std::to_string(max_bytes));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return Unexpected("cannot open " + path.string());
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (file.bad()) return Unexpected("cannot read " + path.string());
  return FetchedObject{bytes.str(), {}};
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
                                     [&] { return read_file(root_ / object.key, max_bytes); });
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
