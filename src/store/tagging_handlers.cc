// Get/Put/DeleteObjectTagging.
#include "obs/log.h"
#include "store/object_tagging.h"
#include "store/request_handler.h"
#include "store/request_parsing.h"

namespace satchel::store {
namespace {

using http::Status;

// Ten tags of 128 and 256 characters at 4 bytes each, with their markup, fit
// well within this. A longer body is refused before it is parsed.
constexpr uint64_t kMaxTaggingDocumentBytes = 64 * 1024;

}  // namespace

RequestHandler::Awaitable RequestHandler::get_object_tagging(Exchange& exchange) {
  exchange.operation = "GetObjectTagging";
  auto version_id = version_id_param(exchange.query);
  auto version = co_await run_blocking(
      [&] { return engine_.head(exchange.bucket, exchange.key, version_id); });
  if (!version) co_return error(exchange, version.error());
  auto response = xml_response(tagging_document(version->tags));
  if (version->version_id != kNullVersionId) {
    response.set("x-amz-version-id", version->version_id);
  }
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::put_object_tagging(Exchange& exchange) {
  exchange.operation = "PutObjectTagging";
  auto body = co_await exchange.request.read_body(kMaxTaggingDocumentBytes);
  if (!body) co_return error(exchange, malformed_xml());
  auto tags = parse_tagging_document(*body);
  if (!tags) {
    co_return error(exchange, to_failure(tags.error()));
  }
  auto version_id = version_id_param(exchange.query);
  auto changed = co_await run_blocking(
      [&] { return engine_.set_tags(exchange.bucket, exchange.key, version_id, *tags); });
  if (!changed) co_return error(exchange, changed.error());
  obs::info("object tags changed", {{"bucket", exchange.bucket},
                                    {"version_id", changed->version_id},
                                    {"tag_count", uint64_t{tags->size()}}});
  co_return finish(exchange, version_changed_reply(*changed, Status::ok));
}

RequestHandler::Awaitable RequestHandler::delete_object_tagging(Exchange& exchange) {
  exchange.operation = "DeleteObjectTagging";
  auto version_id = version_id_param(exchange.query);
  auto changed = co_await run_blocking(
      [&] { return engine_.set_tags(exchange.bucket, exchange.key, version_id, HeaderList{}); });
  if (!changed) co_return error(exchange, changed.error());
  obs::info("object tags removed",
            {{"bucket", exchange.bucket}, {"version_id", changed->version_id}});
  co_return finish(exchange, version_changed_reply(*changed, Status::no_content));
}

}  // namespace satchel::store
