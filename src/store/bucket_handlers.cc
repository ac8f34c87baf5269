// Bucket and service operations: ListBuckets, HeadBucket, CreateBucket,
// DeleteBucket, Get/PutBucketVersioning and GetBucketLocation.
#include "obs/log.h"
#include "store/request_handler.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

using http::Field;
using http::Status;
namespace bhttp = http::bhttp;

// Bucket configuration documents are small; anything larger is not one.
constexpr uint64_t kMaxConfigurationBytes = 64 * 1024;

http::Response xml_response(std::string body) {
  http::Response response{Status::ok, 11};
  response.set(Field::content_type, "application/xml");
  response.body() = std::move(body);
  return response;
}

}  // namespace

RequestHandler::Awaitable RequestHandler::list_buckets(Exchange& exchange) {
  exchange.operation = "ListBuckets";
  auto buckets = co_await run_blocking([&] { return engine_.list_buckets(); });
  if (!buckets) co_return error(exchange, buckets.error());
  co_return finish(exchange, xml_response(list_buckets_document(*buckets)));
}

RequestHandler::Awaitable RequestHandler::head_bucket(Exchange& exchange) {
  exchange.operation = "HeadBucket";
  auto bucket = co_await run_blocking([&] { return engine_.bucket(exchange.bucket); });
  if (!bucket) co_return error(exchange, bucket.error());
  bhttp::response<bhttp::empty_body> response{Status::ok, 11};
  response.set("x-amz-bucket-region", region_);
  response.content_length(0);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::create_bucket(Exchange& exchange) {
  exchange.operation = "CreateBucket";
  // NOTE: a CreateBucketConfiguration body is read and ignored: the store
  // has one region, so its LocationConstraint is not checked.
  auto body = co_await exchange.request.read_body(kMaxConfigurationBytes);
  if (!body) {
    co_return error(exchange, "MalformedXML", Status::bad_request,
                    "The CreateBucket body could not be read or is larger than 64 KiB.");
  }
  auto created = co_await run_blocking([&] { return engine_.create_bucket(exchange.bucket); });
  if (!created) co_return error(exchange, created.error());
  obs::info("bucket created", {{"bucket", exchange.bucket}});
  bhttp::response<bhttp::empty_body> response{Status::ok, 11};
  response.set(Field::location, "/" + exchange.bucket);
  response.content_length(0);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::delete_bucket(Exchange& exchange) {
  exchange.operation = "DeleteBucket";
  auto deleted = co_await run_blocking([&] { return engine_.delete_bucket(exchange.bucket); });
  if (!deleted) co_return error(exchange, deleted.error());
  obs::info("bucket deleted", {{"bucket", exchange.bucket}});
  co_return finish(exchange, bhttp::response<bhttp::empty_body>{Status::no_content, 11});
}

RequestHandler::Awaitable RequestHandler::get_bucket_versioning(Exchange& exchange) {
  exchange.operation = "GetBucketVersioning";
  auto bucket = co_await run_blocking([&] { return engine_.bucket(exchange.bucket); });
  if (!bucket) co_return error(exchange, bucket.error());
  co_return finish(exchange, xml_response(versioning_document(bucket->versioning)));
}

RequestHandler::Awaitable RequestHandler::put_bucket_versioning(Exchange& exchange) {
  exchange.operation = "PutBucketVersioning";
  auto body = co_await exchange.request.read_body(kMaxConfigurationBytes);
  std::optional<Versioning> versioning;
  if (body) versioning = parse_versioning_document(*body);
  if (!versioning) {
    co_return error(exchange, "MalformedXML", Status::bad_request,
                    "The XML you provided was not well-formed or did not validate: expected a "
                    "VersioningConfiguration with Status Enabled or Suspended.");
  }
  auto updated =
      co_await run_blocking([&] { return engine_.set_versioning(exchange.bucket, *versioning); });
  if (!updated) co_return error(exchange, updated.error());
  obs::info("bucket versioning changed",
            {{"bucket", exchange.bucket},
             {"status", *versioning == Versioning::kEnabled ? "Enabled" : "Suspended"}});
  bhttp::response<bhttp::empty_body> response{Status::ok, 11};
  response.content_length(0);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::get_bucket_location(Exchange& exchange) {
  exchange.operation = "GetBucketLocation";
  auto bucket = co_await run_blocking([&] { return engine_.bucket(exchange.bucket); });
  if (!bucket) co_return error(exchange, bucket.error());
  co_return finish(exchange, xml_response(location_document(region_)));
}

}  // namespace satchel::store
