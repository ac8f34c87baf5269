#include "store/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/encoding.h"
#include "store/object_writer.h"

namespace satchel::store {
namespace {

constexpr std::string_view kAccessKeyPrefix = "SATC";
constexpr size_t kAccessKeyIdLength = 20;
constexpr size_t kSecretBytes = 30;  // 40 characters of base64
constexpr size_t kMaxFileBytes = 64 * 1024;
constexpr std::string_view kAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

std::string errno_text() { return std::strerror(errno); }

// Uniform upper-case letters and digits: bytes at or above the largest
// multiple of 36 are drawn again so no character is favored.
std::string random_alphanumerics(size_t count) {
  constexpr unsigned kLimit = 256 - 256 % kAlphanumerics.size();
  std::string out;
  while (out.size() < count) {
    for (unsigned char byte : random_bytes(count)) {
      if (byte < kLimit && out.size() < count) out += kAlphanumerics[byte % kAlphanumerics.size()];
    }
  }
  return out;
}

nlohmann::json key_to_json(const AccessKey& key) {
  return {{"access_key_id", key.access_key_id},
          {"secret_access_key", key.secret_access_key.reveal()},
          {"policy", key.policy.to_json()}};
}

// Reads the member name of the document, giving the key default_policy when
// it has no "policy" member.
Expected<AccessKey, std::string> key_from_json(const nlohmann::json& document,
                                               const std::string& name,
                                               const KeyPolicy& default_policy) {
  const std::string shape =
      "must contain \"admin\" and \"api\" objects with access_key_id and secret_access_key "
      "strings";
  auto object = document.find(name);
  if (object == document.end() || !object->is_object()) return Unexpected(shape);
  auto id = object->find("access_key_id");
  auto secret = object->find("secret_access_key");
  if (id == object->end() || secret == object->end() || !id->is_string() || !secret->is_string()) {
    return Unexpected(shape);
  }
  if (id->get_ref<const std::string&>().empty() || secret->get_ref<const std::string&>().empty()) {
    return Unexpected(shape);
  }
  KeyPolicy policy = default_policy;
  if (auto member = object->find("policy"); member != object->end()) {
    auto parsed = KeyPolicy::from_json(*member);
    if (!parsed) return Unexpected(name + "." + parsed.error());
    policy = std::move(*parsed);
  }
  return AccessKey{id->get<std::string>(), Secret(secret->get<std::string>()), std::move(policy)};
}

Expected<void, std::string> make_private_directories(const std::filesystem::path& path) {
  std::filesystem::path partial;
  for (const auto& part : path) {
    partial /= part;
    if (partial == partial.root_path()) continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return Unexpected("cannot create " + partial.string() + ": " + errno_text());
    }
  }
  return {};
}

Expected<void, std::string> write_all(int fd, std::string_view bytes,
                                      const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return Unexpected("cannot write " + path.string() + ": " + errno_text());
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return {};
}

// Writes a fresh file. Returns false (and no error) when another process
// created the file first.
Expected<bool, std::string> create_file(const std::filesystem::path& path,
                                        const KeyPolicy& api_policy) {
  StoreCredentials fresh{generate_access_key(), generate_access_key()};
  fresh.admin.policy = KeyPolicy::full_access();
  fresh.api.policy = api_policy;
  nlohmann::json document = {{"admin", key_to_json(fresh.admin)}, {"api", key_to_json(fresh.api)}};
  std::string text = document.dump(2) + "\n";

  auto temp = path;
  temp += ".tmp-" + hex_encode(random_bytes(8));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unexpected("cannot create " + temp.string() + ": " + errno_text());
  auto written = write_all(fd, text, temp);
  if (written && ::fsync(fd) != 0) {
    written = Unexpected("cannot sync " + temp.string() + ": " + errno_text());
  }
  ::close(fd);
  if (!written) {
    ::unlink(temp.c_str());
    return Unexpected(written.error());
  }
  // link() fails when the name exists, unlike rename(), so a concurrent
  // creator's keys are never replaced.
  int linked = ::link(temp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked != 0 && link_errno == EEXIST) return false;
  if (linked != 0) {
    return Unexpected("cannot create " + path.string() + ": " + std::strerror(link_errno));
  }
  sync_directory(path.parent_path());
  return true;
}

Expected<StoreCredentials, std::string> read_file(const std::filesystem::path& path,
                                                  const KeyPolicy& api_policy) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unexpected("cannot open " + path.string() + ": " + errno_text());
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return Unexpected("cannot stat " + path.string() + ": " + errno_text());
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return Unexpected(path.string() +
                      " is readable by group or others; restrict it with chmod 600");
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    text.append(buffer, static_cast<size_t>(count));
    if (text.size() > kMaxFileBytes) break;
  }
  ::close(fd);

  auto document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return Unexpected(path.string() + " is not valid JSON");
  }
  auto admin = key_from_json(document, "admin", KeyPolicy::full_access());
  if (!admin) return Unexpected(path.string() + ": " + admin.error());
  auto api = key_from_json(document, "api", api_policy);
  if (!api) return Unexpected(path.string() + ": " + api.error());
  return StoreCredentials{std::move(*admin), std::move(*api)};
}

}  // namespace

const AccessKey* StoreCredentials::find(std::string_view access_key_id) const {
  if (access_key_id == admin.access_key_id) return &admin;
  if (access_key_id == api.access_key_id) return &api;
  return nullptr;
}

std::filesystem::path credentials_path(const std::filesystem::path& data_dir) {
  return data_dir / "store" / "credentials.json";
}

AccessKey generate_access_key() {
  std::string id(kAccessKeyPrefix);
  id += random_alphanumerics(kAccessKeyIdLength - kAccessKeyPrefix.size());
  return AccessKey{std::move(id), Secret(base64_encode(random_bytes(kSecretBytes))), KeyPolicy()};
}

Expected<StoreCredentials, std::string> load_or_create_credentials(
    const std::filesystem::path& data_dir, const KeyPolicy& api_policy) {
  auto path = credentials_path(data_dir);
  auto made = make_private_directories(path.parent_path());
  if (!made) return Unexpected(made.error());
  if (::access(path.c_str(), F_OK) != 0) {
    if (errno != ENOENT) return Unexpected("cannot access " + path.string() + ": " + errno_text());
    auto created = create_file(path, api_policy);
    if (!created) return Unexpected(created.error());
  }
  return read_file(path, api_policy);
}

}  // namespace satchel::store
