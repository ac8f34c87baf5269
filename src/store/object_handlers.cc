// PutObject, GetObject, HeadObject and DeleteObject.
#include <charconv>
#include <cstring>
#include <memory>

#include "common/encoding.h"
#include "common/time_format.h"
#include "obs/log.h"
#include "store/conditions.h"
#include "store/object_file_body.h"
#include "store/request_handler.h"

namespace satchel::store {
namespace {

using http::Field;
using http::Status;
namespace bhttp = http::bhttp;

// Bodies are read from the socket into a buffer of this size and written
// to disk once it is full, so each worker-pool hop moves a large chunk.
constexpr size_t kUploadChunkBytes = 256 * 1024;
// S3 limits the user metadata of one object (names and values) to 2 KB.
constexpr size_t kMaxUserMetadataBytes = 2048;
constexpr std::string_view kUserMetadataPrefix = "x-amz-meta-";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr std::string_view kStreamingPayloadPrefix = "STREAMING-";

// Representation headers stored with the object and returned on reads.
constexpr Field kStoredHeaders[] = {Field::cache_control, Field::content_disposition,
                                    Field::content_encoding, Field::content_language,
                                    Field::expires};

// GetObject query parameters that override a response header (S3
// "response-*" parameters).
constexpr std::pair<std::string_view, Field> kResponseOverrides[] = {
    {"response-content-type", Field::content_type},
    {"response-content-language", Field::content_language},
    {"response-expires", Field::expires},
    {"response-cache-control", Field::cache_control},
    {"response-content-disposition", Field::content_disposition},
    {"response-content-encoding", Field::content_encoding},
};

std::string quote_etag(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

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

void add_version_headers(bhttp::fields& fields, const ObjectVersion& version) {
  if (version.version_id != kNullVersionId) fields.set("x-amz-version-id", version.version_id);
}

// The headers of a GET or HEAD reply that describe the object.
void add_object_headers(bhttp::fields& fields, const ObjectVersion& version) {
  fields.set(Field::content_type, version.content_type);
  fields.set(Field::etag, quote_etag(version.etag));
  fields.set(Field::last_modified, format_http_date(version.last_modified));
  fields.set(Field::accept_ranges, "bytes");
  add_version_headers(fields, version);
  for (const auto& [name, value] : version.stored_headers) fields.set(name, value);
  for (const auto& [name, value] : version.user_metadata) {
    fields.set(std::string(kUserMetadataPrefix) + name, value);
  }
}

// A parsed PutObject request: what the engine needs, plus the aws-chunked
// decoder when the body is a streaming upload.
struct PutPlan {
  PutRequest request;
  std::optional<s3::ChunkedDecoder> decoder;
};

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

// Content-Type, the stored representation headers and x-amz-meta-*.
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
      return Unexpected(S3Failure{"InvalidArgument", Status::bad_request,
                                  "User metadata values must be valid UTF-8."});
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
                                  "If-None-Match on PUT supports only '*'."});
    }
    put.precondition.if_none_match_any = true;
  }
  if (auto if_match = request.header_value(Field::if_match); !if_match.empty()) {
    put.precondition.if_match = parse_etag_list(if_match);
  }
  return {};
}

