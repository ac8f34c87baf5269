#include "auth/signing_key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "auth/jws_algorithm.h"
#include "auth/jwt.h"
#include "common/crypto.h"
#include "common/encoding.h"

namespace satchel::auth {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using UniqueBio = std::unique_ptr<BIO, BioFree>;

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { close(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Returns false when close(2) reports an error, which can be a lost write.
  bool close() {
    if (fd_ < 0) return true;
    const int result = ::close(fd_);
    fd_ = -1;
    return result == 0;
  }

 private:
  int fd_;
};

// A std::string that is wiped before its memory is released.
struct WipedString {
  WipedString() = default;
  explicit WipedString(std::string text) : bytes(std::move(text)) {}
  WipedString(WipedString&&) = default;
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  ~WipedString() { OPENSSL_cleanse(bytes.data(), bytes.size()); }

  std::string bytes;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// Syncs a folder so that a rename or link inside it survives a crash.
void sync_folder(const std::filesystem::path& folder) {
  FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) ::fsync(fd.get());
}

Expected<std::string, SigningKeyError> to_pkcs8_pem(EVP_PKEY* key) {
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Unexpected(SigningKeyError::kWriteFailed);
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<size_t>(length));
  OPENSSL_cleanse(data, static_cast<size_t>(length));
  return pem;
}

enum class Placement { kReplace, kCreateOnly };

// Writes bytes to a new 0600 temporary file beside path, syncs it, then moves
// it to path. Returns true when the file was placed, and false when
// kCreateOnly found path already present, because link(2) never replaces.
Expected<bool, SigningKeyError> write_private_file(const std::filesystem::path& path,
                                                   std::string_view bytes, Placement placement) {
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  std::filesystem::path temporary = path;
  temporary += ".tmp-" + hex_encode(random_bytes(8));

  FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                           S_IRUSR | S_IWUSR));
  if (!fd.valid()) return Unexpected(SigningKeyError::kWriteFailed);
  // The umask can only have removed bits, so fchmod sets exactly 0600.
  const bool written = ::fchmod(fd.get(), S_IRUSR | S_IWUSR) == 0 && write_all(fd.get(), bytes) &&
                       ::fsync(fd.get()) == 0 && fd.close();
  if (!written) {
    ::unlink(temporary.c_str());
    return Unexpected(SigningKeyError::kWriteFailed);
  }

  bool placed = false;
  bool existed = false;
  if (placement == Placement::kCreateOnly) {
    placed = ::link(temporary.c_str(), path.c_str()) == 0;
    existed = !placed && errno == EEXIST;
    ::unlink(temporary.c_str());
  } else {
    placed = ::rename(temporary.c_str(), path.c_str()) == 0;
    if (!placed) ::unlink(temporary.c_str());
  }
  if (!placed && !existed) return Unexpected(SigningKeyError::kWriteFailed);
  sync_folder(folder);
  return placed;
}

Expected<WipedString, SigningKeyError> read_private_file(const std::filesystem::path& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return Unexpected(errno == ENOENT ? SigningKeyError::kNotFound : SigningKeyError::kReadFailed);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return Unexpected(SigningKeyError::kReadFailed);
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Unexpected(SigningKeyError::kInsecurePermissions);
  }
  if (static_cast<size_t>(info.st_size) > kMaxKeyFileBytes) {
    return Unexpected(SigningKeyError::kInvalidKey);
  }
  WipedString contents;
  contents.bytes.resize(kMaxKeyFileBytes + 1);
  size_t total = 0;
  while (total < contents.bytes.size()) {
    const ssize_t count =
        ::read(fd.get(), contents.bytes.data() + total, contents.bytes.size() - total);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return Unexpected(SigningKeyError::kReadFailed);
    if (count == 0) break;
    total += static_cast<size_t>(count);
  }
  if (total > kMaxKeyFileBytes) return Unexpected(SigningKeyError::kInvalidKey);
  contents.bytes.resize(total);
  return contents;
}

// A passphrase callback that supplies none, so an encrypted PEM fails to
// load instead of prompting on the terminal.
int no_passphrase(char* /*buffer*/, int /*size*/, int /*writing*/, void* /*user_data*/) {
  return 0;
}

