// Bucket and service operations: ListBuckets, HeadBucket, CreateBucket,
// DeleteBucket, Get/PutBucketVersioning, GetBucketLocation,
// Get/Put/DeleteBucketCors and DeleteObjects.
#include "common/crypto.h"
#include "common/encoding.h"
#include "obs/log.h"
#include "store/cors.h"
#include "store/request_handler.h"
#include "store/request_parsing.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

using http::Field;
using http::Status;
namespace bhttp = http::bhttp;

// Bucket configuration documents are small; anything larger is not one.
constexpr uint64_t kMaxConfigurationBytes = 64 * 1024;
// A Delete document names at most 1000 keys of at most 1024 bytes each,
// escaped, with version ids.
constexpr uint64_t kMaxDeleteBodyBytes = 2ULL << 20;

// Checks Content-MD5 and an x-amz-checksum-* header of a small XML body
// when the client sent them.
Expected<void, S3Failure> check_body_digests(const http::Request& request, std::string_view body) {
  if (auto md5_header = request.header_value("Content-MD5"); !md5_header.empty()) {
    auto expected = base64_decode(md5_header);
    if (!expected || !constant_time_equal(*expected, md5(body))) {
      return Unexpected(to_failure(StoreError::kBadDigest));
    }
  }
  for (auto algorithm : kChecksumAlgorithms) {
    std::string_view value = request.header_value(checksum_header(algorithm));
    if (value.empty()) continue;
    auto expected = decode_checksum(algorithm, value);
    if (!expected || !constant_time_equal(*expected, compute_checksum(algorithm, body))) {
      return Unexpected(to_failure(StoreError::kChecksumMismatch));
    }
  }
  return {};
}

}  // namespace

http::asio::awaitable<Expected<std::string, S3Failure>> RequestHandler::read_configuration_body(
    Exchange& exchange, uint64_t max_bytes) {
  auto body = co_await exchange.request.read_body(max_bytes);
  if (!body) co_return Unexpected(malformed_xml());
  auto digests = check_body_digests(exchange.request, *body);
  if (!digests) co_return Unexpected(digests.error());
  co_return std::move(*body);
}

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
  std::string_view lock_header = exchange.request.header_value("x-amz-bucket-object-lock-enabled");
  bool object_lock = boost::beast::iequals(lock_header, "true");
  if (!lock_header.empty() && !object_lock && !boost::beast::iequals(lock_header, "false")) {
    co_return error(exchange,
                    invalid_argument("x-amz-bucket-object-lock-enabled must be true or false."));
  }
  auto created = co_await run_blocking([&] {
    return engine_.create_bucket(exchange.bucket, Versioning::kUnversioned, object_lock);
  });
  if (!created) co_return error(exchange, created.error());
  obs::info("bucket created", {{"bucket", exchange.bucket}, {"object_lock", object_lock}});
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

RequestHandler::Awaitable RequestHandler::get_bucket_cors(Exchange& exchange) {
  exchange.operation = "GetBucketCors";
  auto rules = co_await run_blocking([&] { return engine_.get_cors(exchange.bucket); });
  if (!rules) co_return error(exchange, rules.error());
  co_return finish(exchange, xml_response(cors_document(*rules)));
}

RequestHandler::Awaitable RequestHandler::put_bucket_cors(Exchange& exchange) {
  exchange.operation = "PutBucketCors";
  auto body = co_await exchange.request.read_body(kMaxConfigurationBytes);
  if (!body) co_return error(exchange, malformed_xml());
  auto digests = check_body_digests(exchange.request, *body);
  if (!digests) co_return error(exchange, digests.error());
  auto rules = parse_cors_document(*body);
  if (!rules) {
    co_return error(exchange, rules.error().code, Status::bad_request, rules.error().message);
  }
  auto stored =
      co_await run_blocking([&] { return engine_.put_cors(exchange.bucket, std::move(*rules)); });
  if (!stored) co_return error(exchange, stored.error());
  obs::info("bucket CORS configuration changed", {{"bucket", exchange.bucket}});
  bhttp::response<bhttp::empty_body> response{Status::ok, 11};
  response.content_length(0);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::delete_bucket_cors(Exchange& exchange) {
  exchange.operation = "DeleteBucketCors";
  auto deleted = co_await run_blocking([&] { return engine_.delete_cors(exchange.bucket); });
  if (!deleted) co_return error(exchange, deleted.error());
  obs::info("bucket CORS configuration deleted", {{"bucket", exchange.bucket}});
  co_return finish(exchange, bhttp::response<bhttp::empty_body>{Status::no_content, 11});
}

RequestHandler::Awaitable RequestHandler::delete_objects(Exchange& exchange) {
  exchange.operation = "DeleteObjects";
  auto body = co_await exchange.request.read_body(kMaxDeleteBodyBytes);
  if (!body) co_return error(exchange, malformed_xml());
  auto digests = check_body_digests(exchange.request, *body);
  if (!digests) co_return error(exchange, digests.error());
  auto document = parse_delete_document(*body);
  if (!document) co_return error(exchange, malformed_xml());

  bool bypass = bypass_governance_requested(exchange.request) &&
                authenticator_.may_bypass_governance_retention(*exchange.caller);
  auto outcomes = co_await run_blocking([&]() -> Expected<std::vector<DeleteOutcome>, StoreError> {
    std::vector<DeleteOutcome> results;
    for (const auto& target : document->objects) {
      DeleteOutcome outcome{target, {}, {}, {}};
      auto deleted = engine_.delete_object(exchange.bucket, target.key, target.version_id, bypass);
      if (deleted) {
        outcome.result = std::move(*deleted);
      } else if (deleted.error() == StoreError::kNoSuchBucket) {
        return Unexpected(deleted.error());
      } else {
        outcome.error_code = std::string(s3_code(deleted.error()));
        outcome.error_message = std::string(describe(deleted.error()));
      }
      results.push_back(std::move(outcome));
    }
    return results;
  });
  if (!outcomes) co_return error(exchange, outcomes.error());
  co_return finish(exchange, xml_response(delete_result_document(*outcomes, document->quiet)));
}

}  // namespace satchel::store
