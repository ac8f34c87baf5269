#include "store/master_keys.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "obs/log.h"
#include "store/encryption.h"

namespace satchel::store {
namespace {

constexpr int kKeyFileFormat = 1;
constexpr size_t kKeyIdRandomBytes = 8;
constexpr size_t kDerivedIdHexChars = 16;
constexpr std::string_view kDerivedIdLabel = "satchel master key id\n";
constexpr size_t kMaxKeyFileBytes = 1 << 20;

std::string errno_text() { return std::strerror(errno); }

Expected<std::string, std::string> read_small_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Unexpected("cannot open " + path.string() + ": " + errno_text());
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return Unexpected("cannot inspect " + path.string() + ": " + errno_text());
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return Unexpected(path.string() +
                      " can be read or written by its group or by others; run chmod 600 on it");
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      ::close(fd);
      return Unexpected("cannot read " + path.string() + ": " + errno_text());
    }
    if (count == 0) break;
    text.append(buffer, static_cast<size_t>(count));
    if (text.size() > kMaxKeyFileBytes) {
      ::close(fd);
      return Unexpected(path.string() + " is too large to be a key file");
    }
  }
  ::close(fd);
  return text;
}

Expected<KeyFile, std::string> parse_key_file(const std::string& text,
                                              const std::filesystem::path& path) {
  auto invalid = [&](std::string_view why) {
    return Unexpected(path.string() + " is not a valid key file: " + std::string(why));
  };
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return invalid("not a JSON object");
  if (json.value("format", 0) != kKeyFileFormat) return invalid("unknown format");
  KeyFile file;
  file.current = json.value("current", "");
  auto keys = json.find("keys");
  if (keys == json.end() || !keys->is_array()) return invalid("no keys array");
  for (const auto& entry : *keys) {
    if (!entry.is_object()) return invalid("a key is not an object");
    MasterKey key;
    key.id = entry.value("id", "");
    auto decoded = base64_decode(entry.value("key", ""));
    if (key.id.empty() || key.id.size() > kMaxKeyIdBytes) return invalid("a key id is invalid");
    if (!decoded || decoded->size() != kMasterKeyBytes) {
      return invalid("key '" + key.id + "' is not base64 of 32 bytes");
    }
    key.key = Secret(std::move(*decoded));
    key.created = parse_iso8601(entry.value("created", "")).value_or(SystemTime{});
    if (file.find(key.id)) return invalid("key id '" + key.id + "' appears twice");
    file.keys.push_back(std::move(key));
  }
  if (!file.find(file.current)) return invalid("the current key is not among the keys");
  return file;
}

std::string render_key_file(const KeyFile& file) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& key : file.keys) {
    keys.push_back({{"id", key.id},
                    {"key", base64_encode(key.key.reveal())},
                    {"created", format_iso8601(key.created)}});
  }
  nlohmann::json json{{"format", kKeyFileFormat}, {"current", file.current}, {"keys", keys}};
  return json.dump(2) + "\n";
}

MasterKey new_master_key(const Clock& clock) {
  return MasterKey{hex_encode(random_bytes(kKeyIdRandomBytes)),
                   Secret(random_bytes(kMasterKeyBytes)), clock.now()};
}

// An exclusive lock on <path>.lock for the lifetime of the object.
class KeyFileLock {
 public:
  static Expected<KeyFileLock, std::string> acquire(const std::filesystem::path& key_path) {
    auto path = key_path.string() + ".lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Unexpected("cannot open " + path + ": " + errno_text());
    if (::flock(fd, LOCK_EX) != 0) {
      ::close(fd);
      return Unexpected("cannot lock " + path + ": " + errno_text());
    }
    return KeyFileLock(fd);
  }
  KeyFileLock(KeyFileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  KeyFileLock(const KeyFileLock&) = delete;
  KeyFileLock& operator=(const KeyFileLock&) = delete;
  KeyFileLock& operator=(KeyFileLock&&) = delete;
  ~KeyFileLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit KeyFileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace

const MasterKey* KeyFile::find(std::string_view id) const {
  auto found =
      std::find_if(keys.begin(), keys.end(), [&](const MasterKey& key) { return key.id == id; });
  return found == keys.end() ? nullptr : &*found;
}

std::filesystem::path master_key_path(const std::filesystem::path& data_dir) {
  return data_dir / "store" / "master-keys.json";
}

Expected<KeyFile, std::string> read_key_file(const std::filesystem::path& path) {
  auto text = read_small_file(path);
  if (!text) return Unexpected(text.error());
  return parse_key_file(*text, path);
}

Expected<void, std::string> write_key_file(const std::filesystem::path& path, const KeyFile& file) {
  std::string text = render_key_file(file);
  auto temp = path.string() + ".new";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Unexpected("cannot create " + temp + ": " + errno_text());
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t written = ::write(fd, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      ::close(fd);
      ::unlink(temp.c_str());
      return Unexpected("cannot write " + temp + ": " + errno_text());
    }
    rest.remove_prefix(static_cast<size_t>(written));
  }
  // O_TRUNC keeps the mode of a leftover file, so set it explicitly.
  bool durable = ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!durable || ::rename(temp.c_str(), path.c_str()) != 0) {
    std::string error = errno_text();
    ::unlink(temp.c_str());
    return Unexpected("cannot replace " + path.string() + ": " + error);
  }
  int folder = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder >= 0) {
    ::fsync(folder);
    ::close(folder);
  }
  return {};
}

