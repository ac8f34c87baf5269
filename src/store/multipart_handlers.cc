// CreateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload
// and AbortMultipartUpload.
#include <charconv>

#include "common/encoding.h"
#include "obs/log.h"
#include "store/listing_xml.h"
#include "store/multipart_xml.h"
#include "store/request_handler.h"
#include "store/request_parsing.h"

namespace satchel::store {
namespace {

using http::Field;
using http::Status;
namespace bhttp = http::bhttp;

// A CompleteMultipartUpload body lists at most 10000 parts of about 150
// bytes each.
constexpr uint64_t kMaxCompleteBodyBytes = 4ULL << 20;

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// x-amz-checksum-algorithm and x-amz-checksum-type of CreateMultipartUpload.
// S3 computes CRC64NVME over the full object only, and the SHA algorithms
// only as composite checksums.
Expected<void, S3Failure> read_upload_checksum(const http::Request& request,
                                               MultipartUpload& upload) {
  std::string_view name = request.header_value("x-amz-checksum-algorithm");
  std::string_view type = request.header_value("x-amz-checksum-type");
  if (name.empty()) {
    if (!type.empty()) {
      return Unexpected(invalid_request("x-amz-checksum-type needs x-amz-checksum-algorithm."));
    }
    return {};
  }
  upload.checksum_algorithm = parse_checksum_algorithm(name);
  if (!upload.checksum_algorithm) {
    return Unexpected(invalid_request("Value for x-amz-checksum-algorithm header is invalid."));
  }
  bool crc64 = *upload.checksum_algorithm == ChecksumAlgorithm::kCrc64Nvme;
  upload.checksum_type = crc64 ? ChecksumType::kFullObject : ChecksumType::kComposite;
  if (!type.empty()) {
    auto parsed = parse_checksum_type(type);
    if (!parsed) return Unexpected(invalid_request("Value for x-amz-checksum-type is invalid."));
    bool sha = *upload.checksum_algorithm == ChecksumAlgorithm::kSha1 ||
               *upload.checksum_algorithm == ChecksumAlgorithm::kSha256;
    if ((*parsed == ChecksumType::kFullObject && sha) ||
        (*parsed == ChecksumType::kComposite && crc64)) {
      return Unexpected(invalid_request(
          "The checksum type is not supported for this checksum algorithm: FULL_OBJECT needs a "
          "CRC and CRC64NVME needs FULL_OBJECT."));
    }
    upload.checksum_type = *parsed;
  }
  return {};
}

void add_upload_checksum_headers(bhttp::fields& fields, const MultipartUpload& upload) {
  if (!upload.checksum_algorithm) return;
  fields.set("x-amz-checksum-algorithm", checksum_name(*upload.checksum_algorithm));
  fields.set("x-amz-checksum-type", checksum_type_name(upload.checksum_type));
}

// The whole-object checksum header of CompleteMultipartUpload, if any.
Expected<void, S3Failure> read_complete_checksum(const http::Request& request,
                                                 CompleteRequest& complete) {
  for (auto algorithm : kChecksumAlgorithms) {
    std::string_view value = request.header_value(checksum_header(algorithm));
    if (value.empty()) continue;
    if (complete.checksum_algorithm) {
      return Unexpected(invalid_request(
          "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
          "allowed."));
    }
    complete.checksum_algorithm = algorithm;
    complete.expected_checksum = std::string(value);
  }
  return {};
}

}  // namespace

Expected<int, S3Failure> part_number_param(const http::QueryParams& query) {
  auto number = parse_int(param_or(query, "partNumber"));
  if (!number || *number < 1 || *number > kMaxPartNumber) {
    return Unexpected(
        invalid_argument("Part number must be an integer between 1 and 10000, inclusive."));
  }
  return *number;
}

RequestHandler::Awaitable RequestHandler::create_multipart_upload(Exchange& exchange) {
  exchange.operation = "CreateMultipartUpload";
  http::Request& request = exchange.request;
  PutRequest representation;
  auto read = read_representation(request, representation);
  if (!read) co_return error(exchange, read.error());
  MultipartUpload settings;
  settings.content_type = std::move(representation.content_type);
  settings.user_metadata = std::move(representation.user_metadata);
  settings.stored_headers = std::move(representation.stored_headers);
  auto checksum = read_upload_checksum(request, settings);
  if (!checksum) co_return error(exchange, checksum.error());
  auto lock = read_object_lock_headers(request, engine_.clock().now());
  if (!lock) co_return error(exchange, lock.error());
  settings.lock = *lock;
  auto tags = read_tagging_header(request);
  if (!tags) co_return error(exchange, tags.error());
  settings.tags = std::move(*tags);

  bool sweep = stale_sweep_due();
  auto upload = co_await run_blocking([&]() -> Expected<MultipartUpload, StoreError> {
    if (sweep) {
      auto swept = engine_.abort_stale_uploads();
      if (!swept) obs::warn("cannot abort stale multipart uploads", {});
    }
    return engine_.create_upload(exchange.bucket, exchange.key, settings);
  });
  if (!upload) co_return error(exchange, upload.error());
  auto response = xml_response(initiate_upload_document(*upload));
  add_encryption_header(response.base());
  add_upload_checksum_headers(response.base(), *upload);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::upload_part(Exchange& exchange) {
  exchange.operation = "UploadPart";
  http::Request& request = exchange.request;
  auto part_number = part_number_param(exchange.query);
  if (!part_number) co_return error(exchange, part_number.error());
  std::string upload_id = param_or(exchange.query, "uploadId");
  if (request.has_header("x-amz-copy-source")) {
    co_return co_await upload_part_copy(exchange, upload_id, *part_number);
  }
  auto plan = plan_body(request, *exchange.caller, engine_.max_object_bytes());
  if (!plan) co_return error(exchange, plan.error());

  auto pending = co_await run_blocking([&] {
    return engine_.begin_part(exchange.bucket, exchange.key, upload_id, *part_number,
                              plan->request);
  });
  if (!pending) co_return error(exchange, pending.error());
  auto received = co_await receive_planned_body(request, *pending, *plan);
  if (!received) co_return error(exchange, received.error());
  std::optional<ChecksumAlgorithm> algorithm = pending->request().checksum_algorithm;
  auto part = co_await run_blocking([&] { return engine_.commit_part(std::move(*pending)); });
  if (!part) co_return error(exchange, part.error());

  bhttp::response<bhttp::empty_body> response{Status::ok, 11};
  response.set(Field::etag, quote_etag(part->etag));
  add_encryption_header(response.base());
  if (algorithm && !part->checksum.empty()) {
    response.set(checksum_header(*algorithm), part->checksum);
  }
  response.content_length(0);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::list_parts(Exchange& exchange) {
  exchange.operation = "ListParts";
  std::string upload_id = param_or(exchange.query, "uploadId");
  auto max_parts = count_param(exchange.query, "max-parts", kMaxListEntries);
  if (!max_parts) co_return error(exchange, max_parts.error());
  int marker = 0;
  if (const std::string* text = http::find_param(exchange.query, "part-number-marker")) {
    auto parsed = parse_int(*text);
    if (!parsed || *parsed < 0) {
      co_return error(exchange,
                      invalid_argument("part-number-marker must be a non-negative integer."));
    }
    marker = *parsed;
  }
  auto listing = co_await run_blocking([&] {
    return engine_.list_parts(exchange.bucket, exchange.key, upload_id, marker, *max_parts);
  });
  if (!listing) co_return error(exchange, listing.error());
  co_return finish(exchange, xml_response(list_parts_document(*listing, marker, *max_parts)));
}

RequestHandler::Awaitable RequestHandler::complete_multipart_upload(Exchange& exchange) {
  exchange.operation = "CompleteMultipartUpload";
  http::Request& request = exchange.request;
  std::string upload_id = param_or(exchange.query, "uploadId");
  auto body = co_await request.read_body(kMaxCompleteBodyBytes);
  if (!body) co_return error(exchange, malformed_xml());
  auto parts = parse_complete_document(*body);
  if (!parts) co_return error(exchange, malformed_xml());

  CompleteRequest complete;
  complete.parts = std::move(*parts);
  PutRequest preconditions;
  auto read = read_preconditions(request, preconditions);
  if (!read) co_return error(exchange, read.error());
  complete.precondition = std::move(preconditions.precondition);
  auto checksum = read_complete_checksum(request, complete);
  if (!checksum) co_return error(exchange, checksum.error());

  auto version = co_await run_blocking(
      [&] { return engine_.complete_upload(exchange.bucket, exchange.key, upload_id, complete); });
  if (!version) co_return error(exchange, version.error());
  std::string location =
      "http://" + std::string(request.header_value(Field::host)) + std::string(request.path());
  auto response = xml_response(complete_upload_document(location, *version));
  add_encryption_header(response.base());
  add_version_headers(response.base(), *version);
  co_return finish(exchange, std::move(response));
}

RequestHandler::Awaitable RequestHandler::abort_multipart_upload(Exchange& exchange) {
  exchange.operation = "AbortMultipartUpload";
  std::string upload_id = param_or(exchange.query, "uploadId");
  auto aborted = co_await run_blocking(
      [&] { return engine_.abort_upload(exchange.bucket, exchange.key, upload_id); });
  if (!aborted) co_return error(exchange, aborted.error());
  co_return finish(exchange, bhttp::response<bhttp::empty_body>{Status::no_content, 11});
}

bool RequestHandler::stale_sweep_due() {
  int64_t now = engine_.clock().now().time_since_epoch().count();
  int64_t interval =
      std::chrono::duration_cast<SystemTime::duration>(stale_upload_sweep_interval_).count();
  int64_t last = last_stale_sweep_.load();
  return now - last >= interval && last_stale_sweep_.compare_exchange_strong(last, now);
}

}  // namespace satchel::store
