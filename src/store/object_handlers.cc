// PutObject, GetObject, HeadObject and DeleteObject.
#include <cctype>
#include <cstring>
#include <memory>
#include <string_view>

#include "common/encoding.h"
#include "common/time_format.h"
#include "obs/log.h"
#include "store/conditions.h"
#include "store/object_file_body.h"
#include "store/range.h"
#include "store/request_handler.h"
#include "store/request_parsing.h"

namespace satchel::store {
namespace {

using http::Field;
using http::Status;
namespace bhttp = http::bhttp;

// Bodies are read from the socket into a buffer of this size and written
// to disk once it is full, so each worker-pool hop moves a large chunk.
constexpr size_t kUploadChunkBytes = 256 * 1024;
constexpr std::string_view kUserMetadataPrefix = "x-amz-meta-";

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

// The headers of a GET or HEAD reply that describe the object.
void add_object_headers(bhttp::fields& fields, const ObjectVersion& version) {
  fields.set(Field::content_type, version.content_type);
  fields.set(Field::etag, quote_etag(version.etag));
  fields.set(Field::last_modified, format_http_date(version.last_modified));
  fields.set(Field::accept_ranges, "bytes");
  add_version_headers(fields, version);
  add_object_lock_headers(fields, version.lock);
  add_tagging_count_header(fields, version);
  for (const auto& [name, value] : version.stored_headers) fields.set(name, value);
  for (const auto& [name, value] : version.user_metadata) {
    fields.set(std::string(kUserMetadataPrefix) + name, value);
  }
}

// Returns whether a browser displays this type without running script from the object.
// HTML, SVG, XML and unknown types return false.
bool renders_inert(std::string_view content_type) {
  std::string essence(content_type.substr(0, content_type.find(';')));
  for (char& c : essence) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  constexpr std::string_view kInert[] = {"image/png",       "image/jpeg",
                                         "image/gif",       "image/webp",
                                         "image/avif",      "text/plain",
                                         "text/csv",        "application/json",
                                         "application/pdf", "application/octet-stream"};
  for (std::string_view type : kInert) {
    if (essence == type) return true;
  }
  return essence.starts_with("audio/") || essence.starts_with("video/");
}

// Adds nosniff, and a sandbox policy for scriptable types, so an uploaded document opened at
// the store's origin runs no script there.
void add_safety_headers(bhttp::fields& fields) {
  fields.set("X-Content-Type-Options", "nosniff");
  if (!renders_inert(fields[Field::content_type])) {
    fields.set("Content-Security-Policy", "sandbox; default-src 'none'");
  }
}

bool checksum_mode_enabled(const http::Request& request) {
  return boost::beast::iequals(request.header_value("x-amz-checksum-mode"), "ENABLED");
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
  // Not zero-filled: read_some() writes every byte that is later read.
  auto buffer = std::make_unique_for_overwrite<char[]>(kUploadChunkBytes);
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

http::asio::awaitable<Expected<void, S3Failure>> RequestHandler::receive_planned_body(
    http::Request& request, PendingPut& pending, PutPlan& plan) {
  s3::ChunkedDecoder* decoder = plan.decoder ? &*plan.decoder : nullptr;
  auto received = co_await receive_body(request, pending, decoder);
  if (received) {
    auto trailer = trailer_checksum(plan);
    if (!trailer) {
      received = Unexpected(trailer.error());
    } else if (*trailer) {
      pending.expect_checksum(std::move(**trailer));
    }
  }
  if (!received) {
    // Unlinking the temporary file is disk work too. The lambda captures by
    // reference only: GCC 12 can destroy a non-trivial temporary in a
    // co_await expression twice.
    co_await run_blocking([&]() -> Expected<void, StoreError> {
      pending.abort();
      return {};
    });
  }
  co_return received;
}

RequestHandler::Awaitable RequestHandler::put_object(Exchange& exchange) {
  exchange.operation = "PutObject";
  http::Request& request = exchange.request;
  if (request.has_header("x-amz-copy-source")) co_return co_await copy_object(exchange);
  auto plan = plan_body(request, *exchange.caller, engine_.max_object_bytes());
  if (!plan) co_return error(exchange, plan.error());
  for (auto step : {read_representation, read_preconditions}) {
    auto done = step(request, plan->request);
    if (!done) co_return error(exchange, done.error());
  }
  auto lock = read_object_lock_headers(request, engine_.clock().now());
  if (!lock) co_return error(exchange, lock.error());
  plan->request.lock = *lock;
  auto tags = read_tagging_header(request);
  if (!tags) co_return error(exchange, tags.error());
  plan->request.tags = std::move(*tags);

  auto pending = co_await run_blocking(
      [&] { return engine_.begin_put(exchange.bucket, exchange.key, plan->request); });
  if (!pending) co_return error(exchange, pending.error());
  auto received = co_await receive_planned_body(request, *pending, *plan);
  if (!received) co_return error(exchange, received.error());

  auto committed = co_await run_blocking([&] { return engine_.commit_put(std::move(*pending)); });
  if (!committed) co_return error(exchange, committed.error());

  bhttp::response<bhttp::empty_body> response{Status::ok, 11};
  response.set(Field::etag, quote_etag(committed->etag));
  add_encryption_header(response.base());
  add_version_headers(response.base(), *committed);
  add_checksum_headers(response.base(), committed->checksum);
  response.content_length(0);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::get_object(Exchange& exchange, bool head) {
  exchange.operation = head ? "HeadObject" : "GetObject";
  http::Request& request = exchange.request;
  std::optional<std::string> version_id = version_id_param(exchange.query);

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

  RangeDecision range;
  if (if_range_allows(request.header_value(Field::if_range), found->etag, found->last_modified)) {
    range = evaluate_range(request.header_value(Field::range), found->size);
  }
  if (range.kind == RangeDecision::Kind::kUnsatisfiable) {
    auto response = error_response(exchange, "InvalidRange", Status::range_not_satisfiable,
                                   "The requested range is not satisfiable.");
    response.set(Field::content_range, "bytes */" + std::to_string(found->size));
    co_return finish(exchange, std::move(response));
  }
  bool partial = range.kind == RangeDecision::Kind::kPartial;
  uint64_t first = partial ? range.first : 0;
  uint64_t length = partial ? range.length : found->size;
  Status status = partial ? Status::partial_content : Status::ok;

  // The first segment of the range is read and verified before the status
  // line goes out, so a damaged file or a missing master key gets a 500 with
  // no object bytes. A later segment that fails aborts the connection.
  auto opened = co_await run_blocking([&]() -> Expected<OpenObject, StoreError> {
    auto object = engine_.open_version(*found);
    if (!object || head) return object;
    ObjectReader& reader = object->reader();
    bool verified =
        length == 0 ? reader.verify_empty().has_value() : reader.read_at(first, length).has_value();
    if (!verified) return Unexpected(StoreError::kInternal);
    return object;
  });
  if (!opened) co_return error(exchange, opened.error());

  auto describe_object = [&](bhttp::fields& fields) {
    add_object_headers(fields, *found);
    if (opened->reader().encrypted()) add_encryption_header(fields);
    if (partial) fields.set(Field::content_range, content_range(first, length, found->size));
    // A checksum covers the whole object, so S3 omits it from ranged reads.
    if (!partial && checksum_mode_enabled(request)) add_checksum_headers(fields, found->checksum);
    for (const auto& [param, field] : kResponseOverrides) {
      if (const std::string* value = http::find_param(exchange.query, param)) {
        fields.set(field, *value);
      }
    }
    add_safety_headers(fields);
  };
  if (head) {
    bhttp::response<bhttp::empty_body> response{status, 11};
    describe_object(response.base());
    response.content_length(length);
    co_return finish(exchange, std::move(response));
  }

  bhttp::response<ObjectFileBody> response{status, 11};
  describe_object(response.base());
  response.body() = ObjectFileBody::value_type(std::move(opened->reader()), first, length);
  response.content_length(length);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::delete_object(Exchange& exchange) {
  exchange.operation = "DeleteObject";
  std::optional<std::string> version_id = version_id_param(exchange.query);
  bool bypass = bypass_governance_requested(exchange.request) &&
                authenticator_.may_bypass_governance_retention(*exchange.caller);
  auto deleted = co_await run_blocking(
      [&] { return engine_.delete_object(exchange.bucket, exchange.key, version_id, bypass); });
  if (!deleted) co_return error(exchange, deleted.error());

  bhttp::response<bhttp::empty_body> response{Status::no_content, 11};
  if (deleted->delete_marker) response.set("x-amz-delete-marker", "true");
  if (!deleted->version_id.empty() && deleted->version_id != kNullVersionId) {
    response.set("x-amz-version-id", deleted->version_id);
  }
  co_return finish(exchange, std::move(response));
}

}  // namespace satchel::store
