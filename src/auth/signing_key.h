// The development OpenID provider's ES256 signing key: generation, storage
// as a PKCS#8 PEM file readable only by its owner, its public JWK and token
// signing.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "auth/jwk.h"
#include "common/expected.h"

namespace satchel::auth {

enum class SigningKeyError {
  kGenerateFailed,       // OpenSSL could not generate a P-256 key
  kNotFound,             // the key file does not exist
  kReadFailed,           // the key file could not be opened or read
  kWriteFailed,          // the key file could not be written, synced or renamed into place
  kInsecurePermissions,  // the key file is readable or writable by group or others
  kInvalidKey,           // the file is not an unencrypted PEM P-256 private key
  kSigningFailed,        // OpenSSL could not sign
};

std::string_view signing_key_error_description(SigningKeyError error);

// Key files larger than this are rejected unread. A P-256 PKCS#8 PEM is 241 bytes.
inline constexpr size_t kMaxKeyFileBytes = size_t{16} * 1024;

// A P-256 private key with its public JWK, whose kid is the RFC 7638
// thumbprint so that it changes whenever the key does. Move-only and
// immutable, so it may be shared between threads.
class SigningKey {
 public:
  static Expected<SigningKey, SigningKeyError> generate();

  // Reads a PKCS#8 or SEC 1 PEM P-256 private key. Rejects a file that group
  // or others may read or write, as ssh does for private keys, because the
  // key can mint tokens for any user.
  static Expected<SigningKey, SigningKeyError> load(const std::filesystem::path& path);

  // Loads the key at path, or generates one and saves it there when the file
  // does not exist. When two processes race, both end up with the key that
  // reached the file first.
  static Expected<SigningKey, SigningKeyError> load_or_create(const std::filesystem::path& path);

  // Writes the key as unencrypted PKCS#8 PEM with mode 0600, replacing any
  // existing file. The bytes go to a new temporary file in the same folder,
  // created with O_EXCL and mode 0600 so no other user can open it at any
  // point, then synced and renamed over path.
  Expected<void, SigningKeyError> save(const std::filesystem::path& path) const;

  const Jwk& public_jwk() const { return public_jwk_; }
  const std::string& kid() const { return public_jwk_.kid(); }

  // {"keys": [public JWK]}, for the provider's jwks_uri.
  nlohmann::json jwks() const;

  // Returns the ES256 signature of signing_input as raw r || s (64 bytes).
  Expected<std::string, SigningKeyError> sign(std::string_view signing_input) const;

 private:
  SigningKey(UniqueEvpPkey key, Jwk public_jwk);
  static Expected<SigningKey, SigningKeyError> from_private_key(UniqueEvpPkey key);

  UniqueEvpPkey key_;
  Jwk public_jwk_;
};

// Signs claims into a compact JWT with header {"alg":"ES256","typ":"JWT","kid":...}.
Expected<std::string, SigningKeyError> mint_token(const SigningKey& key,
                                                  const nlohmann::json& claims);

}  // namespace satchel::auth
