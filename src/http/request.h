// One HTTP request as a handler sees it: the parsed header, and a body that
// the handler reads on demand, either whole (JSON APIs) or piece by piece
// (object uploads), so large bodies never sit in memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "http/beast.h"
#include "http/url.h"

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

  Request(beast::tcp_stream& stream, beast::flat_buffer& buffer, HeaderParser& parser,
          RequestLimits limits, std::string request_id, std::string remote_address);
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
  const std::string& request_id() const { return request_id_; }
  const std::string& remote_address() const { return remote_address_; }

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

  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  HeaderParser& parser_;
  RequestLimits limits_;
  bool keep_alive_;
  std::string target_text_;
  Target target_;
  std::string request_id_;
  std::string remote_address_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> body_parser_;
  unsigned response_status_ = 0;
  std::string route_;
};

// Builds the final message for a request: HTTP version, keep-alive, the
// request id header and Content-Length are set here, so every handler's
// reply is framed the same way.
template <class Body>
bhttp::message_generator respond(Request& request, bhttp::response<Body>&& response,
                                 std::string_view route = {}) {
  response.version(request.header().version());
  response.keep_alive(request.keep_alive());
  response.set("X-Request-Id", request.request_id());
  if (!response.has_content_length() && response.result() != Status::not_modified &&
      response.result() != Status::no_content) {
    response.prepare_payload();
  }
  request.record_response(response.result_int(), route);
  return bhttp::message_generator(std::move(response));
}

}  // namespace satchel::http
