#include "s3/signer.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cassert>
#include <cstdlib>
#include <cstring>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"

namespace satchel::s3 {
namespace {

using Mac = std::array<char, SigningKey::kSize>;

// HMAC-SHA256 and SHA-256 on per-thread OpenSSL contexts whose algorithms
// are fetched once. The one-shot HMAC() and EVP_sha256() look the algorithm
// up again on every call, which made that lookup the main cost of a
// presigned URL.
class Sha256Contexts {
 public:
  Sha256Contexts() {
    static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (hmac == nullptr || sha256 == nullptr) std::abort();
    sha256_ = sha256;
    mac_ = EVP_MAC_CTX_new(hmac);
    digest_ = EVP_MD_CTX_new();
    char digest_name[] = "SHA256";
    const OSSL_PARAM parameters[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    if (mac_ == nullptr || digest_ == nullptr || EVP_MAC_CTX_set_params(mac_, parameters) != 1) {
      std::abort();
    }
  }
  ~Sha256Contexts() {
    EVP_MAC_CTX_free(mac_);
    EVP_MD_CTX_free(digest_);
  }
  Sha256Contexts(const Sha256Contexts&) = delete;
  Sha256Contexts& operator=(const Sha256Contexts&) = delete;

  Mac hmac(std::string_view key, std::string_view data) {
    Mac out{};
    size_t length = 0;
    bool ok =
        EVP_MAC_init(mac_, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                     nullptr) == 1 &&
        EVP_MAC_update(mac_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ==
            1 &&
        EVP_MAC_final(mac_, reinterpret_cast<unsigned char*>(out.data()), &length, out.size()) == 1;
    // Failing here means OpenSSL itself is broken; no signature can be made.
    if (!ok || length != out.size()) std::abort();
    return out;
  }

  Mac digest(std::string_view data) {
    Mac out{};
    unsigned int length = 0;
    bool ok =
        EVP_DigestInit_ex(digest_, sha256_, nullptr) == 1 &&
        EVP_DigestUpdate(digest_, data.data(), data.size()) == 1 &&
        EVP_DigestFinal_ex(digest_, reinterpret_cast<unsigned char*>(out.data()), &length) == 1;
    if (!ok || length != out.size()) std::abort();
    return out;
  }

 private:
  const EVP_MD* sha256_ = nullptr;
  EVP_MAC_CTX* mac_ = nullptr;
  EVP_MD_CTX* digest_ = nullptr;
};

Sha256Contexts& contexts() {
  thread_local Sha256Contexts instance;
  return instance;
}

Mac hmac(std::string_view key, std::string_view data) { return contexts().hmac(key, data); }

std::string_view view(const Mac& mac) { return {mac.data(), mac.size()}; }

constexpr std::array<std::string_view, 7> kPresignParameterNames = {
    "X-Amz-Algorithm",     "X-Amz-Credential",     "X-Amz-Date",     "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"};

// Headers a caller must not pass to sign_headers, because the result
// carries their values.
bool is_replaced_header(std::string_view name, const HeaderSigningOptions& options,
                        bool has_session_token) {
  return equals_ignore_case(name, "authorization") || equals_ignore_case(name, "x-amz-date") ||
         (options.add_content_sha256 && equals_ignore_case(name, "x-amz-content-sha256")) ||
         (has_session_token && equals_ignore_case(name, "x-amz-security-token"));
}

std::string authorization_value(std::string_view access_key_id, std::string_view credential_scope,
                                std::string_view signed_headers, std::string_view signature) {
  std::string out;
  out.reserve(kSigningAlgorithm.size() + access_key_id.size() + credential_scope.size() +
              signed_headers.size() + signature.size() + 40);
  out += kSigningAlgorithm;
  out += " Credential=";
  out += access_key_id;
  out += '/';
  out += credential_scope;
  out += ", SignedHeaders=";
  out += signed_headers;
  out += ", Signature=";
  out += signature;
  return out;
}

}  // namespace

std::string_view describe(SigningError error) {
  switch (error) {
    case SigningError::kInvalidExpiry:
      return "The expiry must be from 1 to 604800 seconds";
    case SigningError::kInvalidEndpoint:
      return "The endpoint must be http(s)://host[:port] without path, query or user info";
    case SigningError::kInvalidBucket:
      return "The bucket name is empty or cannot be used in this addressing style";
    case SigningError::kReservedHeader:
      return "Host, Authorization and X-Amz-Date are set by the signer and cannot be passed";
    case SigningError::kReservedQueryParameter:
      return "X-Amz-* authentication parameters are set by the signer and cannot be passed";
  }
  return "Signing failed";
}

SigningKey::SigningKey(std::string_view bytes) {
  assert(bytes.size() == kSize);
  std::memcpy(bytes_.data(), bytes.data(), std::min(bytes.size(), kSize));
}

SigningKey derive_signing_key(const Secret& secret_access_key, const SigningScope& scope) {
  std::string first_key = "AWS4";
  first_key += secret_access_key.reveal();
  Mac date_key = hmac(first_key, scope.date);
  Mac region_key = hmac(view(date_key), scope.region);
  Mac service_key = hmac(view(region_key), scope.service);
  Mac signing_key = hmac(view(service_key), "aws4_request");
  SigningKey out(view(signing_key));
  // The intermediate keys are as good as the secret for this scope.
  OPENSSL_cleanse(first_key.data(), first_key.size());
  OPENSSL_cleanse(date_key.data(), date_key.size());
  OPENSSL_cleanse(region_key.data(), region_key.size());
  OPENSSL_cleanse(service_key.data(), service_key.size());
  OPENSSL_cleanse(signing_key.data(), signing_key.size());
  return out;
}

SigningScope scope_at(SystemTime time, std::string_view region, std::string_view service) {
  return {format_amz_day(time), std::string(region), std::string(service)};
}

SigningKeyCache::SigningKeyCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
  entries_.reserve(capacity_);
}

SigningKey SigningKeyCache::get(const Credentials& credentials, const SigningScope& scope) {
  {
    std::lock_guard lock(mutex_);
    for (const Entry& entry : entries_) {
      if (entry.scope == scope && entry.access_key_id == credentials.access_key_id &&
          constant_time_equal(entry.secret_access_key.reveal(),
                              credentials.secret_access_key.reveal())) {
        return entry.key;
      }
    }
  }
  // Derive outside the lock: two threads may both derive on a miss, which
  // costs a few microseconds and keeps the lock short.
  SigningKey key = derive_signing_key(credentials.secret_access_key, scope);
  std::lock_guard lock(mutex_);
  Entry entry{credentials.access_key_id, credentials.secret_access_key, scope, key};
  if (entries_.size() < capacity_) {
    entries_.push_back(std::move(entry));
  } else {
    entries_[next_replaced_] = std::move(entry);
    next_replaced_ = (next_replaced_ + 1) % capacity_;
  }
  return key;
}

std::string string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                           std::string_view canonical_request) {
  std::string out;
  out.reserve(kSigningAlgorithm.size() + amz_date.size() + credential_scope.size() + 67);
  out += kSigningAlgorithm;
  out += '\n';
  out += amz_date;
  out += '\n';
  out += credential_scope;
  out += '\n';
  out += hex_encode(view(contexts().digest(canonical_request)));
  return out;
}

std::string signature_hex(const SigningKey& key, std::string_view string_to_sign) {
  return hex_encode(view(hmac(key.bytes(), string_to_sign)));
}

std::vector<QueryParameter> presign_parameters(
    std::string_view access_key_id, std::string_view credential_scope, std::string_view amz_date,
    std::chrono::seconds expires, std::string_view signed_headers, const Secret* session_token) {
  std::string credential(access_key_id);
  credential += '/';
  credential += credential_scope;
  std::vector<QueryParameter> out;
  out.reserve(6);
  out.push_back({"X-Amz-Algorithm", std::string(kSigningAlgorithm)});
  out.push_back({"X-Amz-Credential", uri_encode(credential)});
  out.push_back({"X-Amz-Date", uri_encode(amz_date)});
  out.push_back({"X-Amz-Expires", std::to_string(expires.count())});
  out.push_back({"X-Amz-SignedHeaders", uri_encode(signed_headers)});
  if (session_token != nullptr) {
    out.push_back({"X-Amz-Security-Token", uri_encode(session_token->reveal())});
  }
  return out;
}

bool is_presign_parameter(std::string_view name) {
  for (std::string_view reserved : kPresignParameterNames) {
    if (equals_ignore_case(name, reserved)) return true;
  }
  return false;
}

RequestSigner::RequestSigner(Credentials credentials, std::string region, std::string service)
    : credentials_(std::move(credentials)),
      region_(std::move(region)),
      service_(std::move(service)),
      keys_(std::make_shared<SigningKeyCache>()) {}

SigningKey RequestSigner::signing_key(const SigningScope& scope) const {
  return keys_->get(credentials_, scope);
}

SigningScope RequestSigner::scope_at(SystemTime time) const {
  return s3::scope_at(time, region_, service_);
}

HeaderSignature RequestSigner::sign_headers(const RequestView& request, SystemTime time,
                                            const HeaderSigningOptions& options) const {
  const bool has_token = credentials_.session_token.has_value();
  const std::string amz_date = format_amz_date(time);
  const SigningScope scope = scope_at(time);
  const std::string credential_scope = scope.credential_scope();

  std::vector<Header> signed_headers;
  signed_headers.reserve(request.headers.size() + 3);
  for (const Header& header : request.headers) {
    if (!is_replaced_header(header.name, options, has_token)) signed_headers.push_back(header);
  }
  HeaderSignature out;
  out.headers.push_back({"X-Amz-Date", amz_date});
  if (options.add_content_sha256) {
    out.headers.push_back({"x-amz-content-sha256", std::string(options.payload_hash)});
  }
  if (has_token) {
    out.headers.push_back({"X-Amz-Security-Token", credentials_.session_token->reveal()});
  }
  for (const OwnedHeader& added : out.headers) {
    bool unsigned_token = !options.sign_security_token && added.name == "X-Amz-Security-Token";
    if (!unsigned_token) signed_headers.push_back({added.name, added.value});
  }

  CanonicalHeaders canonical = canonical_headers(signed_headers);
  out.canonical_request =
      canonical_request(request.method, canonical_uri(request.path, options.uri),
                        canonical_query_string(request.query), canonical.lines,
                        canonical.signed_headers, options.payload_hash);
  out.string_to_sign = s3::string_to_sign(amz_date, credential_scope, out.canonical_request);
  out.signature = signature_hex(signing_key(scope), out.string_to_sign);
  out.headers.push_back(
      {"Authorization", authorization_value(credentials_.access_key_id, credential_scope,
                                            canonical.signed_headers, out.signature)});
  return out;
}

Expected<QuerySignature, SigningError> RequestSigner::sign_query(
    const RequestView& request, SystemTime time, const QuerySigningOptions& options) const {
  if (options.expires < kMinPresignExpiry || options.expires > kMaxPresignExpiry) {
    return Unexpected(SigningError::kInvalidExpiry);
  }
  std::vector<QueryParameter> parameters = canonical_query_parameters(request.query);
  for (const QueryParameter& parameter : parameters) {
    if (is_presign_parameter(parameter.name)) {
      return Unexpected(SigningError::kReservedQueryParameter);
    }
  }

  const std::string amz_date = format_amz_date(time);
  const SigningScope scope = scope_at(time);
  const std::string credential_scope = scope.credential_scope();
  const Secret* token = credentials_.session_token ? &*credentials_.session_token : nullptr;

  CanonicalHeaders canonical = canonical_headers(request.headers);
  std::vector<QueryParameter> added =
      presign_parameters(credentials_.access_key_id, credential_scope, amz_date, options.expires,
                         canonical.signed_headers, options.sign_security_token ? token : nullptr);
  parameters.insert(parameters.end(), std::make_move_iterator(added.begin()),
                    std::make_move_iterator(added.end()));

  QuerySignature out;
  std::string canonical_query = join_query_parameters(std::move(parameters));
  out.canonical_request =
      canonical_request(request.method, canonical_uri(request.path, options.uri), canonical_query,
                        canonical.lines, canonical.signed_headers, options.payload_hash);
  out.string_to_sign = s3::string_to_sign(amz_date, credential_scope, out.canonical_request);
  out.signature = signature_hex(signing_key(scope), out.string_to_sign);

  out.query = std::move(canonical_query);
  if (token != nullptr && !options.sign_security_token) {
    out.query += "&X-Amz-Security-Token=";
    out.query += uri_encode(token->reveal());
  }
  out.query += "&X-Amz-Signature=";
  out.query += out.signature;
  return out;
}

}  // namespace satchel::s3
