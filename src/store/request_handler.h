// The S3 REST front of the engine: path-style routing, authentication,
// CORS, and one method per S3 operation. Internal to the store; Store owns
// one and hands out make_handler().
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "http/beast.h"
#include "http/offload.h"
#include "http/request.h"
#include "http/url.h"
#include "obs/log.h"
#include "s3/chunked.h"
#include "store/authenticator.h"
#include "store/cors.h"
#include "store/document_error.h"
#include "store/engine.h"
#include "store/form_parser.h"
#include "store/store_error.h"

namespace satchel::store {

// An S3 error reply: code, status and a message with no request content.
struct S3Failure {
  std::string_view code;
  http::Status status;
  std::string_view message;
};
S3Failure to_failure(StoreError error);
S3Failure to_failure(s3::AuthError error);
S3Failure to_failure(const DocumentError& error);

struct PutPlan;

// The part number of UploadPart and UploadPartCopy: 1 to kMaxPartNumber.
Expected<int, S3Failure> part_number_param(const http::QueryParams& query);

class RequestHandler {
 public:
  // All references must outlive the handler. CreateMultipartUpload aborts
  // stale uploads at most once per stale_upload_sweep_interval.
  RequestHandler(Engine& engine, boost::asio::thread_pool& pool, const Authenticator& authenticator,
                 CorsPolicy cors, std::string region,
                 std::chrono::seconds stale_upload_sweep_interval);

  // Catches any std::exception from the operation and returns a 500
  // InternalError instead, so nothing escapes into the server.
  http::asio::awaitable<http::bhttp::message_generator> handle(http::Request& request);

 private:
  using Generator = http::bhttp::message_generator;
  using Awaitable = http::asio::awaitable<Generator>;

  // One request on its way through the handler.
  struct Exchange {
    http::Request& request;
    std::string bucket;  // decoded once; empty for the service root
    std::string key;     // decoded once; empty for bucket operations
    http::QueryParams query;
    std::string_view origin;
    std::string_view operation = "Unknown";  // S3 operation name, for the access log
    std::optional<AuthenticatedCaller> caller;
  };

  // A copy source named by x-amz-copy-source.
  struct CopySourceRef {
    std::string bucket;
    std::string key;
    std::optional<std::string> version_id;
  };

  Awaitable dispatch(Exchange& exchange);
  Awaitable dispatch_object(Exchange& exchange);
  Awaitable dispatch_multipart(Exchange& exchange);
  Awaitable dispatch_bucket(Exchange& exchange);
  Generator preflight(Exchange& exchange);

  // Object operations (object_handlers.cc).
  Awaitable put_object(Exchange& exchange);
  Awaitable get_object(Exchange& exchange, bool head);
  Awaitable delete_object(Exchange& exchange);
  // Streams the request body into the pending write, decoding aws-chunked
  // framing when a decoder is given.
  http::asio::awaitable<Expected<void, S3Failure>> receive_body(http::Request& request,
                                                                PendingPut& pending,
                                                                s3::ChunkedDecoder* decoder);
  // receive_body() with the plan's decoder, then the plan's trailer
  // checksum set on pending. On failure the temporary file is removed.
  http::asio::awaitable<Expected<void, S3Failure>> receive_planned_body(http::Request& request,
                                                                        PendingPut& pending,
                                                                        PutPlan& plan);

  // CopyObject and UploadPartCopy (copy_handlers.cc).
  Awaitable copy_object(Exchange& exchange);
  Awaitable upload_part_copy(Exchange& exchange, const std::string& upload_id, int part_number);
  // Finds the source version and checks the x-amz-copy-source-if-* headers.
  http::asio::awaitable<Expected<ObjectVersion, S3Failure>> find_copy_source(
      Exchange& exchange, const CopySourceRef& source);

  // Multipart upload (multipart_handlers.cc).
  Awaitable create_multipart_upload(Exchange& exchange);
  Awaitable upload_part(Exchange& exchange);
  Awaitable list_parts(Exchange& exchange);
  Awaitable complete_multipart_upload(Exchange& exchange);
  Awaitable abort_multipart_upload(Exchange& exchange);
  // True, once per interval, when the caller should abort stale uploads.
  bool stale_sweep_due();

  // POST Object (post_object_handler.cc). The form's signed policy is the
  // authentication, so these run before the authenticator.
  Awaitable post_object(Exchange& exchange);
  // Reads the body into buffer until the fields before the file are parsed.
  http::asio::awaitable<Expected<FormHead, S3Failure>> read_form_head(http::Request& request,
                                                                      std::string_view boundary,
                                                                      std::string& buffer);
  // Streams the file part into pending, starting with first_bytes, the part
  // of the file already read. More than max_bytes fails with
  // EntityTooLarge.
  http::asio::awaitable<Expected<void, S3Failure>> receive_form_file(http::Request& request,
                                                                     std::string_view boundary,
                                                                     std::string_view first_bytes,
                                                                     uint64_t max_bytes,
                                                                     PendingPut& pending);
  Generator post_response(Exchange& exchange, const std::vector<s3::FormField>& fields,
                          const ObjectVersion& version);

