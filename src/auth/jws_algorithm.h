// JWS signature algorithms (RFC 7518 section 3, RFC 8037 section 3.1): which
// key each one takes, and the signing and verification primitives.
#pragma once

#include <openssl/evp.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwk.h"
#include "common/expected.h"
#include "common/secret.h"

namespace satchel::auth {

enum class JwsAlgorithm { kRs256, kRs384, kRs512, kPs256, kPs384, kEs256, kEs384, kEdDsa, kHs256 };

// The asymmetric algorithms, which are accepted by default.
inline const std::vector<JwsAlgorithm> kAsymmetricAlgorithms = {
    JwsAlgorithm::kRs256, JwsAlgorithm::kRs384, JwsAlgorithm::kRs512, JwsAlgorithm::kPs256,
    JwsAlgorithm::kPs384, JwsAlgorithm::kEs256, JwsAlgorithm::kEs384, JwsAlgorithm::kEdDsa};

// Maps a header "alg" value to an algorithm. Names are case-sensitive as in
// RFC 7515 section 4.1.1, so "rs256" is not RS256. Returns nullopt for
// everything else, including "none".
std::optional<JwsAlgorithm> parse_jws_algorithm(std::string_view name);
std::string_view jws_algorithm_name(JwsAlgorithm algorithm);

enum class SignatureError {
  kKeyMismatch,       // the key's kty, crv, alg, use or key_ops do not allow this algorithm
  kInvalidSignature,  // wrong length or encoding, or the signature does not verify
  kSigningFailed,     // OpenSSL could not sign with this key
};

// Checks that a key may verify signatures of this algorithm: the key type and
// curve fit the algorithm, a key "alg" equals it, a key "use" is "sig", and
// key_ops, when present, include "verify". HS256 never matches a JWK because
// its key is a configured secret.
Expected<void, SignatureError> check_key_allows(const Jwk& key, JwsAlgorithm algorithm);

// Verifies a JWS signature over signing_input (ASCII(header "." payload)).
// ES256 and ES384 signatures must be the raw r || s of RFC 7518 section 3.4,
// exactly 64 or 96 bytes. The key must pass check_key_allows(). Not for HS256.
Expected<void, SignatureError> verify_jws_signature(JwsAlgorithm algorithm, const Jwk& key,
                                                    std::string_view signing_input,
                                                    std::string_view signature);

// Verifies an HS256 signature in constant time.
bool verify_hs256_signature(const Secret& secret, std::string_view signing_input,
                            std::string_view signature);

// Signs signing_input with a private key. ES256 and ES384 signatures come back
// as raw r || s. Fails with kKeyMismatch when the key does not fit the
// algorithm, and for HS256.
Expected<std::string, SignatureError> sign_jws(JwsAlgorithm algorithm, EVP_PKEY* private_key,
                                               std::string_view signing_input);

}  // namespace satchel::auth
