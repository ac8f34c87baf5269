// The S3 REST front of the engine: path-style routing, authentication,
// CORS, and one method per S3 operation. Internal to the store; Store owns
// one and hands out make_handler().
#pragma once

#include <boost/asio/thread_pool.hpp>
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
#include "store/engine.h"
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

class RequestHandler {
 public:
  // All references must outlive the handler.
  RequestHandler(Engine& engine, boost::asio::thread_pool& pool, const Authenticator& authenticator,
                 CorsPolicy cors, std::string region);

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

  Awaitable dispatch(Exchange& exchange);
  Awaitable dispatch_object(Exchange& exchange);
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

  // Bucket and service operations (bucket_handlers.cc).
  Awaitable list_buckets(Exchange& exchange);
  Awaitable head_bucket(Exchange& exchange);
  Awaitable create_bucket(Exchange& exchange);
  Awaitable delete_bucket(Exchange& exchange);
  Awaitable get_bucket_versioning(Exchange& exchange);
  Awaitable put_bucket_versioning(Exchange& exchange);
  Awaitable get_bucket_location(Exchange& exchange);

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
};

inline constexpr std::string_view kServerName = "Satchel";

template <class Body>
RequestHandler::Generator RequestHandler::finish(Exchange& exchange,
                                                 http::bhttp::response<Body>&& response) {
  response.set("x-amz-request-id", exchange.request.request_id());
  response.set(http::Field::server, kServerName);
  cors_.add_response_headers(response.base(), exchange.origin);
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
