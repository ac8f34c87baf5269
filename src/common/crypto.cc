#include "common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <stdexcept>

#include "common/encoding.h"

namespace satchel {
namespace {

std::string digest_of(const EVP_MD* algorithm, std::string_view data) {
  Digest digest(algorithm);
  digest.update(data);
  return digest.finish();
}

}  // namespace

Digest::Digest(const EVP_MD* algorithm) : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), algorithm, nullptr) != 1) {
    throw std::runtime_error("EVP_DigestInit_ex failed");
  }
}

void Digest::update(std::string_view data) {
  EVP_DigestUpdate(context_.get(), data.data(), data.size());
}

std::string Digest::finish() {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_.get(), reinterpret_cast<unsigned char*>(out.data()), &length);
  out.resize(length);
  return out;
}

std::string sha256(std::string_view data) { return digest_of(EVP_sha256(), data); }

std::string md5(std::string_view data) { return digest_of(EVP_md5(), data); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       reinterpret_cast<unsigned char*>(out.data()), &length);
  out.resize(length);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(size_t count) {
  std::string out(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    std::abort();
  }
  return out;
}

std::string random_token(size_t count) { return base64url_encode(random_bytes(count)); }

}  // namespace satchel
