// PutObject, GetObject, HeadObject and DeleteObject.
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

}  // namespace

RequestHandler::Awaitable RequestHandler::put_object(Exchange& exchange) {
  exchange.operation = "PutObject";
  http::Request& request = exchange.request;
  if (request.has_header("x-amz-copy-source")) {
    exchange.operation = "CopyObject";
    co_return error(exchange, "NotImplemented", Status::not_implemented,
                    "CopyObject is not implemented by the embedded store.");
  }
  auto content_length = request.content_length();
  if (!content_length) {
    co_return error(exchange, "MissingContentLength", Status::length_required,
                    "You must provide the Content-Length HTTP header.");
  }
  if (*content_length > engine_.max_object_bytes())
    co_return error(exchange, StoreError::kEntityTooLarge);

  PutRequest put;
  put.content_length = *content_length;
  if (auto type = request.header_value(Field::content_type); !type.empty()) {
    put.content_type = std::string(type);
  }
  for (Field field : kStoredHeaders) {
    if (auto value = request.header_value(field); !value.empty()) {
      put.stored_headers.emplace_back(std::string(bhttp::to_string(field)), std::string(value));
    }
  }
  size_t metadata_bytes = 0;
  for (const auto& field : request.header()) {
    std::string_view name = field.name_string();
    if (!starts_with_ignore_case(name, kUserMetadataPrefix)) continue;
    if (!is_valid_utf8(field.value())) {
      co_return error(exchange, "InvalidArgument", Status::bad_request,
                      "User metadata values must be valid UTF-8.");
    }
    std::string short_name = to_lower(name.substr(kUserMetadataPrefix.size()));
    metadata_bytes += short_name.size() + field.value().size();
    put.user_metadata.emplace_back(std::move(short_name), std::string(field.value()));
  }
  if (metadata_bytes > kMaxUserMetadataBytes) {
    co_return error(exchange, "MetadataTooLarge", Status::bad_request,
                    "Your metadata headers exceed the maximum allowed metadata size of 2 KB.");
  }

  if (auto md5 = request.header_value("Content-MD5"); !md5.empty()) {
    auto digest = base64_decode(md5);
    constexpr size_t kMd5Bytes = 16;
    if (!digest || digest->size() != kMd5Bytes) {
      co_return error(exchange, "InvalidDigest", Status::bad_request,
                      "The Content-MD5 you specified is not valid base64 of 16 bytes.");
    }
    put.expected_md5 = std::move(*digest);
  }
  if (auto payload_hash = request.header_value("x-amz-content-sha256"); !payload_hash.empty()) {
    if (is_sha256_hex(payload_hash)) {
      put.expected_sha256 = hex_decode(payload_hash);
    } else if (payload_hash.starts_with(kStreamingPayloadPrefix)) {
      // TODO: decode aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD
      // and the unsigned and trailer variants) with their chunk signatures.
      co_return error(exchange, "NotImplemented", Status::not_implemented,
                      "aws-chunked uploads are not implemented by the embedded store; send the "
                      "body with a plain Content-Length.");
    } else if (payload_hash != kUnsignedPayload) {
      co_return error(exchange, "InvalidArgument", Status::bad_request,
                      "x-amz-content-sha256 must be a hex SHA-256 or UNSIGNED-PAYLOAD.");
    }
  }

  if (auto if_none_match = request.header_value(Field::if_none_match); !if_none_match.empty()) {
    if (if_none_match != "*") {
      co_return error(exchange, "NotImplemented", Status::not_implemented,
                      "If-None-Match on PUT supports only '*'.");
    }
    put.precondition.if_none_match_any = true;
  }
  if (auto if_match = request.header_value(Field::if_match); !if_match.empty()) {
    put.precondition.if_match = parse_etag_list(if_match);
  }

  auto pending = co_await run_blocking(
      [&] { return engine_.begin_put(exchange.bucket, exchange.key, std::move(put)); });
  if (!pending) co_return error(exchange, pending.error());

  auto buffer = std::make_unique<char[]>(kUploadChunkBytes);
  std::optional<http::BodyError> body_error;
  std::optional<StoreError> write_error;
  bool complete = false;
  while (!complete && !body_error && !write_error) {
    size_t filled = 0;
    while (filled < kUploadChunkBytes) {
      auto count = co_await request.read_some(buffer.get() + filled, kUploadChunkBytes - filled);
      if (!count) {
        body_error = count.error();
        break;
      }
      if (*count == 0) {
        complete = true;
        break;
      }
      filled += *count;
    }
    if (filled == 0 || body_error) continue;
    auto appended = co_await run_blocking(
        [&] { return pending->append(std::string_view(buffer.get(), filled)); });
    if (!appended) write_error = appended.error();
  }

  if (body_error || write_error) {
    // Unlinking the temporary file is disk work too. The lambda captures by
    // reference only: GCC 12 can destroy a non-trivial temporary in a
    // co_await expression twice.
    co_await run_blocking([&]() -> Expected<void, StoreError> {
      pending->abort();
      return {};
    });
    if (write_error) co_return error(exchange, *write_error);
    obs::info("store upload ended early",
              {{"request_id", request.request_id()}, {"error", http::describe(*body_error)}});
    switch (*body_error) {
      case http::BodyError::kTooLarge:
        co_return error(exchange, StoreError::kEntityTooLarge);
      case http::BodyError::kTimedOut:
        co_return error(exchange, "RequestTimeout", Status::bad_request,
                        "Your socket connection to the server was not read from or written to "
                        "within the timeout period.");
      case http::BodyError::kTruncated:
      case http::BodyError::kMalformed:
        co_return error(exchange, StoreError::kIncompleteBody);
    }
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
