// One HTTP request as a handler sees it: the parsed header, and a body that
// the handler reads on demand, either whole (JSON APIs) or piece by piece
// (object uploads), so large bodies never sit in memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/expected.h"
#include "http/beast.h"
#include "http/stream.h"
#include "http/url.h"
#include "obs/request_context.h"

namespace satchel::http {

enum class BodyError {
  kTooLarge,   // over the handler's or the server's limit
  kTruncated,  // the client closed the connection before the end
  kTimedOut,   // no bytes within the read timeout
  kMalformed,  // bad chunked framing or similar
};
std::string_view describe(BodyError error);

struct RequestLimits {
  uint64_t max_body_bytes = 1ULL << 20;
  std::chrono::seconds read_timeout{30};
};

class Request {
 public:
  using HeaderParser = bhttp::request_parser<bhttp::empty_body>;

  // context carries the request id and trace context, set by the server
  // before the request is built. keep_alive_allowed is false while the
  // server shuts down, so every reply then closes its connection.
  Request(Stream& stream, beast::flat_buffer& buffer, HeaderParser& parser, RequestLimits limits,
          obs::RequestContext& context, std::string remote_address, bool keep_alive_allowed = true);
  ~Request();
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  const bhttp::request_header<>& header() const;
  Verb method() const { return header().method(); }
  std::string_view target() const { return header().target(); }
  // The path as sent, still percent-encoded.
  std::string_view path() const { return target_.path; }
  // The query as sent, without '?'.
  std::string_view raw_query() const { return target_.query; }
  // The header's value, or an empty view when absent.
  std::string_view header_value(Field name) const;
  std::string_view header_value(std::string_view name) const;
  bool has_header(std::string_view name) const;
  std::optional<uint64_t> content_length() const;

  bool keep_alive() const { return keep_alive_; }
  const std::string& request_id() const { return context_.request_id; }
  const obs::TraceContext& trace() const { return context_.trace; }
  // The verified caller, once a handler's authenticator has set it.
  const std::string& subject() const { return context_.subject; }
  const std::string& remote_address() const { return remote_address_; }
  // Body bytes handed to the handler so far.
  uint64_t body_bytes_read() const { return body_bytes_read_; }

  // Reads the whole body if it is at most max_bytes long.
  asio::awaitable<Expected<std::string, BodyError>> read_body(uint64_t max_bytes);
  // Reads the next bytes of the body into the buffer. Returns 0 once the body
  // is complete.
  asio::awaitable<Expected<size_t, BodyError>> read_some(char* data, size_t size);
  bool body_complete() const;

  // Reads and discards up to max_bytes of unread body so the connection can
  // serve the next request. Returns false when the body is longer or broken,
  // and the connection must then close.
  asio::awaitable<bool> discard_body(uint64_t max_bytes);

  // Set by respond(): what the access log reports.
  void record_response(unsigned status, std::string_view route);
  unsigned response_status() const { return response_status_; }
  std::string_view route() const { return route_; }

 private:
  asio::awaitable<Expected<void, BodyError>> begin_body();

  Stream& stream_;
  beast::flat_buffer& buffer_;
  HeaderParser& parser_;
  RequestLimits limits_;
  bool keep_alive_;
  std::string target_text_;
  Target target_;
  obs::RequestContext& context_;
  std::string remote_address_;
  uint64_t body_bytes_read_ = 0;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> body_parser_;
  unsigned response_status_ = 0;
  std::string route_;
};

// Builds the final message for a request: HTTP version, keep-alive, the
// request id and traceparent headers and Content-Length are set here, so
// every handler's reply is framed the same way. The traceparent names this
// server's span, so a client can find the request in the server's logs.
// The reply to a HEAD request keeps the Content-Length of its body but sends
// no body.
template <class Body>
bhttp::message_generator respond(Request& request, bhttp::response<Body>&& response,
                                 std::string_view route = {}) {
  response.version(request.header().version());
  response.keep_alive(request.keep_alive());
  response.set("X-Request-Id", request.request_id());
  if (!request.trace().trace_id.empty()) response.set("traceparent", request.trace().traceparent());
  if (!response.has_content_length() && response.result() != Status::not_modified &&
      response.result() != Status::no_content) {
    response.prepare_payload();
  }
  if constexpr (std::is_same_v<Body, bhttp::string_body>) {
    if (request.method() == Verb::head) response.body().clear();
  }
  request.record_response(response.result_int(), route);
  return bhttp::message_generator(std::move(response));
}

}  // namespace satchel::http
