// CopyObject and UploadPartCopy: PUT with x-amz-copy-source.
#include <limits>

#include "common/encoding.h"
#include "common/time_format.h"
#include "store/conditions.h"
#include "store/range.h"
#include "store/request_handler.h"
#include "store/request_parsing.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

using http::Field;
using http::Status;
namespace bhttp = http::bhttp;

struct CopySource {
  std::string bucket;
  std::string key;
  std::optional<std::string> version_id;
};

// x-amz-copy-source: "[/]bucket/key[?versionId=id]", percent-encoded. The
// path is decoded once, so '+' stays '+' as in request paths.
std::optional<CopySource> parse_copy_source(std::string_view header) {
  auto target = http::split_target(header);
  std::string_view path = target.path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto bucket = percent_decode(path.substr(0, slash));
  auto key = percent_decode(path.substr(slash + 1));
  if (!bucket || !key || bucket->empty() || key->empty()) return std::nullopt;
  CopySource source{std::move(*bucket), std::move(*key), std::nullopt};
  if (!target.query.empty()) {
    auto query = http::parse_query(target.query);
    if (!query) return std::nullopt;
    source.version_id = version_id_param(*query);
  }
  return source;
}

S3Failure invalid_copy_source() {
  return invalid_argument(
      "Copy Source must mention the source bucket and key: sourcebucket/sourcekey, "
      "percent-encoded, optionally with ?versionId=.");
}

// The x-amz-copy-source-if-* headers, with S3's outcome: any failure is
// 412, including the If-None-Match and If-Modified-Since cases that are 304
// on a GET.
bool copy_conditions_hold(const http::Request& request, const ObjectVersion& source) {
  ReadConditions conditions{request.header_value("x-amz-copy-source-if-match"),
                            request.header_value("x-amz-copy-source-if-none-match"),
                            request.header_value("x-amz-copy-source-if-modified-since"),
                            request.header_value("x-amz-copy-source-if-unmodified-since")};
  return evaluate_read_conditions(conditions, source.etag, source.last_modified) ==
         ReadDecision::kProceed;
}

S3Failure copy_failure(StoreError error) {
  if (error == StoreError::kEntityTooLarge) {
    return invalid_request(
        "The specified copy source is larger than the maximum allowable size "
        "for a copy source.");
  }
  return to_failure(error);
}

}  // namespace

http::asio::awaitable<Expected<ObjectVersion, S3Failure>> RequestHandler::find_copy_source(
    Exchange& exchange, const CopySourceRef& source) {
  auto found = co_await run_blocking(
      [&] { return engine_.find_version(source.bucket, source.key, source.version_id); });
  if (!found) co_return Unexpected(to_failure(found.error()));
  if (found->delete_marker) {
    if (source.version_id) {
      co_return Unexpected(
          invalid_request("The source of a copy request may not specifically "
                          "refer to a delete marker by version id."));
    }
    co_return Unexpected(to_failure(StoreError::kNoSuchKey));
  }
  if (!copy_conditions_hold(exchange.request, *found)) {
    co_return Unexpected(to_failure(StoreError::kPreconditionFailed));
  }
  co_return std::move(*found);
}

