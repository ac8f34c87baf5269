// ListObjects (V1 and V2), ListObjectVersions and ListMultipartUploads.
#include "common/encoding.h"
#include "store/listing_xml.h"
#include "store/request_handler.h"
#include "store/request_parsing.h"

namespace satchel::store {
namespace {

// Checks encoding-type, whose only value is "url".
Expected<bool, S3Failure> url_encoding_param(const http::QueryParams& query) {
  const std::string* value = http::find_param(query, "encoding-type");
  if (!value) return false;
  if (*value == "url") return true;
  return Unexpected(invalid_argument("Invalid Encoding Method specified in Request"));
}

// Continuation tokens are opaque to clients: base64url of the marker key.
std::string continuation_token(std::string_view marker) { return base64url_encode(marker); }

}  // namespace

RequestHandler::Awaitable RequestHandler::list_objects(Exchange& exchange) {
  const auto& query = exchange.query;
  bool v2 = param_or(query, "list-type") == "2";
  exchange.operation = v2 ? "ListObjectsV2" : "ListObjects";
  auto max_keys = count_param(query, "max-keys", kMaxListEntries);
  if (!max_keys) co_return error(exchange, max_keys.error());
  auto url_encoding = url_encoding_param(query);
  if (!url_encoding) co_return error(exchange, url_encoding.error());

  ListObjectsQuery list{.prefix = param_or(query, "prefix"),
                        .delimiter = param_or(query, "delimiter"),
                        .max_keys = *max_keys};
  const std::string* token = http::find_param(query, "continuation-token");
  const std::string* start_after = http::find_param(query, "start-after");
  if (!v2) {
    list.marker = param_or(query, "marker");
    list.marker_may_be_prefix = true;
  } else if (token) {
    auto marker = base64url_decode(*token);
    if (!marker || token->empty()) {
      co_return error(exchange, invalid_argument("The continuation token provided is incorrect."));
    }
    list.marker = std::move(*marker);
    list.marker_may_be_prefix = true;
  } else if (start_after) {
    list.marker = *start_after;
  }

  auto listing = co_await run_blocking([&] { return engine_.list_objects(exchange.bucket, list); });
  if (!listing) co_return error(exchange, listing.error());

  ListingEcho echo{exchange.bucket, list.prefix, list.delimiter, *max_keys, *url_encoding};
  if (!v2) {
    co_return finish(exchange, xml_response(list_objects_v1_document(echo, list.marker, *listing)));
  }
  ListV2Echo v2_echo;
  if (token) v2_echo.continuation_token = *token;
  if (start_after) v2_echo.start_after = *start_after;
  if (listing->truncated)
    v2_echo.next_continuation_token = continuation_token(listing->next_marker);
  v2_echo.fetch_owner = param_or(query, "fetch-owner") == "true";
  co_return finish(exchange, xml_response(list_objects_v2_document(echo, v2_echo, *listing)));
}

RequestHandler::Awaitable RequestHandler::list_object_versions(Exchange& exchange) {
  exchange.operation = "ListObjectVersions";
  const auto& query = exchange.query;
  auto max_keys = count_param(query, "max-keys", kMaxListEntries);
  if (!max_keys) co_return error(exchange, max_keys.error());
  auto url_encoding = url_encoding_param(query);
  if (!url_encoding) co_return error(exchange, url_encoding.error());

  ListVersionsQuery list{.prefix = param_or(query, "prefix"),
                         .delimiter = param_or(query, "delimiter"),
                         .key_marker = param_or(query, "key-marker"),
                         .max_keys = *max_keys};
  if (const std::string* marker = http::find_param(query, "version-id-marker")) {
    if (list.key_marker.empty()) {
      co_return error(exchange, invalid_argument("A version-id marker cannot be specified "
                                                 "without a key marker."));
    }
    if (!marker->empty()) list.version_id_marker = *marker;
  }
  auto listing =
      co_await run_blocking([&] { return engine_.list_versions(exchange.bucket, list); });
  if (!listing) co_return error(exchange, listing.error());

  ListingEcho echo{exchange.bucket, list.prefix, list.delimiter, *max_keys, *url_encoding};
  co_return finish(exchange,
                   xml_response(list_versions_document(
                       echo, list.key_marker, list.version_id_marker.value_or(""), *listing)));
}

RequestHandler::Awaitable RequestHandler::list_multipart_uploads(Exchange& exchange) {
  exchange.operation = "ListMultipartUploads";
  const auto& query = exchange.query;
  auto max_uploads = count_param(query, "max-uploads", kMaxListEntries);
  if (!max_uploads) co_return error(exchange, max_uploads.error());
  auto url_encoding = url_encoding_param(query);
  if (!url_encoding) co_return error(exchange, url_encoding.error());

  ListUploadsQuery list{.prefix = param_or(query, "prefix"),
                        .delimiter = param_or(query, "delimiter"),
                        .key_marker = param_or(query, "key-marker"),
                        .upload_id_marker = param_or(query, "upload-id-marker"),
                        .max_uploads = *max_uploads};
  auto listing = co_await run_blocking([&] { return engine_.list_uploads(exchange.bucket, list); });
  if (!listing) co_return error(exchange, listing.error());
  ListingEcho echo{exchange.bucket, list.prefix, list.delimiter, *max_uploads, *url_encoding};
  co_return finish(exchange, xml_response(list_uploads_document(echo, list.key_marker,
                                                                list.upload_id_marker, *listing)));
}

}  // namespace satchel::store
