#include "store/request_parsing.h"

#include <charconv>
#include <vector>

#include "common/encoding.h"
#include "common/time_format.h"
#include "store/conditions.h"
#include "store/engine.h"
#include "store/object_lock.h"
#include "store/object_tagging.h"

namespace satchel::store {
namespace {

using http::Field;
using http::Status;
namespace bhttp = http::bhttp;

// S3 limits the user metadata of one object (names and values) to 2 KB.
constexpr size_t kMaxUserMetadataBytes = 2048;
constexpr std::string_view kUserMetadataPrefix = "x-amz-meta-";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr std::string_view kStreamingPayloadPrefix = "STREAMING-";

// Representation headers stored with the object and returned on reads.
constexpr Field kStoredHeaders[] = {Field::cache_control, Field::content_disposition,
                                    Field::content_encoding, Field::content_language,
                                    Field::expires};

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         boost::beast::iequals(text.substr(0, prefix.size()), prefix);
}

bool is_sha256_hex(std::string_view text) {
  constexpr size_t kSha256HexLength = 64;
  if (text.size() != kSha256HexLength) return false;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Drops the aws-chunked coding from a Content-Encoding list: it describes
// the upload framing, not the stored object.
std::string strip_aws_chunked(std::string_view value) {
  std::string out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty() || boost::beast::iequals(item, "aws-chunked")) continue;
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// Sets up an aws-chunked upload: the decoder with the request's signing
// key, and the decoded length as the object's length.
Expected<void, S3Failure> plan_streaming(const http::Request& request,
                                         const AuthenticatedCaller& caller, PutPlan& plan) {
  if (!caller.verified || !s3::is_streaming(caller.verified->payload_mode)) {
    return Unexpected(invalid_argument(
        "x-amz-content-sha256 names an aws-chunked upload that the signature does not cover."));
  }
  std::vector<s3::Header> headers;
  for (const auto& field : request.header()) {
    headers.push_back(s3::Header{field.name_string(), field.value()});
  }
  auto decoder = s3::ChunkedDecoder::for_request(*caller.verified, headers);
  if (!decoder) return Unexpected(to_failure(decoder.error()));
  // for_request() has validated the header as a decimal number.
  std::string_view length = request.header_value("x-amz-decoded-content-length");
  while (!length.empty() && length.front() == ' ') length.remove_prefix(1);
  uint64_t decoded_length = 0;
  std::from_chars(length.data(), length.data() + length.size(), decoded_length);
  plan.request.content_length = decoded_length;
  plan.decoder.emplace(std::move(*decoder));
  return {};
}

// Content-MD5 and x-amz-content-sha256, which also selects aws-chunked.
Expected<void, S3Failure> read_integrity(const http::Request& request,
                                         const AuthenticatedCaller& caller, PutPlan& plan) {
  if (auto md5 = request.header_value("Content-MD5"); !md5.empty()) {
    auto digest = base64_decode(md5);
    constexpr size_t kMd5Bytes = 16;
    if (!digest || digest->size() != kMd5Bytes) {
      return Unexpected(S3Failure{"InvalidDigest", Status::bad_request,
                                  "The Content-MD5 you specified is not valid base64 of 16 "
                                  "bytes."});
    }
    plan.request.expected_md5 = std::move(*digest);
  }
  std::string_view payload_hash = request.header_value("x-amz-content-sha256");
  if (payload_hash.empty() || payload_hash == kUnsignedPayload) return {};
  if (is_sha256_hex(payload_hash)) {
    plan.request.expected_sha256 = hex_decode(payload_hash);
    return {};
  }
  if (payload_hash.starts_with(kStreamingPayloadPrefix)) {
    return plan_streaming(request, caller, plan);
  }
  return Unexpected(invalid_argument(
      "x-amz-content-sha256 must be a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* value."));
}

// The algorithm named by x-amz-trailer, which must be one checksum header.
Expected<std::optional<ChecksumAlgorithm>, S3Failure> read_trailer_name(
    const http::Request& request) {
  std::string_view trailer = request.header_value("x-amz-trailer");
  while (!trailer.empty() && trailer.front() == ' ') trailer.remove_prefix(1);
  while (!trailer.empty() && trailer.back() == ' ') trailer.remove_suffix(1);
  if (trailer.empty()) return std::optional<ChecksumAlgorithm>();
  for (auto algorithm : kChecksumAlgorithms) {
    if (boost::beast::iequals(trailer, checksum_header(algorithm))) {
      return std::optional<ChecksumAlgorithm>(algorithm);
    }
  }
  return Unexpected(invalid_request(
      "x-amz-trailer must name one x-amz-checksum-* header (crc32, crc32c, crc64nvme, sha1 or "
      "sha256)."));
}

// x-amz-checksum-* as a header or trailer, x-amz-sdk-checksum-algorithm.
Expected<void, S3Failure> read_checksums(const http::Request& request, PutPlan& plan) {
  std::optional<ChecksumAlgorithm> header_algorithm;
  std::string_view header_value;
  for (auto algorithm : kChecksumAlgorithms) {
    std::string_view value = request.header_value(checksum_header(algorithm));
    if (value.empty()) continue;
    if (header_algorithm) {
      return Unexpected(invalid_request(
          "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
          "allowed."));
    }
    header_algorithm = algorithm;
    header_value = value;
  }
  auto trailer = read_trailer_name(request);
  if (!trailer) return Unexpected(trailer.error());
  if (*trailer && !plan.decoder) {
    return Unexpected(invalid_request("x-amz-trailer needs an aws-chunked (STREAMING-*) body."));
  }
  if (header_algorithm && *trailer) {
    return Unexpected(invalid_request(
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."));
  }

  std::optional<ChecksumAlgorithm> algorithm = header_algorithm ? header_algorithm : *trailer;
  if (auto sdk = request.header_value("x-amz-sdk-checksum-algorithm"); !sdk.empty()) {
    auto named = parse_checksum_algorithm(sdk);
    if (!named) {
      return Unexpected(
          invalid_request("Value for x-amz-sdk-checksum-algorithm header is invalid."));
    }
    if (algorithm && *algorithm != *named) {
      return Unexpected(invalid_request(
          "x-amz-sdk-checksum-algorithm names another algorithm than the checksum sent."));
    }
    algorithm = named;
  }
  plan.request.checksum_algorithm = algorithm;
  plan.trailer_checksum = *trailer;
  if (header_algorithm) {
    auto raw = decode_checksum(*header_algorithm, header_value);
    if (!raw) {
      return Unexpected(invalid_request(
          "The value of the x-amz-checksum-* header is not base64 of a checksum of the "
          "algorithm's length."));
    }
    plan.request.expected_checksum = std::move(*raw);
  }
  return {};
}

}  // namespace

std::string quote_etag(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

Expected<ObjectLock, S3Failure> read_object_lock_fields(const FieldLookup& field, SystemTime now) {
  ObjectLock lock;
  std::string_view mode_text = field("x-amz-object-lock-mode");
  std::string_view until_text = field("x-amz-object-lock-retain-until-date");
  if (mode_text.empty() != until_text.empty()) {
    return Unexpected(invalid_argument(
        "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied."));
  }
  if (!mode_text.empty()) {
    auto mode = parse_retention_mode(mode_text);
    if (!mode) {
      return Unexpected(
          invalid_argument("Unknown x-amz-object-lock-mode: it must be GOVERNANCE or COMPLIANCE."));
    }
    auto until = parse_utc_time(until_text);
    if (!until) {
      return Unexpected(invalid_argument(
          "x-amz-object-lock-retain-until-date must be an ISO 8601 date and time in UTC."));
    }
    if (*until <= now) {
      return Unexpected(invalid_argument("The retain until date must be in the future."));
    }
    lock.retention = Retention{*mode, *until};
  }
  std::string_view hold = field("x-amz-object-lock-legal-hold");
  if (!hold.empty()) {
    if (hold != "ON" && hold != "OFF") {
      return Unexpected(invalid_argument("x-amz-object-lock-legal-hold must be ON or OFF."));
    }
    lock.legal_hold = hold == "ON";
  }
  return lock;
}

Expected<ObjectLock, S3Failure> read_object_lock_headers(const http::Request& request,
                                                         SystemTime now) {
  return read_object_lock_fields([&](std::string_view name) { return request.header_value(name); },
                                 now);
}

void add_object_lock_headers(bhttp::fields& fields, const ObjectLock& lock) {
  if (lock.retention) {
    fields.set("x-amz-object-lock-mode", retention_mode_name(lock.retention->mode));
    fields.set("x-amz-object-lock-retain-until-date", format_iso8601(lock.retention->retain_until));
  }
  if (lock.legal_hold) fields.set("x-amz-object-lock-legal-hold", *lock.legal_hold ? "ON" : "OFF");
}

Expected<HeaderList, S3Failure> read_tagging_header(const http::Request& request) {
  if (!request.has_header("x-amz-tagging")) return HeaderList{};
  auto tags = parse_tagging_header(request.header_value("x-amz-tagging"));
  if (!tags) return Unexpected(to_failure(tags.error()));
  return std::move(*tags);
}

void add_tagging_count_header(bhttp::fields& fields, const ObjectVersion& version) {
  if (!version.tags.empty()) fields.set("x-amz-tagging-count", std::to_string(version.tags.size()));
}

bool bypass_governance_requested(const http::Request& request) {
  return boost::beast::iequals(request.header_value("x-amz-bypass-governance-retention"), "true");
}

S3Failure invalid_request(std::string_view message) {
  return S3Failure{"InvalidRequest", Status::bad_request, message};
}

S3Failure invalid_argument(std::string_view message) {
  return S3Failure{"InvalidArgument", Status::bad_request, message};
}

S3Failure malformed_xml() {
  return S3Failure{"MalformedXML", Status::bad_request,
                   "The XML you provided was not well-formed or did not validate against our "
                   "published schema."};
}

Expected<void, S3Failure> check_write_encryption(const EncryptionRequest& request) {
  if (request.customer_key) {
    return Unexpected(S3Failure{"NotImplemented", Status::not_implemented,
                                "Server-side encryption with customer-provided keys (SSE-C) is "
                                "not implemented by the embedded store; it encrypts every object "
                                "with AES256."});
  }
  if (request.method == "aws:kms" || request.method == "aws:kms:dsse") {
    return Unexpected(S3Failure{"NotImplemented", Status::not_implemented,
                                "Server-side encryption with AWS KMS keys (SSE-KMS) is not "
                                "implemented by the embedded store; it encrypts every object "
                                "with AES256."});
  }
  if (request.method && *request.method != "AES256") {
    return Unexpected(invalid_argument("The encryption method specified is not supported"));
  }
  if (request.kms_options) {
    return Unexpected(
        invalid_argument("Server Side Encryption with AWS KMS managed key requires HTTP header "
                         "x-amz-server-side-encryption : aws:kms"));
  }
  return {};
}

Expected<void, S3Failure> check_encryption_headers(const http::Request& request) {
  EncryptionRequest encryption;
  for (auto name : kCustomerKeyFields) {
    encryption.customer_key = encryption.customer_key || request.has_header(name);
  }
  for (auto name : kKmsOptionFields) {
    encryption.kms_options = encryption.kms_options || request.has_header(name);
  }
  if (request.has_header(kEncryptionField)) {
    encryption.method = request.header_value(kEncryptionField);
  }
  bool read = request.method() == http::Verb::get || request.method() == http::Verb::head;
  if (!read) return check_write_encryption(encryption);
  // S3 returns these errors on a read of an object stored without a
  // customer key.
  if (encryption.customer_key) {
    return Unexpected(
        invalid_request("The encryption parameters are not applicable to this "
                        "object."));
  }
  if (encryption.method) {
    return Unexpected(invalid_argument(
        "x-amz-server-side-encryption header is not supported for this operation."));
  }
  return {};
}

void add_encryption_header(bhttp::fields& fields) { fields.set(kEncryptionField, "AES256"); }

Expected<void, S3Failure> read_representation(const http::Request& request, PutRequest& put) {
  if (auto type = request.header_value(Field::content_type); !type.empty()) {
    put.content_type = std::string(type);
  }
  for (Field field : kStoredHeaders) {
    std::string value(request.header_value(field));
    if (field == Field::content_encoding) value = strip_aws_chunked(value);
    if (!value.empty()) {
      put.stored_headers.emplace_back(std::string(bhttp::to_string(field)), std::move(value));
    }
  }
  size_t metadata_bytes = 0;
  for (const auto& field : request.header()) {
    std::string_view name = field.name_string();
    if (!starts_with_ignore_case(name, kUserMetadataPrefix)) continue;
    if (!is_valid_utf8(field.value())) {
      return Unexpected(invalid_argument("User metadata values must be valid UTF-8."));
    }
    std::string short_name = to_lower(name.substr(kUserMetadataPrefix.size()));
    metadata_bytes += short_name.size() + field.value().size();
    put.user_metadata.emplace_back(std::move(short_name), std::string(field.value()));
  }
  if (metadata_bytes > kMaxUserMetadataBytes) {
    return Unexpected(
        S3Failure{"MetadataTooLarge", Status::bad_request,
                  "Your metadata headers exceed the maximum allowed metadata size of 2 KB."});
  }
  return {};
}

Expected<void, S3Failure> read_preconditions(const http::Request& request, PutRequest& put) {
  if (auto if_none_match = request.header_value(Field::if_none_match); !if_none_match.empty()) {
    if (if_none_match != "*") {
      return Unexpected(S3Failure{"NotImplemented", Status::not_implemented,
                                  "If-None-Match on a write supports only '*'."});
    }
    put.precondition.if_none_match_any = true;
  }
  if (auto if_match = request.header_value(Field::if_match); !if_match.empty()) {
    put.precondition.if_match = parse_etag_list(if_match);
  }
  return {};
}

Expected<PutPlan, S3Failure> plan_body(const http::Request& request,
                                       const AuthenticatedCaller& caller,
                                       uint64_t max_object_bytes) {
  PutPlan plan;
  plan.request.content_length = request.content_length();
  auto integrity = read_integrity(request, caller, plan);
  if (!integrity) return Unexpected(integrity.error());
  // An aws-chunked body declares its length in x-amz-decoded-content-length,
  // so it may come with Transfer-Encoding: chunked, as the AWS SDK for
  // JavaScript v3 sends streams. Any other body needs Content-Length.
  if (!plan.request.content_length) {
    return Unexpected(S3Failure{"MissingContentLength", Status::length_required,
                                "You must provide the Content-Length HTTP header."});
  }
  auto checksums = read_checksums(request, plan);
  if (!checksums) return Unexpected(checksums.error());
  if (*plan.request.content_length > max_object_bytes) {
    return Unexpected(to_failure(StoreError::kEntityTooLarge));
  }
  return plan;
}

Expected<std::optional<std::string>, S3Failure> trailer_checksum(const PutPlan& plan) {
  if (!plan.trailer_checksum || !plan.decoder) return std::optional<std::string>();
  auto value = plan.decoder->trailer(checksum_header(*plan.trailer_checksum));
  if (!value) {
    return Unexpected(S3Failure{"MalformedTrailerError", Status::bad_request,
                                "The request contained trailing data that was not well-formed "
                                "or did not conform to our published schema."});
  }
  auto raw = decode_checksum(*plan.trailer_checksum, *value);
  if (!raw) {
    return Unexpected(invalid_request(
        "The value of the x-amz-checksum-* trailer is not base64 of a checksum of the "
        "algorithm's length."));
  }
  return std::optional<std::string>(std::move(*raw));
}

std::optional<std::string> version_id_param(const http::QueryParams& query) {
  if (const std::string* param = http::find_param(query, "versionId")) return *param;
  return std::nullopt;
}

std::string param_or(const http::QueryParams& query, std::string_view name,
                     std::string_view fallback) {
  const std::string* value = http::find_param(query, name);
  return value ? *value : std::string(fallback);
}

Expected<size_t, S3Failure> count_param(const http::QueryParams& query, std::string_view name,
                                        size_t fallback) {
  const std::string* value = http::find_param(query, name);
  if (!value) return fallback;
  int64_t parsed = 0;
  auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), parsed);
  if (value->empty() || error != std::errc() || end != value->data() + value->size() ||
      parsed < 0) {
    return Unexpected(
        invalid_argument("A max-keys, max-parts or max-uploads parameter must be "
                         "a non-negative integer."));
  }
  return std::min(static_cast<size_t>(parsed), kMaxListEntries);
}

void add_version_headers(bhttp::fields& fields, const ObjectVersion& version) {
  if (version.version_id != kNullVersionId) fields.set("x-amz-version-id", version.version_id);
}

void add_checksum_headers(bhttp::fields& fields, const std::optional<StoredChecksum>& checksum) {
  if (!checksum) return;
  fields.set(checksum_header(checksum->algorithm), checksum->value);
  fields.set("x-amz-checksum-type", checksum_type_name(checksum->type));
}

http::Response xml_response(std::string body) {
  http::Response response{Status::ok, 11};
  response.set(Field::content_type, "application/xml");
  response.body() = std::move(body);
  return response;
}

bhttp::response<bhttp::empty_body> version_changed_reply(const ObjectVersion& version,
                                                         Status status) {
  bhttp::response<bhttp::empty_body> response{status, 11};
  if (version.version_id != kNullVersionId) response.set("x-amz-version-id", version.version_id);
  response.content_length(0);
  return response;
}

}  // namespace satchel::store