RequestHandler::Awaitable RequestHandler::copy_object(Exchange& exchange) {
  exchange.operation = "CopyObject";
  http::Request& request = exchange.request;
  auto parsed = parse_copy_source(request.header_value("x-amz-copy-source"));
  if (!parsed) co_return error(exchange, invalid_copy_source());
  std::string_view directive = request.header_value("x-amz-metadata-directive");
  bool replace = directive == "REPLACE";
  if (!directive.empty() && !replace && directive != "COPY") {
    co_return error(exchange, invalid_argument("Unknown metadata directive."));
  }

  std::string_view tagging_directive = request.header_value("x-amz-tagging-directive");
  bool replace_tags = tagging_directive == "REPLACE";
  if (!tagging_directive.empty() && !replace_tags && tagging_directive != "COPY") {
    co_return error(exchange, invalid_argument("Unknown tagging directive."));
  }

  PutRequest put;
  auto preconditions = read_preconditions(request, put);
  if (!preconditions) co_return error(exchange, preconditions.error());
  // The copy gets the lock from the request's headers, never the source's.
  auto lock = read_object_lock_headers(request, engine_.clock().now());
  if (!lock) co_return error(exchange, lock.error());
  put.lock = *lock;
  if (replace_tags) {
    auto tags = read_tagging_header(request);
    if (!tags) co_return error(exchange, tags.error());
    put.tags = std::move(*tags);
  }
  if (replace) {
    auto representation = read_representation(request, put);
    if (!representation) co_return error(exchange, representation.error());
  }
  if (auto name = request.header_value("x-amz-checksum-algorithm"); !name.empty()) {
    put.checksum_algorithm = parse_checksum_algorithm(name);
    if (!put.checksum_algorithm) {
      co_return error(exchange,
                      invalid_request("Value for x-amz-checksum-algorithm header is invalid."));
    }
  }

  CopySourceRef source_ref{parsed->bucket, parsed->key, parsed->version_id};
  auto source = co_await find_copy_source(exchange, source_ref);
  if (!source) co_return error(exchange, source.error());
  bool same_object = parsed->bucket == exchange.bucket && parsed->key == exchange.key;
  if (same_object && !replace && !put.checksum_algorithm && source->is_latest) {
    co_return error(exchange,
                    invalid_request("This copy request is illegal because it is trying to copy "
                                    "an object to itself without changing the object's "
                                    "metadata, storage class, website redirect location or "
                                    "encryption attributes."));
  }
  if (!replace) {
    put.content_type = source->content_type;
    put.user_metadata = source->user_metadata;
    put.stored_headers = source->stored_headers;
  }
  if (!replace_tags) put.tags = source->tags;

  auto copied = co_await run_blocking(
      [&] { return engine_.copy_version(*source, exchange.bucket, exchange.key, put); });
  if (!copied) co_return error(exchange, copy_failure(copied.error()));

  auto response = xml_response(copy_result_document("CopyObjectResult", copied->etag,
                                                    copied->last_modified, copied->checksum));
  add_encryption_header(response.base());
  add_version_headers(response.base(), *copied);
  if (source->version_id != kNullVersionId) {
    response.set("x-amz-copy-source-version-id", source->version_id);
  }
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::upload_part_copy(Exchange& exchange,
                                                           const std::string& upload_id,
                                                           int part_number) {
  exchange.operation = "UploadPartCopy";
  http::Request& request = exchange.request;
  auto parsed = parse_copy_source(request.header_value("x-amz-copy-source"));
  if (!parsed) co_return error(exchange, invalid_copy_source());
  CopySourceRef source_ref{parsed->bucket, parsed->key, parsed->version_id};
  auto source = co_await find_copy_source(exchange, source_ref);
  if (!source) co_return error(exchange, source.error());

  uint64_t first = 0;
  uint64_t length = source->size;
  if (auto range_header = request.header_value("x-amz-copy-source-range"); !range_header.empty()) {
    // Unlike a GET Range, the copy range must be "bytes=first-last" inside
    // the object. Evaluating it against the largest size keeps the last byte
    // unclamped, and turns the open and suffix forms into ranges that end
    // past any object.
    auto range = evaluate_range(range_header, std::numeric_limits<uint64_t>::max());
    if (range.kind != RangeDecision::Kind::kPartial || range.length > source->size ||
        range.first > source->size - range.length) {
      co_return error(exchange, invalid_argument("The x-amz-copy-source-range value must be of "
                                                 "the form bytes=first-last and within the "
                                                 "source object."));
    }
    first = range.first;
    length = range.length;
  }
  auto part = co_await run_blocking([&] {
    return engine_.copy_part(*source, first, length, exchange.bucket, exchange.key, upload_id,
                             part_number);
  });
  if (!part) co_return error(exchange, copy_failure(part.error()));

  auto response = xml_response(
      copy_result_document("CopyPartResult", part->etag, part->last_modified, std::nullopt));
  if (source->version_id != kNullVersionId) {
    response.set("x-amz-copy-source-version-id", source->version_id);
  }
  co_return finish(exchange, std::move(response));
}

}  // namespace satchel::store