// Sets up an aws-chunked upload: the decoder with the request's signing
// key, and the decoded length as the object's length.
// NOTE: checksum trailers (x-amz-checksum-*) are signed and parsed by the
// decoder, but their values are not compared with the body.
Expected<void, S3Failure> plan_streaming(const http::Request& request,
                                         const AuthenticatedCaller& caller, PutPlan& plan) {
  if (!caller.verified || !s3::is_streaming(caller.verified->payload_mode)) {
    return Unexpected(S3Failure{"InvalidArgument", Status::bad_request,
                                "x-amz-content-sha256 names an aws-chunked upload that the "
                                "signature does not cover."});
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
  return Unexpected(S3Failure{"InvalidArgument", Status::bad_request,
                              "x-amz-content-sha256 must be a hex SHA-256, UNSIGNED-PAYLOAD or "
                              "a STREAMING-* value."});
}

Expected<PutPlan, S3Failure> plan_put(const http::Request& request,
                                      const AuthenticatedCaller& caller,
                                      uint64_t max_object_bytes) {
  auto content_length = request.content_length();
  if (!content_length) {
    return Unexpected(S3Failure{"MissingContentLength", Status::length_required,
                                "You must provide the Content-Length HTTP header."});
  }
  PutPlan plan;
  plan.request.content_length = *content_length;
  for (auto step : {read_representation, read_preconditions}) {
    auto done = step(request, plan.request);
    if (!done) return Unexpected(done.error());
  }
  auto checked = read_integrity(request, caller, plan);
  if (!checked) return Unexpected(checked.error());
  if (*plan.request.content_length > max_object_bytes) {
    return Unexpected(to_failure(StoreError::kEntityTooLarge));
  }
  return plan;
}

S3Failure body_failure(http::BodyError error) {
  switch (error) {
    case http::BodyError::kTooLarge:
      return to_failure(StoreError::kEntityTooLarge);
    case http::BodyError::kTimedOut:
      return S3Failure{"RequestTimeout", Status::bad_request,
                       "Your socket connection to the server was not read from or written to "
                       "within the timeout period."};
    case http::BodyError::kTruncated:
    case http::BodyError::kMalformed:
      break;
  }
  return to_failure(StoreError::kIncompleteBody);
}

// Replaces the aws-chunked framing in buffer[0, size) by the payload it
// carries, in place, and returns the payload length. Decoded bytes never
// overtake the input they come from, so moving them forward is safe.
Expected<size_t, S3Failure> decode_in_place(s3::ChunkedDecoder& decoder, char* buffer,
                                            size_t size) {
  size_t position = 0;
  size_t decoded = 0;
  while (position < size) {
    auto output = decoder.decode(std::string_view(buffer + position, size - position));
    if (!output) return Unexpected(to_failure(output.error()));
    position += output->consumed;
    if (!output->payload.empty()) {
      std::memmove(buffer + decoded, output->payload.data(), output->payload.size());
      decoded += output->payload.size();
    }
  }
  return decoded;
}

}  // namespace

http::asio::awaitable<Expected<void, S3Failure>> RequestHandler::receive_body(
    http::Request& request, PendingPut& pending, s3::ChunkedDecoder* decoder) {
  auto buffer = std::make_unique<char[]>(kUploadChunkBytes);
  bool complete = false;
  while (!complete) {
    size_t filled = 0;
    while (filled < kUploadChunkBytes && !complete) {
      auto count = co_await request.read_some(buffer.get() + filled, kUploadChunkBytes - filled);
      if (!count) {
        obs::info("store upload ended early",
                  {{"request_id", request.request_id()}, {"error", http::describe(count.error())}});
        co_return Unexpected(body_failure(count.error()));
      }
      complete = *count == 0;
      filled += *count;
    }
    if (decoder) {
      auto decoded = decode_in_place(*decoder, buffer.get(), filled);
      if (!decoded) co_return Unexpected(decoded.error());
      filled = *decoded;
    }
    if (filled == 0) continue;
    auto appended = co_await run_blocking(
        [&] { return pending.append(std::string_view(buffer.get(), filled)); });
    if (!appended) co_return Unexpected(to_failure(appended.error()));
  }
  if (decoder) {
    auto finished = decoder->finish();
    if (!finished) co_return Unexpected(to_failure(finished.error()));
  }
  co_return Expected<void, S3Failure>{};
}

