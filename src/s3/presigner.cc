#include "s3/presigner.h"

#include <charconv>

#include "common/encoding.h"
#include "common/time_format.h"

namespace satchel::s3 {
namespace {

struct Endpoint {
  std::string scheme;
  std::string authority;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool is_port(std::string_view text) {
  unsigned port = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  return error == std::errc() && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  size_t separator = text.find("://");
  if (separator == std::string_view::npos) return std::nullopt;
  std::string scheme = lower(text.substr(0, separator));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string authority = lower(text.substr(separator + 3));
  if (!authority.empty() && authority.back() == '/') authority.pop_back();

  // An IPv6 literal keeps its brackets in the Host header.
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = std::string_view(authority).substr(0, close + 1);
    std::string_view rest = std::string_view(authority).substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !is_port(rest.substr(1)))) return std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
    if (host.size() <= 2) return std::nullopt;
    for (char c : host.substr(1, host.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return std::nullopt;
      }
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string::npos) {
      host = std::string_view(authority).substr(0, colon);
      port = std::string_view(authority).substr(colon + 1);
      if (!is_port(port)) return std::nullopt;
    }
    if (host.empty()) return std::nullopt;
    for (char c : host) {
      if (!is_host_char(c)) return std::nullopt;
    }
  }
  bool default_port = (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
  if (default_port) authority.resize(authority.size() - port.size() - 1);
  return Endpoint{std::move(scheme), std::move(authority)};
}

// S3 bucket names: 3 to 63 characters of lower-case letters, digits, '-'
// and '.'. A virtual-hosted bucket becomes part of the host name, so nothing
// else may pass; path style only needs a name that stays one path segment.
bool is_valid_bucket(std::string_view bucket, AddressingStyle addressing) {
  if (bucket.empty()) return false;
  if (addressing == AddressingStyle::kPath) return bucket.find('/') == std::string_view::npos;
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!allowed) return false;
  }
  return true;
}

bool is_reserved_header(std::string_view name) {
  for (std::string_view reserved :
       {"host", "authorization", "x-amz-date", "x-amz-security-token"}) {
    if (equals_ignore_case(name, reserved)) return true;
  }
  return false;
}

}  // namespace

std::string encode_key(std::string_view key) { return uri_encode(key, /*keep_slash=*/true); }

Expected<Presigner, SigningError> Presigner::create(PresignerConfig config) {
  std::optional<Endpoint> endpoint = parse_endpoint(config.endpoint);
  if (!endpoint) return Unexpected(SigningError::kInvalidEndpoint);
  return Presigner(std::move(endpoint->scheme), std::move(endpoint->authority), config.addressing,
                   RequestSigner(std::move(config.credentials), std::move(config.region),
                                 std::move(config.service)));
}

Presigner::Presigner(std::string scheme, std::string authority, AddressingStyle addressing,
                     RequestSigner signer)
    : scheme_(std::move(scheme)),
      authority_(std::move(authority)),
      addressing_(addressing),
      signer_(std::move(signer)) {}

Expected<PresignedUrl, SigningError> Presigner::presign(const PresignRequest& request) const {
  if (request.expires < kMinPresignExpiry || request.expires > kMaxPresignExpiry) {
    return Unexpected(SigningError::kInvalidExpiry);
  }
  if (!is_valid_bucket(request.bucket, addressing_)) {
    return Unexpected(SigningError::kInvalidBucket);
  }
  std::string_view payload_hash = kUnsignedPayload;
  for (const Header& header : request.headers) {
    if (is_reserved_header(header.name)) return Unexpected(SigningError::kReservedHeader);
    if (equals_ignore_case(header.name, "x-amz-content-sha256")) payload_hash = header.value;
  }
  std::vector<QueryParameter> parameters;
  parameters.reserve(request.query.size() + 6);
  for (const QueryArgument& argument : request.query) {
    if (is_presign_parameter(argument.name)) {
      return Unexpected(SigningError::kReservedQueryParameter);
    }
    parameters.push_back({uri_encode(argument.name), uri_encode(argument.value)});
  }

  const bool virtual_hosted = addressing_ == AddressingStyle::kVirtualHosted;
  std::string host;
  if (virtual_hosted) {
    host.reserve(request.bucket.size() + 1 + authority_.size());
    host += request.bucket;
    host += '.';
  }
  host += authority_;
  std::string path = "/";
  if (!virtual_hosted) {
    path += uri_encode(request.bucket);
    if (!request.key.empty()) path += '/';
  }
  path += encode_key(request.key);

  std::vector<Header> headers;
  headers.reserve(request.headers.size() + 1);
  headers.push_back({"host", host});
  headers.insert(headers.end(), request.headers.begin(), request.headers.end());
  const CanonicalHeaders canonical = canonical_headers(headers);

  const std::string amz_date = format_amz_date(request.time);
  const SigningScope scope = signer_.scope_at(request.time);
  const std::string credential_scope = scope.credential_scope();
  const Credentials& credentials = signer_.credentials();
  const Secret* token = credentials.session_token ? &*credentials.session_token : nullptr;
  std::vector<QueryParameter> added =
      presign_parameters(credentials.access_key_id, credential_scope, amz_date, request.expires,
                         canonical.signed_headers, token);
  parameters.insert(parameters.end(), std::make_move_iterator(added.begin()),
                    std::make_move_iterator(added.end()));
  const std::string query = join_query_parameters(std::move(parameters));

  // The path needs no canonical_uri() pass, because encode_key() already
  // produced the S3 canonical form.
  const std::string signature =
      signature_hex(signer_.signing_key(scope),
                    string_to_sign(amz_date, credential_scope,
                                   canonical_request(request.method, path, query, canonical.lines,
                                                     canonical.signed_headers, payload_hash)));

  PresignedUrl out;
  out.url.reserve(scheme_.size() + 3 + host.size() + path.size() + query.size() + 18 +
                  signature.size());
  out.url += scheme_;
  out.url += "://";
  out.url += host;
  out.url += path;
  out.url += '?';
  out.url += query;
  out.url += "&X-Amz-Signature=";
  out.url += signature;
  out.expires_at = std::chrono::floor<std::chrono::seconds>(request.time) + request.expires;
  return out;
}

}  // namespace satchel::s3