  // Listing (list_handlers.cc).
  Awaitable list_objects(Exchange& exchange);
  Awaitable list_object_versions(Exchange& exchange);
  Awaitable list_multipart_uploads(Exchange& exchange);

  // Bucket and service operations (bucket_handlers.cc).
  Awaitable list_buckets(Exchange& exchange);
  Awaitable head_bucket(Exchange& exchange);
  Awaitable create_bucket(Exchange& exchange);
  Awaitable delete_bucket(Exchange& exchange);
  Awaitable get_bucket_versioning(Exchange& exchange);
  Awaitable put_bucket_versioning(Exchange& exchange);
  Awaitable get_bucket_location(Exchange& exchange);
  Awaitable get_bucket_cors(Exchange& exchange);
  Awaitable put_bucket_cors(Exchange& exchange);
  Awaitable delete_bucket_cors(Exchange& exchange);
  Awaitable delete_objects(Exchange& exchange);

  // Bucket lifecycle, default encryption and Object Lock configurations
  // (config_handlers.cc).
  Awaitable get_bucket_lifecycle(Exchange& exchange);
  Awaitable put_bucket_lifecycle(Exchange& exchange);
  Awaitable delete_bucket_lifecycle(Exchange& exchange);
  Awaitable get_bucket_encryption(Exchange& exchange);
  Awaitable put_bucket_encryption(Exchange& exchange);
  Awaitable delete_bucket_encryption(Exchange& exchange);
  Awaitable get_object_lock_configuration(Exchange& exchange);
  Awaitable put_object_lock_configuration(Exchange& exchange);
  // Reads a configuration body of at most max_bytes and checks its
  // Content-MD5 and x-amz-checksum-* headers (bucket_handlers.cc).
  http::asio::awaitable<Expected<std::string, S3Failure>> read_configuration_body(
      Exchange& exchange, uint64_t max_bytes);

  // Object retention and legal hold (lock_handlers.cc).
  Awaitable get_object_retention(Exchange& exchange);
  Awaitable put_object_retention(Exchange& exchange);
  Awaitable get_object_legal_hold(Exchange& exchange);
  Awaitable put_object_legal_hold(Exchange& exchange);
  // tagging_handlers.cc
  Awaitable get_object_tagging(Exchange& exchange);
  Awaitable put_object_tagging(Exchange& exchange);
  Awaitable delete_object_tagging(Exchange& exchange);

  // Adds the CORS headers of an actual response: from the store's origins,
  // else from the bucket's first matching rule.
  void add_cors_headers(const Exchange& exchange, http::bhttp::fields& fields) const;

  // An S3 XML error reply, without a body for HEAD requests.
  http::Response error_response(const Exchange& exchange, std::string_view code,
                                http::Status status, std::string_view message) const;
  http::Response error_response(const Exchange& exchange, StoreError error) const;
  Generator error(Exchange& exchange, std::string_view code, http::Status status,
                  std::string_view message);
  Generator error(Exchange& exchange, StoreError error);
  Generator error(Exchange& exchange, const S3Failure& failure);

  // Adds the headers every reply carries (request id, Server, CORS) and
  // frames the message.
  template <class Body>
  Generator finish(Exchange& exchange, http::bhttp::response<Body>&& response);

  template <class Fn>
  auto run_blocking(Fn fn);

  Engine& engine_;
  boost::asio::thread_pool& pool_;
  const Authenticator& authenticator_;
  CorsPolicy cors_;
  std::string region_;
  std::chrono::seconds stale_upload_sweep_interval_;
  // The clock time of the last stale upload sweep, in clock ticks.
  std::atomic<int64_t> last_stale_sweep_;
};

inline constexpr std::string_view kServerName = "Satchel";

template <class Body>
RequestHandler::Generator RequestHandler::finish(Exchange& exchange,
                                                 http::bhttp::response<Body>&& response) {
  response.set("x-amz-request-id", exchange.request.request_id());
  response.set(http::Field::server, kServerName);
  add_cors_headers(exchange, response.base());
  return http::respond(exchange.request, std::move(response), exchange.operation);
}

// Runs fn() on the worker pool, because every engine call blocks on disk or
// SQLite. fn returns Expected<T, StoreError>; an exception becomes
// kInternal there, since one escaping a pool thread would end the process.
template <class Fn>
auto RequestHandler::run_blocking(Fn fn) {
  return http::offload(pool_, [fn = std::move(fn)]() mutable -> decltype(fn()) {
    try {
      return fn();
    } catch (const std::exception& exception) {
      obs::error("store operation failed with an exception", {{"error", exception.what()}});
      return Unexpected(StoreError::kInternal);
    }
  });
}

}  // namespace satchel::store
