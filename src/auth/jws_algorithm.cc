#include "auth/jws_algorithm.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <memory>

#include "common/crypto.h"

namespace satchel::auth {
namespace {

enum class Scheme { kPkcs1, kPss, kEcdsa, kEdDsa, kHmac };

struct AlgorithmInfo {
  JwsAlgorithm algorithm;
  std::string_view name;
  std::string_view kty;
  std::string_view crv;  // empty when the key type has no curve
  const char* digest;    // nullptr for EdDSA, which hashes internally
  Scheme scheme;
  size_t coordinate_bytes;  // ECDSA only: the size of r and of s
};

constexpr std::array<AlgorithmInfo, 9> kAlgorithms = {{
    {JwsAlgorithm::kRs256, "RS256", "RSA", "", "SHA256", Scheme::kPkcs1, 0},
    {JwsAlgorithm::kRs384, "RS384", "RSA", "", "SHA384", Scheme::kPkcs1, 0},
    {JwsAlgorithm::kRs512, "RS512", "RSA", "", "SHA512", Scheme::kPkcs1, 0},
    {JwsAlgorithm::kPs256, "PS256", "RSA", "", "SHA256", Scheme::kPss, 0},
    {JwsAlgorithm::kPs384, "PS384", "RSA", "", "SHA384", Scheme::kPss, 0},
    {JwsAlgorithm::kEs256, "ES256", "EC", "P-256", "SHA256", Scheme::kEcdsa, 32},
    {JwsAlgorithm::kEs384, "ES384", "EC", "P-384", "SHA384", Scheme::kEcdsa, 48},
    {JwsAlgorithm::kEdDsa, "EdDSA", "OKP", "Ed25519", nullptr, Scheme::kEdDsa, 0},
    {JwsAlgorithm::kHs256, "HS256", "oct", "", "SHA256", Scheme::kHmac, 0},
}};

constexpr size_t kEd25519SignatureBytes = 64;
constexpr size_t kHs256SignatureBytes = 32;

const AlgorithmInfo& info_of(JwsAlgorithm algorithm) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (info.algorithm == algorithm) return info;
  }
  return kAlgorithms[0];  // unreachable: the table covers every enumerator
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using UniqueMdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

struct EcdsaSigFree {
  void operator()(ECDSA_SIG* signature) const { ECDSA_SIG_free(signature); }
};
using UniqueEcdsaSig = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// RFC 7518 sections 3.3 and 3.5: PSS with MGF1 over the same hash and a salt
// as long as the hash output.
bool configure_padding(EVP_PKEY_CTX* context, const AlgorithmInfo& info) {
  if (info.scheme != Scheme::kPss) return true;
  return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md_name(context, info.digest, nullptr) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST) > 0;
}