RequestHandler::Awaitable RequestHandler::put_object(Exchange& exchange) {
  exchange.operation = "PutObject";
  http::Request& request = exchange.request;
  if (request.has_header("x-amz-copy-source")) {
    exchange.operation = "CopyObject";
    co_return error(exchange, "NotImplemented", Status::not_implemented,
                    "CopyObject is not implemented by the embedded store.");
  }
  auto plan = plan_put(request, *exchange.caller, engine_.max_object_bytes());
  if (!plan) co_return error(exchange, plan.error());

  auto pending = co_await run_blocking(
      [&] { return engine_.begin_put(exchange.bucket, exchange.key, std::move(plan->request)); });
  if (!pending) co_return error(exchange, pending.error());

  s3::ChunkedDecoder* decoder = plan->decoder ? &*plan->decoder : nullptr;
  auto received = co_await receive_body(request, *pending, decoder);
  if (!received) {
    // Unlinking the temporary file is disk work too. The lambda captures by
    // reference only: GCC 12 can destroy a non-trivial temporary in a
    // co_await expression twice.
    co_await run_blocking([&]() -> Expected<void, StoreError> {
      pending->abort();
      return {};
    });
    co_return error(exchange, received.error());
  }

  auto committed = co_await run_blocking([&] { return engine_.commit_put(std::move(*pending)); });
  if (!committed) co_return error(exchange, committed.error());

  bhttp::response<bhttp::empty_body> response{Status::ok, 11};
  response.set(Field::etag, quote_etag(committed->etag));
  add_version_headers(response.base(), *committed);
  response.content_length(0);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::get_object(Exchange& exchange, bool head) {
  exchange.operation = head ? "HeadObject" : "GetObject";
  http::Request& request = exchange.request;
  std::optional<std::string> version_id;
  if (const std::string* param = http::find_param(exchange.query, "versionId")) {
    version_id = *param;
  }

  auto found = co_await run_blocking(
      [&] { return engine_.find_version(exchange.bucket, exchange.key, version_id); });
  if (!found) co_return error(exchange, found.error());
  if (found->delete_marker) {
    // S3 marks the miss as a delete marker so clients can tell it apart from
    // a key that never existed.
    auto response = error_response(
        exchange, version_id ? StoreError::kVersionIsDeleteMarker : StoreError::kNoSuchKey);
    response.set("x-amz-delete-marker", "true");
    add_version_headers(response.base(), *found);
    if (version_id) response.set(Field::last_modified, format_http_date(found->last_modified));
    co_return finish(exchange, std::move(response));
  }

  ReadConditions conditions{request.header_value(Field::if_match),
                            request.header_value(Field::if_none_match),
                            request.header_value(Field::if_modified_since),
                            request.header_value(Field::if_unmodified_since)};
  switch (evaluate_read_conditions(conditions, found->etag, found->last_modified)) {
    case ReadDecision::kPreconditionFailed:
      co_return error(exchange, StoreError::kPreconditionFailed);
    case ReadDecision::kNotModified: {
      bhttp::response<bhttp::empty_body> response{Status::not_modified, 11};
      response.set(Field::etag, quote_etag(found->etag));
      response.set(Field::last_modified, format_http_date(found->last_modified));
      add_version_headers(response.base(), *found);
      co_return finish(exchange, std::move(response));
    }
    case ReadDecision::kProceed:
      break;
  }

  // NOTE: Range requests get the whole object with 200, which RFC 9110
  // allows; partial content is not built yet.
  if (head) {
    bhttp::response<bhttp::empty_body> response{Status::ok, 11};
    add_object_headers(response.base(), *found);
    response.content_length(found->size);
    co_return finish(exchange, std::move(response));
  }

  auto opened = co_await run_blocking([&] { return engine_.open_version(*found); });
  if (!opened) co_return error(exchange, opened.error());
  bhttp::response<ObjectFileBody> response{Status::ok, 11};
  add_object_headers(response.base(), opened->version());
  for (const auto& [param, field] : kResponseOverrides) {
    if (const std::string* value = http::find_param(exchange.query, param)) {
      response.set(field, *value);
    }
  }
  response.body() = ObjectFileBody::value_type(opened->release_fd(), 0, found->size);
  response.content_length(found->size);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::delete_object(Exchange& exchange) {
  exchange.operation = "DeleteObject";
  std::optional<std::string> version_id;
  if (const std::string* param = http::find_param(exchange.query, "versionId")) {
    version_id = *param;
  }
  auto deleted = co_await run_blocking(
      [&] { return engine_.delete_object(exchange.bucket, exchange.key, version_id); });
  if (!deleted) co_return error(exchange, deleted.error());

  bhttp::response<bhttp::empty_body> response{Status::no_content, 11};
  if (deleted->delete_marker) response.set("x-amz-delete-marker", "true");
  if (!deleted->version_id.empty() && deleted->version_id != kNullVersionId) {
    response.set("x-amz-version-id", deleted->version_id);
  }
  co_return finish(exchange, std::move(response));
}

}  // namespace satchel::store
