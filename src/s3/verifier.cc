#include "s3/verifier.h"

#include <charconv>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"

namespace satchel::s3 {
namespace {

using DecodedQuery = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kSignatureParameter = "X-Amz-Signature";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_hex(std::string_view text) {
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_signature(std::string_view text) { return text.size() == 64 && is_hex(text); }

// Splits text at a separator; every part is a view into text.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Decodes a wire query once. Returns nullopt on a malformed escape.
std::optional<DecodedQuery> decode_query(std::string_view query) {
  DecodedQuery out;
  for (std::string_view pair : split(query, '&')) {
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    auto name = percent_decode(pair.substr(0, equals));
    auto value = percent_decode(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

size_t count_parameter(const DecodedQuery& query, std::string_view name) {
  size_t count = 0;
  for (const auto& parameter : query) count += parameter.first == name ? 1 : 0;
  return count;
}

const std::string* find_parameter(const DecodedQuery& query, std::string_view name) {
  for (const auto& parameter : query) {
    if (parameter.first == name) return &parameter.second;
  }
  return nullptr;
}

// Lower-case names separated by ';', none empty.
std::optional<std::vector<std::string>> parse_signed_headers(std::string_view text) {
  std::vector<std::string> names;
  for (std::string_view name : split(text, ';')) {
    if (name.empty()) return std::nullopt;
    for (char c : name) {
      if ((c >= 'A' && c <= 'Z') || c == ' ' || c == ':') return std::nullopt;
    }
    names.emplace_back(name);
  }
  return names;
}

struct AuthorizationFields {
  std::string_view credential;
  std::string_view signed_headers;
  std::string_view signature;
};

// Parses "Credential=..., SignedHeaders=..., Signature=..." (the part after
// the algorithm). Commas may or may not be followed by spaces.
std::optional<AuthorizationFields> parse_authorization_fields(std::string_view text) {
  AuthorizationFields fields;
  for (std::string_view part : split(text, ',')) {
    part = trim(part);
    size_t equals = part.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    std::string_view key = part.substr(0, equals);
    std::string_view value = part.substr(equals + 1);
    std::string_view* slot = key == "Credential"      ? &fields.credential
                             : key == "SignedHeaders" ? &fields.signed_headers
                             : key == "Signature"     ? &fields.signature
                                                      : nullptr;
    if (slot == nullptr || !slot->empty() || value.empty()) return std::nullopt;
    *slot = value;
  }
  if (fields.credential.empty() || fields.signed_headers.empty() || fields.signature.empty()) {
    return std::nullopt;
  }
  return fields;
}

bool has_query_authentication(const DecodedQuery& query) {
  for (std::string_view name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"}) {
    if (find_parameter(query, name) != nullptr) return true;
  }
  return false;
}

bool has_sigv2_query(const DecodedQuery& query) {
  return find_parameter(query, "AWSAccessKeyId") != nullptr &&
         find_parameter(query, "Signature") != nullptr;
}

bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && equals_ignore_case(text.substr(0, prefix.size()), prefix);
}

}  // namespace

std::optional<PayloadMode> classify_payload_hash(std::string_view value) {
  if (value == kUnsignedPayload) return PayloadMode::kUnsigned;
  if (value == kStreamingSignedPayload) return PayloadMode::kStreamingSigned;
  if (value == kStreamingSignedPayloadTrailer) return PayloadMode::kStreamingSignedTrailer;
  if (value == kStreamingUnsignedPayloadTrailer) return PayloadMode::kStreamingUnsignedTrailer;
  if (value.size() == 64 && is_lower_hex(value)) return PayloadMode::kSha256;
  return std::nullopt;
}

bool is_streaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

std::optional<AuthError> check_session_token(const Credentials& credentials,
                                             std::optional<std::string_view> sent_token) {
  if (!credentials.session_token) {
    if (sent_token) return AuthError::kInvalidToken;
    return std::nullopt;
  }
  if (!sent_token) return AuthError::kMissingSecurityToken;
  if (!constant_time_equal(*sent_token, credentials.session_token->reveal())) {
    return AuthError::kInvalidToken;
  }
  return std::nullopt;
}

bool VerifiedRequest::is_signed(std::string_view header_name) const {
  for (const std::string& name : signed_headers) {
    if (equals_ignore_case(name, header_name)) return true;
  }
  return false;
}

// The signature fields of a request, gathered from either form.
struct Verifier::Claim {
  AuthMethod method = AuthMethod::kHeader;
  std::string access_key_id;
  SigningScope scope;
  std::string amz_date;
  SystemTime time;
  std::optional<SystemTime> expires_at;
  std::string signed_headers;  // as sent
  std::vector<std::string> names;
  std::string signature;
  std::optional<std::string> session_token;
  std::string canonical_query;
  std::string payload_hash;
  PayloadMode payload_mode = PayloadMode::kUnsigned;
};

Verifier::Verifier(VerifierConfig config, CredentialLookup lookup, const Clock& clock)
    : config_(std::move(config)),
      lookup_(std::move(lookup)),
      clock_(&clock),
      keys_(std::make_shared<SigningKeyCache>()) {}

Expected<VerifiedRequest, AuthError> Verifier::verify(const RequestView& request) const {
  std::optional<std::string_view> authorization = find_header(request.headers, "authorization");
  std::optional<DecodedQuery> query = decode_query(request.query);
  bool query_auth = query && has_query_authentication(*query);
  if (authorization && query_auth) return Unexpected(AuthError::kMultipleAuthMechanisms);
  if (authorization) return verify_header(request, *authorization);
  if (query_auth) return verify_query(request);
  if (query && has_sigv2_query(*query)) return Unexpected(AuthError::kUnsupportedAuthorization);
  if (!query && request.query.find("X-Amz-") != std::string_view::npos) {
    // A presigned query with a broken escape.
    return Unexpected(AuthError::kAuthorizationQueryParametersError);
  }
  return Unexpected(AuthError::kMissingAuthentication);
}

Expected<VerifiedRequest, AuthError> Verifier::verify_header(const RequestView& request,
                                                             std::string_view authorization) const {
  constexpr AuthError kMalformed = AuthError::kAuthorizationHeaderMalformed;
  authorization = trim(authorization);
  size_t space = authorization.find(' ');
  if (authorization.substr(0, space) != kSigningAlgorithm) {
    return Unexpected(AuthError::kUnsupportedAuthorization);
  }
  if (space == std::string_view::npos) return Unexpected(kMalformed);
  auto fields = parse_authorization_fields(authorization.substr(space + 1));
  if (!fields) return Unexpected(kMalformed);
  auto credential = parse_credential(fields->credential);
  auto names = parse_signed_headers(fields->signed_headers);
  if (!credential || !names || !is_signature(fields->signature)) return Unexpected(kMalformed);
  if (credential->scope.region != config_.region || credential->scope.service != config_.service) {
    return Unexpected(AuthError::kCredentialScopeMismatch);
  }

  Claim claim;
  claim.method = AuthMethod::kHeader;
  if (auto amz_date = find_header(request.headers, "x-amz-date")) {
    auto time = parse_amz_date(trim(*amz_date));
    if (!time) return Unexpected(AuthError::kMissingDate);
    claim.time = *time;
    claim.amz_date = trim(*amz_date);
  } else if (auto date = find_header(request.headers, "date")) {
    auto time = parse_http_date(trim(*date));
    if (!time) return Unexpected(AuthError::kMissingDate);
    claim.time = *time;
    claim.amz_date = format_amz_date(*time);
  } else {
    return Unexpected(AuthError::kMissingDate);
  }
  if (!claim.amz_date.starts_with(credential->scope.date)) {
    return Unexpected(AuthError::kCredentialScopeMismatch);
  }
  auto skew = clock_->now() - claim.time;
  if (skew > config_.max_clock_skew || -skew > config_.max_clock_skew) {
    return Unexpected(AuthError::kRequestTimeTooSkewed);
  }

  auto payload_hash = find_header(request.headers, "x-amz-content-sha256");
  if (!payload_hash) return Unexpected(AuthError::kMissingContentSha256);
  auto payload_mode = classify_payload_hash(trim(*payload_hash));
  if (!payload_mode) return Unexpected(AuthError::kInvalidContentSha256);
  claim.payload_hash = trim(*payload_hash);
  claim.payload_mode = *payload_mode;

  claim.access_key_id = std::move(credential->access_key_id);
  claim.scope = std::move(credential->scope);
  claim.signed_headers = fields->signed_headers;
  claim.names = std::move(*names);
  claim.signature = fields->signature;
  if (auto token = find_header(request.headers, "x-amz-security-token")) {
    claim.session_token = std::string(trim(*token));
  }
  claim.canonical_query = canonical_query_string(request.query);
  return verify_claim(request, claim);
}

Expected<VerifiedRequest, AuthError> Verifier::verify_query(const RequestView& request) const {
  constexpr AuthError kMalformed = AuthError::kAuthorizationQueryParametersError;
  const DecodedQuery query = decode_query(request.query).value_or(DecodedQuery{});
  auto single = [&](std::string_view name) -> const std::string* {
    return count_parameter(query, name) == 1 ? find_parameter(query, name) : nullptr;
  };
  const std::string* algorithm = single("X-Amz-Algorithm");
  const std::string* credential_text = single("X-Amz-Credential");
  const std::string* date = single("X-Amz-Date");
  const std::string* expires = single("X-Amz-Expires");
  const std::string* signed_headers = single("X-Amz-SignedHeaders");
  const std::string* signature = single("X-Amz-Signature");
  if (!algorithm || !credential_text || !date || !expires || !signed_headers || !signature ||
      *algorithm != kSigningAlgorithm || count_parameter(query, "X-Amz-Security-Token") > 1) {
    return Unexpected(kMalformed);
  }

  int64_t expires_seconds = 0;
  auto [end, error] =
      std::from_chars(expires->data(), expires->data() + expires->size(), expires_seconds);
  if (!is_digits(*expires) || error != std::errc() || end != expires->data() + expires->size() ||
      expires_seconds < kMinPresignExpiry.count() || expires_seconds > kMaxPresignExpiry.count()) {
    return Unexpected(AuthError::kInvalidExpires);
  }
  auto credential = parse_credential(*credential_text);
  auto names = parse_signed_headers(*signed_headers);
  auto time = parse_amz_date(*date);
  if (!credential || !names || !time || !is_signature(*signature)) return Unexpected(kMalformed);
  if (credential->scope.region != config_.region || credential->scope.service != config_.service ||
      !date->starts_with(credential->scope.date)) {
    return Unexpected(AuthError::kCredentialScopeMismatch);
  }

  const SystemTime now = clock_->now();
  const SystemTime expires_at = *time + std::chrono::seconds(expires_seconds);
  if (*time - now > config_.max_clock_skew) return Unexpected(AuthError::kRequestNotYetValid);
  if (now > expires_at) return Unexpected(AuthError::kRequestExpired);

  Claim claim;
  claim.method = AuthMethod::kQuery;
  claim.payload_hash = kUnsignedPayload;
  claim.payload_mode = PayloadMode::kUnsigned;
  if (auto payload_hash = find_header(request.headers, "x-amz-content-sha256")) {
    // Streaming needs the Authorization header as the seed of its chain.
    auto payload_mode = classify_payload_hash(trim(*payload_hash));
    if (!payload_mode || is_streaming(*payload_mode)) {
      return Unexpected(AuthError::kInvalidContentSha256);
    }
    claim.payload_hash = trim(*payload_hash);
    claim.payload_mode = *payload_mode;
  }

  claim.access_key_id = std::move(credential->access_key_id);
  claim.scope = std::move(credential->scope);
  claim.amz_date = *date;
  claim.time = *time;
  claim.expires_at = expires_at;
  claim.signed_headers = *signed_headers;
  claim.names = std::move(*names);
  claim.signature = *signature;
  if (const std::string* token = find_parameter(query, "X-Amz-Security-Token")) {
    claim.session_token = *token;
  } else if (auto header = find_header(request.headers, "x-amz-security-token")) {
    claim.session_token = std::string(trim(*header));
  }
  std::vector<QueryParameter> parameters = canonical_query_parameters(request.query);
  std::erase_if(parameters, [](const QueryParameter& parameter) {
    return parameter.name == kSignatureParameter;
  });
  claim.canonical_query = join_query_parameters(std::move(parameters));
  return verify_claim(request, claim);
}

Expected<VerifiedRequest, AuthError> Verifier::verify_claim(const RequestView& request,
                                                            Claim& claim) const {
  std::vector<std::string_view> names(claim.names.begin(), claim.names.end());
  bool host_signed = false;
  for (std::string_view name : names) host_signed = host_signed || name == "host";
  if (!host_signed) return Unexpected(AuthError::kHostNotSigned);
  for (const Header& header : request.headers) {
    // The session token is checked against the credentials below, so an
    // unsigned copy gains a forger nothing.
    if (!starts_with_ignore_case(header.name, "x-amz-") ||
        equals_ignore_case(header.name, "x-amz-security-token")) {
      continue;
    }
    bool is_signed = false;
    for (std::string_view name : names)
      is_signed = is_signed || equals_ignore_case(header.name, name);
    if (!is_signed) return Unexpected(AuthError::kUnsignedAmzHeader);
  }
  std::optional<std::string> header_lines = canonical_header_lines(request.headers, names);
  if (!header_lines) return Unexpected(AuthError::kSignedHeaderMissing);

  std::optional<Credentials> credentials = lookup_(claim.access_key_id);
  if (!credentials) return Unexpected(AuthError::kInvalidAccessKeyId);
  if (auto error = check_session_token(*credentials, claim.session_token)) {
    return Unexpected(*error);
  }

  SigningKey key = keys_->get(*credentials, claim.scope);
  std::string canonical = canonical_request(
      request.method, canonical_uri(request.path, config_.uri), claim.canonical_query,
      *header_lines, claim.signed_headers, claim.payload_hash);
  std::string expected =
      signature_hex(key, string_to_sign(claim.amz_date, claim.scope.credential_scope(), canonical));
  if (!constant_time_equal(expected, claim.signature)) {
    return Unexpected(AuthError::kSignatureDoesNotMatch);
  }

  VerifiedRequest out;
  out.method = claim.method;
  out.access_key_id = std::move(claim.access_key_id);
  out.scope = std::move(claim.scope);
  out.amz_date = std::move(claim.amz_date);
  out.request_time = claim.time;
  out.expires_at = claim.expires_at;
  out.payload_hash = std::move(claim.payload_hash);
  out.payload_mode = claim.payload_mode;
  out.signed_headers = std::move(claim.names);
  out.seed_signature = std::move(expected);
  out.signing_key = key;
  return out;
}

}  // namespace satchel::s3
