// Get/PutObjectRetention and Get/PutObjectLegalHold.
#include "obs/log.h"
#include "store/object_lock.h"
#include "store/request_handler.h"
#include "store/request_parsing.h"

namespace satchel::store {
namespace {

using http::Status;

constexpr uint64_t kMaxLockDocumentBytes = 16 * 1024;

}  // namespace

RequestHandler::Awaitable RequestHandler::get_object_retention(Exchange& exchange) {
  exchange.operation = "GetObjectRetention";
  auto version_id = version_id_param(exchange.query);
  auto version = co_await run_blocking(
      [&] { return engine_.find_locked_version(exchange.bucket, exchange.key, version_id); });
  if (!version) co_return error(exchange, version.error());
  if (!version->lock.retention) {
    co_return error(exchange, StoreError::kNoSuchObjectLockConfiguration);
  }
  co_return finish(exchange, xml_response(retention_document(*version->lock.retention)));
}

RequestHandler::Awaitable RequestHandler::put_object_retention(Exchange& exchange) {
  exchange.operation = "PutObjectRetention";
  auto body = co_await exchange.request.read_body(kMaxLockDocumentBytes);
  if (!body) co_return error(exchange, malformed_xml());
  auto retention = parse_retention_document(*body);
  if (!retention) co_return error(exchange, to_failure(retention.error()));
  if (*retention && (*retention)->retain_until <= engine_.clock().now()) {
    co_return error(exchange, invalid_argument("The retain until date must be in the future."));
  }
  auto version_id = version_id_param(exchange.query);
  bool bypass = bypass_governance_requested(exchange.request) &&
                authenticator_.may_bypass_governance_retention(*exchange.caller);
  auto changed = co_await run_blocking([&] {
    return engine_.set_retention(exchange.bucket, exchange.key, version_id, *retention, bypass);
  });
  if (!changed) co_return error(exchange, changed.error());
  obs::info("object retention changed",
            {{"bucket", exchange.bucket},
             {"version_id", changed->version_id},
             {"mode", *retention ? retention_mode_name((*retention)->mode) : "none"},
             {"bypass_governance", bypass}});
  co_return finish(exchange, version_changed_reply(*changed, Status::ok));
}

RequestHandler::Awaitable RequestHandler::get_object_legal_hold(Exchange& exchange) {
  exchange.operation = "GetObjectLegalHold";
  auto version_id = version_id_param(exchange.query);
  auto version = co_await run_blocking(
      [&] { return engine_.find_locked_version(exchange.bucket, exchange.key, version_id); });
  if (!version) co_return error(exchange, version.error());
  if (!version->lock.legal_hold) {
    co_return error(exchange, StoreError::kNoSuchObjectLockConfiguration);
  }
  co_return finish(exchange, xml_response(legal_hold_document(*version->lock.legal_hold)));
}

RequestHandler::Awaitable RequestHandler::put_object_legal_hold(Exchange& exchange) {
  exchange.operation = "PutObjectLegalHold";
  auto body = co_await exchange.request.read_body(kMaxLockDocumentBytes);
  if (!body) co_return error(exchange, malformed_xml());
  auto on = parse_legal_hold_document(*body);
  if (!on) co_return error(exchange, to_failure(on.error()));
  auto version_id = version_id_param(exchange.query);
  auto changed = co_await run_blocking(
      [&] { return engine_.set_legal_hold(exchange.bucket, exchange.key, version_id, *on); });
  if (!changed) co_return error(exchange, changed.error());
  obs::info("object legal hold changed", {{"bucket", exchange.bucket},
                                          {"version_id", changed->version_id},
                                          {"legal_hold", *on ? "ON" : "OFF"}});
  co_return finish(exchange, version_changed_reply(*changed, Status::ok));
}

}  // namespace satchel::store
