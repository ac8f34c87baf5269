// Get/Put/DeleteBucketLifecycleConfiguration, Get/Put/DeleteBucketEncryption
// and Get/PutObjectLockConfiguration.
#include "obs/log.h"
#include "store/bucket_encryption.h"
#include "store/lifecycle.h"
#include "store/object_lock.h"
#include "store/request_handler.h"
#include "store/request_parsing.h"

namespace satchel::store {
namespace {

using http::Status;
namespace bhttp = http::bhttp;

// A lifecycle configuration holds up to 1000 rules, each up to a few hundred
// bytes; other configuration documents are far smaller.
constexpr uint64_t kMaxLifecycleBytes = 1ULL << 20;
constexpr uint64_t kMaxConfigurationBytes = 64 * 1024;

bhttp::response<bhttp::empty_body> empty_reply(Status status) {
  bhttp::response<bhttp::empty_body> response{status, 11};
  response.content_length(0);
  return response;
}

}  // namespace

RequestHandler::Awaitable RequestHandler::get_bucket_lifecycle(Exchange& exchange) {
  exchange.operation = "GetBucketLifecycleConfiguration";
  auto rules = co_await run_blocking([&] { return engine_.get_lifecycle(exchange.bucket); });
  if (!rules) co_return error(exchange, rules.error());
  co_return finish(exchange, xml_response(lifecycle_document(*rules)));
}

RequestHandler::Awaitable RequestHandler::put_bucket_lifecycle(Exchange& exchange) {
  exchange.operation = "PutBucketLifecycleConfiguration";
  auto body = co_await read_configuration_body(exchange, kMaxLifecycleBytes);
  if (!body) co_return error(exchange, body.error());
  auto rules = parse_lifecycle_document(*body);
  if (!rules) co_return error(exchange, to_failure(rules.error()));
  auto stored =
      co_await run_blocking([&] { return engine_.put_lifecycle(exchange.bucket, *rules); });
  if (!stored) co_return error(exchange, stored.error());
  obs::info("bucket lifecycle configuration changed",
            {{"bucket", exchange.bucket}, {"rules", uint64_t{rules->size()}}});
  co_return finish(exchange, empty_reply(Status::ok));
}

RequestHandler::Awaitable RequestHandler::delete_bucket_lifecycle(Exchange& exchange) {
  exchange.operation = "DeleteBucketLifecycle";
  auto deleted = co_await run_blocking([&] { return engine_.delete_lifecycle(exchange.bucket); });
  if (!deleted) co_return error(exchange, deleted.error());
  obs::info("bucket lifecycle configuration deleted", {{"bucket", exchange.bucket}});
  co_return finish(exchange, empty_reply(Status::no_content));
}

RequestHandler::Awaitable RequestHandler::get_bucket_encryption(Exchange& exchange) {
  exchange.operation = "GetBucketEncryption";
  auto encryption = co_await run_blocking([&] { return engine_.get_encryption(exchange.bucket); });
  if (!encryption) co_return error(exchange, encryption.error());
  co_return finish(exchange, xml_response(encryption_document(*encryption)));
}

RequestHandler::Awaitable RequestHandler::put_bucket_encryption(Exchange& exchange) {
  exchange.operation = "PutBucketEncryption";
  auto body = co_await read_configuration_body(exchange, kMaxConfigurationBytes);
  if (!body) co_return error(exchange, body.error());
  auto encryption = parse_encryption_document(*body);
  if (!encryption) co_return error(exchange, to_failure(encryption.error()));
  auto stored =
      co_await run_blocking([&] { return engine_.put_encryption(exchange.bucket, *encryption); });
  if (!stored) co_return error(exchange, stored.error());
  obs::info("bucket encryption configuration changed", {{"bucket", exchange.bucket}});
  co_return finish(exchange, empty_reply(Status::ok));
}

RequestHandler::Awaitable RequestHandler::delete_bucket_encryption(Exchange& exchange) {
  exchange.operation = "DeleteBucketEncryption";
  auto deleted = co_await run_blocking([&] { return engine_.delete_encryption(exchange.bucket); });
  if (!deleted) co_return error(exchange, deleted.error());
  obs::info("bucket encryption configuration deleted", {{"bucket", exchange.bucket}});
  co_return finish(exchange, empty_reply(Status::no_content));
}

RequestHandler::Awaitable RequestHandler::get_object_lock_configuration(Exchange& exchange) {
  exchange.operation = "GetObjectLockConfiguration";
  auto configuration =
      co_await run_blocking([&] { return engine_.get_object_lock(exchange.bucket); });
  if (!configuration) co_return error(exchange, configuration.error());
  co_return finish(exchange, xml_response(object_lock_document(*configuration)));
}

RequestHandler::Awaitable RequestHandler::put_object_lock_configuration(Exchange& exchange) {
  exchange.operation = "PutObjectLockConfiguration";
  auto body = co_await read_configuration_body(exchange, kMaxConfigurationBytes);
  if (!body) co_return error(exchange, body.error());
  auto configuration = parse_object_lock_document(*body);
  if (!configuration) co_return error(exchange, to_failure(configuration.error()));
  auto stored = co_await run_blocking(
      [&] { return engine_.put_object_lock(exchange.bucket, *configuration); });
  if (!stored) co_return error(exchange, stored.error());
  obs::info("bucket Object Lock configuration changed", {{"bucket", exchange.bucket}});
  co_return finish(exchange, empty_reply(Status::ok));
}

}  // namespace satchel::store