bool is_p256_private_key(const EVP_PKEY* key) {
  std::array<char, 32> group{};
  return EVP_PKEY_is_a(key, "EC") == 1 &&
         EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                        nullptr) == 1 &&
         std::string_view(group.data()) == "prime256v1";
}

}  // namespace

std::string_view signing_key_error_description(SigningKeyError error) {
  switch (error) {
    case SigningKeyError::kGenerateFailed:
      return "generating a P-256 signing key failed";
    case SigningKeyError::kNotFound:
      return "the signing key file does not exist";
    case SigningKeyError::kReadFailed:
      return "the signing key file could not be read";
    case SigningKeyError::kWriteFailed:
      return "the signing key file could not be written";
    case SigningKeyError::kInsecurePermissions:
      return "the signing key file is accessible by group or others; run chmod 600 on it";
    case SigningKeyError::kInvalidKey:
      return "the signing key file is not an unencrypted PEM P-256 private key";
    case SigningKeyError::kSigningFailed:
      return "signing with the signing key failed";
  }
  return "signing key error";
}

SigningKey::SigningKey(UniqueEvpPkey key, Jwk public_jwk)
    : key_(std::move(key)), public_jwk_(std::move(public_jwk)) {}

Expected<SigningKey, SigningKeyError> SigningKey::from_private_key(UniqueEvpPkey key) {
  if (!key || !is_p256_private_key(key.get())) return Unexpected(SigningKeyError::kInvalidKey);
  auto anonymous = Jwk::from_key(key.get(), "", "ES256");
  if (!anonymous) return Unexpected(SigningKeyError::kInvalidKey);
  auto jwk = Jwk::from_key(key.get(), anonymous->thumbprint(), "ES256");
  if (!jwk) return Unexpected(SigningKeyError::kInvalidKey);
  return SigningKey(std::move(key), std::move(*jwk));
}

Expected<SigningKey, SigningKeyError> SigningKey::generate() {
  UniqueEvpPkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Unexpected(SigningKeyError::kGenerateFailed);
  return from_private_key(std::move(key));
}

Expected<SigningKey, SigningKeyError> SigningKey::load(const std::filesystem::path& path) {
  auto contents = read_private_file(path);
  if (!contents) return Unexpected(contents.error());
  UniqueBio bio(BIO_new_mem_buf(contents->bytes.data(), static_cast<int>(contents->bytes.size())));
  if (!bio) return Unexpected(SigningKeyError::kReadFailed);
  UniqueEvpPkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();
  return from_private_key(std::move(key));
}

Expected<SigningKey, SigningKeyError> SigningKey::load_or_create(
    const std::filesystem::path& path) {
  auto existing = load(path);
  if (existing || existing.error() != SigningKeyError::kNotFound) return existing;

  auto created = generate();
  if (!created) return created;
  auto pem = to_pkcs8_pem(created->key_.get());
  if (!pem) return Unexpected(pem.error());
  WipedString wiped(std::move(*pem));
  auto placed = write_private_file(path, wiped.bytes, Placement::kCreateOnly);
  if (!placed) return Unexpected(placed.error());
  // Another process created the file first: use its key.
  if (!*placed) return load(path);
  return created;
}

Expected<void, SigningKeyError> SigningKey::save(const std::filesystem::path& path) const {
  auto pem = to_pkcs8_pem(key_.get());
  if (!pem) return Unexpected(pem.error());
  WipedString wiped(std::move(*pem));
  auto placed = write_private_file(path, wiped.bytes, Placement::kReplace);
  if (!placed) return Unexpected(placed.error());
  return {};
}

nlohmann::json SigningKey::jwks() const {
  return nlohmann::json{{"keys", nlohmann::json::array({public_jwk_.to_json()})}};
}

Expected<std::string, SigningKeyError> SigningKey::sign(std::string_view signing_input) const {
  auto signature = sign_jws(JwsAlgorithm::kEs256, key_.get(), signing_input);
  if (!signature) return Unexpected(SigningKeyError::kSigningFailed);
  return std::move(*signature);
}

Expected<std::string, SigningKeyError> mint_token(const SigningKey& key,
                                                  const nlohmann::json& claims) {
  const nlohmann::json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"kid", key.kid()}};
  std::string token = make_signing_input(header, claims);
  auto signature = key.sign(token);
  if (!signature) return Unexpected(signature.error());
  token += ".";
  token += base64url_encode(*signature);
  return token;
}

}  // namespace satchel::auth