Expected<std::string, std::string> rotate_key_file(const std::filesystem::path& path,
                                                   const Clock& clock) {
  auto lock = KeyFileLock::acquire(path);
  if (!lock) return Unexpected(lock.error());
  auto file = read_key_file(path);
  if (!file) return Unexpected(file.error());
  MasterKey key = new_master_key(clock);
  std::string id = key.id;
  file->keys.push_back(std::move(key));
  file->current = id;
  auto written = write_key_file(path, *file);
  if (!written) return Unexpected(written.error());
  return id;
}

Expected<void, std::string> remove_key_from_file(const std::filesystem::path& path,
                                                 const std::string& id) {
  auto lock = KeyFileLock::acquire(path);
  if (!lock) return Unexpected(lock.error());
  auto file = read_key_file(path);
  if (!file) return Unexpected(file.error());
  if (file->current == id) return Unexpected("key '" + id + "' is the current key");
  auto removed = std::erase_if(file->keys, [&](const MasterKey& key) { return key.id == id; });
  if (removed == 0) return Unexpected("no key '" + id + "' in " + path.string());
  return write_key_file(path, *file);
}

Expected<std::shared_ptr<MasterKeyRing>, std::string> MasterKeyRing::from_file(
    const std::filesystem::path& path, const Clock& clock) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    auto lock = KeyFileLock::acquire(path);
    if (!lock) return Unexpected(lock.error());
    if (!std::filesystem::exists(path, error)) {
      KeyFile file;
      file.keys.push_back(new_master_key(clock));
      file.current = file.keys.front().id;
      auto written = write_key_file(path, file);
      if (!written) return Unexpected(written.error());
      obs::info("created the store's master key file",
                {{"path", path.string()}, {"key_id", file.current}});
    }
  }
  auto file = read_key_file(path);
  if (!file) return Unexpected(file.error());
  return std::shared_ptr<MasterKeyRing>(new MasterKeyRing(path, std::move(*file)));
}

Expected<std::shared_ptr<MasterKeyRing>, std::string> MasterKeyRing::from_base64(
    const Secret& encoded) {
  auto decoded = base64_decode(encoded.reveal());
  if (!decoded || decoded->size() != kMasterKeyBytes) {
    return Unexpected(std::string("store.master_key must be base64 of 32 bytes"));
  }
  std::string id =
      "env-" +
      hex_encode(sha256(std::string(kDerivedIdLabel) + *decoded)).substr(0, kDerivedIdHexChars);
  KeyFile file;
  file.current = id;
  file.keys.push_back(MasterKey{id, Secret(std::move(*decoded)), SystemTime{}});
  return std::shared_ptr<MasterKeyRing>(new MasterKeyRing({}, std::move(file)));
}

MasterKey MasterKeyRing::current() const {
  std::lock_guard lock(mutex_);
  return *keys_.find(keys_.current);
}

std::optional<Secret> MasterKeyRing::find(std::string_view id) const {
  std::lock_guard lock(mutex_);
  const MasterKey* key = keys_.find(id);
  if (!key) return std::nullopt;
  return key->key;
}

Expected<bool, std::string> MasterKeyRing::reload() {
  if (path_.empty()) return false;
  auto file = read_key_file(path_);
  if (!file) return Unexpected(file.error());
  std::lock_guard lock(mutex_);
  bool changed = file->current != keys_.current;
  keys_ = std::move(*file);
  return changed;
}

}  // namespace satchel::store
