// Hashes, HMAC and randomness on OpenSSL 3. Digests are returned as raw
// bytes in a std::string; hex_encode() them for display.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace satchel {

std::string sha256(std::string_view data);
std::string md5(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

// Constant-time comparison for signatures and digests.
bool constant_time_equal(std::string_view a, std::string_view b);

// Cryptographically secure random bytes. Aborts if the system RNG fails,
// because no caller can continue safely without it.
std::string random_bytes(size_t count);

// A random identifier: count random bytes, base64url-encoded.
std::string random_token(size_t count);

// Incremental digest for streamed bodies (SHA-256, MD5, ...).
class Digest {
 public:
  explicit Digest(const EVP_MD* algorithm);
  void update(std::string_view data);
  // Returns the raw digest. The object must not be used afterwards.
  std::string finish();

  static Digest sha256() { return Digest(EVP_sha256()); }
  static Digest md5() { return Digest(EVP_md5()); }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> context_;
};

}  // namespace satchel
