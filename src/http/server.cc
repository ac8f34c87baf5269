#include "http/server.h"

#include <boost/asio/ip/address.hpp>

#include "common/crypto.h"
#include "common/encoding.h"
#include "obs/log.h"

namespace satchel::http {
namespace {

bool is_visible_ascii(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Writes a minimal error reply for requests that never reached a handler.
asio::awaitable<void> reply_early(beast::tcp_stream& stream, Status status, std::string_view text,
                                  std::chrono::seconds timeout) {
  Response response{status, 11};
  response.set(Field::content_type, "text/plain; charset=utf-8");
  response.set(Field::connection, "close");
  response.body() = std::string(text) + "\n";
  response.prepare_payload();
  stream.expires_after(timeout);
  co_await bhttp::async_write(stream, response, kNoThrow);
}

}  // namespace

std::string make_request_id(std::string_view client_value) {
  constexpr size_t kMaxClientIdLength = 128;
  if (!client_value.empty() && client_value.size() <= kMaxClientIdLength &&
      is_visible_ascii(client_value)) {
    return std::string(client_value);
  }
  return hex_encode(random_bytes(16));
}

Server::Server(asio::io_context& io, ServerOptions options, Handler handler)
    : io_(io), options_(std::move(options)), handler_(std::move(handler)), acceptor_(io) {}

Server::~Server() = default;

Expected<void, std::string> Server::listen() {
  boost::system::error_code error;
  auto address = asio::ip::make_address(options_.host, error);
  if (error) {
    return Unexpected("invalid listen address '" + options_.host + "': " + error.message());
  }
  tcp::endpoint endpoint(address, options_.port);
  auto where = options_.host + ":" + std::to_string(options_.port);
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) return Unexpected("cannot listen on " + where + ": " + error.message());
  port_ = acceptor_.local_endpoint().port();
  return {};
}

void Server::start() { asio::co_spawn(io_, accept_loop(), asio::detached); }

void Server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    auto [error, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kNoThrow);
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (error) {
      obs::warn("accept failed", {{"server", options_.name}, {"error", error.message()}});
      continue;
    }
    if (active_.load() >= options_.max_connections) {
      obs::warn("connection limit reached, closing new connection",
                {{"server", options_.name}, {"max_connections", int64_t{options_.max_connections}}});
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), error);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::run_session(tcp::socket socket) {
  ++active_;
  boost::system::error_code error;
  auto remote_endpoint = socket.remote_endpoint(error);
  std::string remote = error ? "unknown" : remote_endpoint.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  try {
    while (co_await serve_one(stream, buffer, remote)) {
    }
  } catch (const std::exception& exception) {
    // Handlers return errors as values; reaching this is a bug, and the
    // connection is the only thing that can be safely dropped.
    obs::error("unexpected exception in connection",
               {{"server", options_.name}, {"error", exception.what()}});
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, error);
  stream.close();
  --active_;
}

asio::awaitable<bool> Server::serve_one(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                        const std::string& remote) {
  Request::HeaderParser parser;
  parser.header_limit(options_.max_header_bytes);
  parser.body_limit(options_.request.max_body_bytes);
  stream.expires_after(options_.idle_timeout);
  auto [read_error, ignored] = co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
  if (read_error == bhttp::error::header_limit) {
    co_await reply_early(stream, Status::request_header_fields_too_large,
                         "request header fields too large", options_.write_timeout);
    co_return false;
  }
  if (read_error == bhttp::error::end_of_stream || read_error == beast::error::timeout ||
      read_error == asio::error::connection_reset || read_error == asio::error::eof) {
    co_return false;
  }
  if (read_error) {
    co_await reply_early(stream, Status::bad_request, "malformed HTTP request",
                         options_.write_timeout);
    co_return false;
  }

  auto started = std::chrono::steady_clock::now();
  Request request(stream, buffer, parser, options_.request,
                  make_request_id(parser.get()["X-Request-Id"]), remote);
  bhttp::message_generator reply = co_await handler_(request);
  bool keep_alive = reply.keep_alive();
  // Unread body bytes would be parsed as the next request; drain a small
  // remainder or close the connection.
  constexpr uint64_t kMaxDrainBytes = 256 * 1024;
  if (keep_alive && !co_await request.discard_body(kMaxDrainBytes)) keep_alive = false;

  stream.expires_after(options_.write_timeout);
  auto [write_error, written] = co_await beast::async_write(stream, std::move(reply), kNoThrow);
  if (options_.log_requests) {
    auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                             started);
    obs::info("request", {{"server", options_.name},
                          {"request_id", request.request_id()},
                          {"method", std::string_view(bhttp::to_string(request.method()))},
                          {"route", request.route()},
                          {"status", int64_t{request.response_status()}},
                          {"bytes", static_cast<uint64_t>(written)},
                          {"duration_ms", elapsed.count()},
                          {"remote", remote}});
  }
  co_return !write_error && keep_alive;
}

}  // namespace satchel::http
