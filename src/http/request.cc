#include "http/request.h"

#include <array>
#include <charconv>

namespace satchel::http {
namespace {

BodyError classify(const boost::system::error_code& error) {
  if (error == bhttp::error::body_limit) return BodyError::kTooLarge;
  if (error == beast::error::timeout) return BodyError::kTimedOut;
  if (error == bhttp::error::partial_message || error == bhttp::error::end_of_stream ||
      error == asio::ssl::error::stream_truncated || error == asio::error::eof ||
      error == asio::error::connection_reset) {
    return BodyError::kTruncated;
  }
  return BodyError::kMalformed;
}

}  // namespace

std::string_view describe(BodyError error) {
  switch (error) {
    case BodyError::kTooLarge:
      return "request body is larger than allowed";
    case BodyError::kTruncated:
      return "request body ended before its declared length";
    case BodyError::kTimedOut:
      return "timed out reading the request body";
    case BodyError::kMalformed:
      return "request body framing is malformed";
  }
  return "request body could not be read";
}

Request::Request(Stream& stream, beast::flat_buffer& buffer, HeaderParser& parser,
                 RequestLimits limits, obs::RequestContext& context, std::string remote_address,
                 bool keep_alive_allowed)
    : stream_(stream),
      buffer_(buffer),
      parser_(parser),
      limits_(limits),
      keep_alive_(keep_alive_allowed && parser.get().keep_alive()),
      target_text_(parser.get().target()),
      target_(split_target(target_text_)),
      context_(context),
      remote_address_(std::move(remote_address)) {}

Request::~Request() = default;

// The header parser is moved into the body parser when the body is first
// read, so the header lives in whichever of the two is active.
const bhttp::request_header<>& Request::header() const {
  return body_parser_ ? body_parser_->get().base() : parser_.get().base();
}

std::string_view Request::header_value(Field name) const {
  auto it = header().find(name);
  return it == header().end() ? std::string_view{} : std::string_view(it->value());
}

std::string_view Request::header_value(std::string_view name) const {
  auto it = header().find(name);
  return it == header().end() ? std::string_view{} : std::string_view(it->value());
}

bool Request::has_header(std::string_view name) const {
  return header().find(name) != header().end();
}

std::optional<uint64_t> Request::content_length() const {
  auto length = body_parser_ ? body_parser_->content_length() : parser_.content_length();
  return length ? std::optional<uint64_t>(*length) : std::nullopt;
}

asio::awaitable<Expected<void, BodyError>> Request::begin_body() {
  if (parser_.content_length() && *parser_.content_length() > limits_.max_body_bytes) {
    co_return Unexpected(BodyError::kTooLarge);
  }
  body_parser_.emplace(std::move(parser_));
  body_parser_->body_limit(limits_.max_body_bytes);

  // Clients that sent "Expect: 100-continue" wait for this interim
  // response before sending the body (RFC 9110 section 10.1.1).
  auto expect = body_parser_->get()[Field::expect];
  if (beast::iequals(expect, "100-continue")) {
    bhttp::response<bhttp::empty_body> interim{Status::continue_, body_parser_->get().version()};
    stream_.tcp().expires_after(limits_.read_timeout);
    auto [error, written] = co_await stream_.visit(
        [&interim](auto& stream) { return bhttp::async_write(stream, interim, kNoThrow); });
    if (error) co_return Unexpected(classify(error));
  }
  co_return Expected<void, BodyError>{};
}

asio::awaitable<Expected<size_t, BodyError>> Request::read_some(char* data, size_t size) {
  if (!body_parser_) {
    auto started = co_await begin_body();
    if (!started) co_return Unexpected(started.error());
  }
  auto& parser = *body_parser_;
  while (!parser.is_done()) {
    auto& body = parser.get().body();
    body.data = data;
    body.size = size;
    stream_.tcp().expires_after(limits_.read_timeout);
    auto [error, ignored] = co_await stream_.visit([this, &parser](auto& stream) {
      return bhttp::async_read_some(stream, buffer_, parser, kNoThrow);
    });
    if (error == bhttp::error::need_buffer) error = {};
    if (error) co_return Unexpected(classify(error));
    size_t produced = size - body.size;
    body_bytes_read_ += produced;
    if (produced > 0) co_return produced;
  }
  co_return size_t{0};
}

asio::awaitable<Expected<std::string, BodyError>> Request::read_body(uint64_t max_bytes) {
  if (auto length = content_length(); length && *length > max_bytes) {
    co_return Unexpected(BodyError::kTooLarge);
  }
  std::string body;
  std::array<char, 16384> chunk{};
  for (;;) {
    auto count = co_await read_some(chunk.data(), chunk.size());
    if (!count) co_return Unexpected(count.error());
    if (*count == 0) break;
    if (body.size() + *count > max_bytes) co_return Unexpected(BodyError::kTooLarge);
    body.append(chunk.data(), *count);
  }
  co_return body;
}

bool Request::body_complete() const {
  if (body_parser_) return body_parser_->is_done();
  return parser_.is_done();
}

asio::awaitable<bool> Request::discard_body(uint64_t max_bytes) {
  if (body_complete()) co_return true;
  // A client that waits for "100 Continue" has sent no body yet; reading
  // would only stall, so close the connection instead.
  if (!body_parser_ && beast::iequals(header()[Field::expect], "100-continue")) {
    co_return false;
  }
  if (auto length = content_length(); !length || *length > max_bytes) co_return false;
  std::array<char, 16384> chunk{};
  uint64_t discarded = 0;
  for (;;) {
    auto count = co_await read_some(chunk.data(), chunk.size());
    if (!count) co_return false;
    if (*count == 0) co_return true;
    discarded += *count;
    if (discarded > max_bytes) co_return false;
  }
}

void Request::record_response(unsigned status, std::string_view route) {
  response_status_ = status;
  if (!route.empty()) route_ = std::string(route);
}

}  // namespace satchel::http