// Converts a raw r || s signature into the DER ECDSA-Sig-Value OpenSSL takes.
std::optional<std::string> raw_ecdsa_to_der(std::string_view raw) {
  const size_t half = raw.size() / 2;
  BIGNUM* r = BN_bin2bn(as_bytes(raw), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(as_bytes(raw.substr(half)), static_cast<int>(half), nullptr);
  UniqueEcdsaSig signature(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || !signature || ECDSA_SIG_set0(signature.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(signature.get(), &der);
  if (length <= 0) return std::nullopt;
  std::string result(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return result;
}

std::optional<std::string> der_ecdsa_to_raw(std::string_view der, size_t coordinate_bytes) {
  const unsigned char* cursor = as_bytes(der);
  UniqueEcdsaSig signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!signature) return std::nullopt;
  const BIGNUM* r = ECDSA_SIG_get0_r(signature.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(signature.get());
  std::string raw(2 * coordinate_bytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  const int width = static_cast<int>(coordinate_bytes);
  if (BN_bn2binpad(r, out, width) != width || BN_bn2binpad(s, out + width, width) != width) {
    return std::nullopt;
  }
  return raw;
}

bool digest_verify(const AlgorithmInfo& info, EVP_PKEY* key, std::string_view signing_input,
                   std::string_view signature) {
  UniqueMdCtx context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;
  if (!context || EVP_DigestVerifyInit_ex(context.get(), &key_context, info.digest, nullptr,
                                          nullptr, key, nullptr) != 1) {
    return false;
  }
  if (!configure_padding(key_context, info)) return false;
  return EVP_DigestVerify(context.get(), as_bytes(signature), signature.size(),
                          as_bytes(signing_input), signing_input.size()) == 1;
}

// Applies the encoding rules of each scheme, then verifies.
bool verify_with_key(const AlgorithmInfo& info, EVP_PKEY* key, std::string_view signing_input,
                     std::string_view signature) {
  switch (info.scheme) {
    case Scheme::kPkcs1:
    case Scheme::kPss:
      if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key))) return false;
      return digest_verify(info, key, signing_input, signature);
    case Scheme::kEcdsa: {
      // A DER signature or one with stripped or added bytes has another length.
      if (signature.size() != 2 * info.coordinate_bytes) return false;
      auto der = raw_ecdsa_to_der(signature);
      return der && digest_verify(info, key, signing_input, *der);
    }
    case Scheme::kEdDsa:
      if (signature.size() != kEd25519SignatureBytes) return false;
      return digest_verify(info, key, signing_input, signature);
    case Scheme::kHmac:
      return false;
  }
  return false;
}

Expected<std::string, SignatureError> digest_sign(const AlgorithmInfo& info, EVP_PKEY* key,
                                                  std::string_view signing_input) {
  UniqueMdCtx context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;
  if (!context ||
      EVP_DigestSignInit_ex(context.get(), &key_context, info.digest, nullptr, nullptr, key,
                            nullptr) != 1 ||
      !configure_padding(key_context, info)) {
    return Unexpected(SignatureError::kSigningFailed);
  }
  size_t length = 0;
  if (EVP_DigestSign(context.get(), nullptr, &length, as_bytes(signing_input),
                     signing_input.size()) != 1) {
    return Unexpected(SignatureError::kSigningFailed);
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     as_bytes(signing_input), signing_input.size()) != 1) {
    return Unexpected(SignatureError::kSigningFailed);
  }
  signature.resize(length);
  return signature;
}

bool private_key_fits(const AlgorithmInfo& info, EVP_PKEY* key) {
  switch (info.scheme) {
    case Scheme::kPkcs1:
    case Scheme::kPss:
      return EVP_PKEY_is_a(key, "RSA") == 1;
    case Scheme::kEcdsa:
      return EVP_PKEY_is_a(key, "EC") == 1 &&
             EVP_PKEY_get_bits(key) == static_cast<int>(8 * info.coordinate_bytes);
    case Scheme::kEdDsa:
      return EVP_PKEY_is_a(key, "ED25519") == 1;
    case Scheme::kHmac:
      return false;
  }
  return false;
}

}  // namespace

std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view name) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (info.name == name) return info.algorithm;
  }
  return std::nullopt;
}

std::string_view jws_algorithm_name(JwsAlgorithm algorithm) { return info_of(algorithm).name; }

Expected<void, SignatureError> check_key_allows(const Jwk& key, JwsAlgorithm algorithm) {
  const AlgorithmInfo& info = info_of(algorithm);
  const bool type_fits = info.scheme != Scheme::kHmac && key.kty() == info.kty &&
                         (info.crv.empty() || key.crv() == info.crv);
  const bool alg_fits = key.alg().empty() || key.alg() == info.name;
  const bool use_fits = key.use().empty() || key.use() == "sig";
  const bool ops_fit =
      key.key_ops().empty() ||
      std::find(key.key_ops().begin(), key.key_ops().end(), "verify") != key.key_ops().end();
  if (!type_fits || !alg_fits || !use_fits || !ops_fit) {
    return Unexpected(SignatureError::kKeyMismatch);
  }
  return {};
}

Expected<void, SignatureError> verify_jws_signature(JwsAlgorithm algorithm, const Jwk& key,
                                                    std::string_view signing_input,
                                                    std::string_view signature) {
  auto allowed = check_key_allows(key, algorithm);
  if (!allowed) return allowed;
  const bool valid = verify_with_key(info_of(algorithm), key.key(), signing_input, signature);
  // A failed verification leaves entries on this thread's OpenSSL error queue,
  // which would otherwise surface in an unrelated later call.
  ERR_clear_error();
  if (!valid) return Unexpected(SignatureError::kInvalidSignature);
  return {};
}

bool verify_hs256_signature(const Secret& secret, std::string_view signing_input,
                            std::string_view signature) {
  if (signature.size() != kHs256SignatureBytes) return false;
  return constant_time_equal(hmac_sha256(secret.reveal(), signing_input), signature);
}

Expected<std::string, SignatureError> sign_jws(JwsAlgorithm algorithm, EVP_PKEY* private_key,
                                               std::string_view signing_input) {
  const AlgorithmInfo& info = info_of(algorithm);
  if (!private_key_fits(info, private_key)) return Unexpected(SignatureError::kKeyMismatch);
  auto signature = digest_sign(info, private_key, signing_input);
  ERR_clear_error();
  if (!signature || info.scheme != Scheme::kEcdsa) return signature;
  auto raw = der_ecdsa_to_raw(*signature, info.coordinate_bytes);
  if (!raw) return Unexpected(SignatureError::kSigningFailed);
  return std::move(*raw);
}

}  // namespace satchel::auth
