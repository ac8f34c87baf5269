#include "http/server.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>

#include "common/crypto.h"
#include "common/encoding.h"
#include "http/context_executor.h"
#include "obs/catalog.h"
#include "obs/log.h"

namespace satchel::http {
namespace {

// How long a closing TLS connection waits for the client's close_notify.
constexpr std::chrono::seconds kTlsShutdownTimeout{5};
constexpr std::chrono::seconds kRejectionLogInterval{10};

bool is_visible_ascii(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Errors that end a connection quietly: the client left or was idle too long,
// or the server is shutting down.
bool is_quiet_close(const boost::system::error_code& error) {
  return error == bhttp::error::end_of_stream || error == beast::error::timeout ||
         error == asio::error::connection_reset || error == asio::error::eof ||
         error == asio::error::operation_aborted || error == asio::ssl::error::stream_truncated;
}

}  // namespace

struct Server::Session {
  Session(tcp::socket socket, asio::ssl::context* tls)
      : executor(socket.get_executor()),
        stream(tls ? Stream(beast::tcp_stream(std::move(socket)), *tls)
                   : Stream(beast::tcp_stream(std::move(socket)))) {}

  asio::any_io_executor executor;  // the connection's strand
  Stream stream;
  beast::flat_buffer buffer;
  std::shared_ptr<obs::RequestContext> context = std::make_shared<obs::RequestContext>();
  std::string remote;
  // The key the connection counts under in connections_per_client_, empty
  // when it is not counted.
  std::string client;
  bool idle = false;  // waiting for the next request header; only touched on the strand
};

std::string make_request_id(std::string_view client_value) {
  constexpr size_t kMaxClientIdLength = 128;
  if (!client_value.empty() && client_value.size() <= kMaxClientIdLength &&
      is_visible_ascii(client_value)) {
    return std::string(client_value);
  }
  return hex_encode(random_bytes(16));
}

Server::Server(asio::io_context& io, ServerOptions options, Handler handler)
    : io_(io),
      options_(std::move(options)),
      handler_(std::move(handler)),
      accept_strand_(asio::make_strand(io)),
      acceptor_(accept_strand_) {}

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

void Server::start() { asio::co_spawn(accept_strand_, accept_loop(), asio::detached); }

void Server::stop() {
  stopping_ = true;
  asio::post(accept_strand_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::lock_guard lock(sessions_mutex_);
  for (const auto& session : sessions_) {
    asio::dispatch(session->executor, [session] {
      if (session->idle) session->stream.tcp().cancel();
    });
  }
}

std::string Server::client_key(const asio::ip::address& address) const {
  if (address.is_loopback() && options_.exempt_loopback_clients) return {};
  if (address.is_v6() && !address.to_v6().is_v4_mapped()) {
    // One IPv6 client usually owns a whole /64 prefix.
    auto bytes = address.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes).to_string() + "/64";
  }
  return address.to_string();
}

std::string_view Server::admission_limit(const std::string& client) {
  if (active_.load() >= options_.max_connections) return "max_connections";
  if (options_.max_connections_per_client == 0 || client.empty()) return {};
  std::lock_guard lock(sessions_mutex_);
  auto counted = connections_per_client_.find(client);
  if (counted != connections_per_client_.end() &&
      counted->second >= options_.max_connections_per_client) {
    return "max_connections_per_client";
  }
  return {};
}

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    auto [error, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kNoThrow);
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (error) {
      obs::warn("accept failed", {{"server", options_.name}, {"error", error.message()}});
      continue;
    }
    boost::system::error_code endpoint_error;
    auto remote_endpoint = socket.remote_endpoint(endpoint_error);
    std::string remote = endpoint_error ? "unknown" : remote_endpoint.address().to_string();
    std::string client = endpoint_error ? remote : client_key(remote_endpoint.address());
    if (std::string_view limit = admission_limit(client); !limit.empty()) {
      obs::catalog::http_rejected_connections().labels({options_.name}).increment();
      auto now = std::chrono::steady_clock::now();
      if (now - last_rejection_log_ >= kRejectionLogInterval) {
        last_rejection_log_ = now;
        obs::warn("connection limit reached, closing new connections",
                  {{"server", options_.name}, {"limit", limit}, {"remote", remote}});
      }
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), error);
    auto session = std::make_shared<Session>(std::move(socket), options_.tls.get());
    session->remote = std::move(remote);
    session->client = std::move(client);
    {
      std::lock_guard lock(sessions_mutex_);
      sessions_.insert(session);
      if (!session->client.empty()) ++connections_per_client_[session->client];
    }
    ++active_;
    obs::catalog::http_open_connections().labels({options_.name}).add(1);
    ContextExecutor executor(session->executor, session->context);
    asio::co_spawn(executor, run_session(std::move(session)), asio::detached);
  }
}

asio::awaitable<void> Server::run_session(std::shared_ptr<Session> session) {
  try {
    bool ready = true;
    if (auto* tls = session->stream.tls()) {
      session->stream.tcp().expires_after(options_.request.read_timeout);
      auto [handshake_error] =
          co_await tls->async_handshake(asio::ssl::stream_base::server, kNoThrow);
      if (handshake_error) {
        obs::debug("TLS handshake failed", {{"server", options_.name},
                                            {"remote", session->remote},
                                            {"error", handshake_error.message()}});
        ready = false;
      }
    }
    while (ready && co_await serve_one(*session)) {
    }
    co_await close_session(*session);
  } catch (const std::exception& exception) {
    // Handlers return errors as values; reaching this is a bug, and the
    // connection is the only thing that can be safely dropped.
    obs::error("unexpected exception in connection",
               {{"server", options_.name}, {"error", exception.what()}});
  }
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
    auto counted = connections_per_client_.find(session->client);
    if (counted != connections_per_client_.end() && --counted->second == 0) {
      connections_per_client_.erase(counted);
    }
  }
  obs::catalog::http_open_connections().labels({options_.name}).add(-1);
  --active_;
}

asio::awaitable<void> Server::close_session(Session& session) {
  boost::system::error_code ignored;
  if (auto* tls = session.stream.tls()) {
    session.stream.tcp().expires_after(kTlsShutdownTimeout);
    co_await tls->async_shutdown(kNoThrow);
  } else {
    session.stream.tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  session.stream.tcp().close();
}

asio::awaitable<bool> Server::serve_one(Session& session) {
  Request::HeaderParser parser;
  parser.header_limit(options_.max_header_bytes);
  parser.body_limit(options_.request.max_body_bytes);
  session.stream.tcp().expires_after(options_.idle_timeout);
  session.idle = true;
  // Checked after marking the session idle, so that either stop() finds it
  // idle and cancels the read, or this check finds the stop.
  if (stopping_) co_return false;
  auto [read_error, ignored] = co_await session.stream.visit([&session, &parser](auto& stream) {
    return bhttp::async_read_header(stream, session.buffer, parser, kNoThrow);
  });
  session.idle = false;

  auto started = std::chrono::steady_clock::now();
  obs::RequestContext& context = *session.context;
  context.request_id = make_request_id(parser.get()["X-Request-Id"]);
  context.trace = obs::continue_or_start_trace(parser.get()["traceparent"]);
  context.subject.clear();
  context.tenant.clear();

  if (read_error == bhttp::error::header_limit) {
    co_await reply_early(session, Status::request_header_fields_too_large,
                         "request header fields too large", started);
    co_return false;
  }
  if (read_error == bhttp::error::body_limit) {
    co_await reply_early(session, Status::payload_too_large, "request body too large", started);
    co_return false;
  }
  if (is_quiet_close(read_error)) co_return false;
  if (read_error) {
    co_await reply_early(session, Status::bad_request, "malformed HTTP request", started);
    co_return false;
  }

  Request request(session.stream, session.buffer, parser, options_.request, context, session.remote,
                  !stopping_);
  bhttp::message_generator reply = co_await handler_(request);
  bool keep_alive = reply.keep_alive() && !stopping_;
  // Unread body bytes would be parsed as the next request; drain a small
  // remainder or close the connection.
  constexpr uint64_t kMaxDrainBytes = 256 * 1024;
  if (keep_alive && !co_await request.discard_body(kMaxDrainBytes)) keep_alive = false;

  session.stream.tcp().expires_after(options_.write_timeout);
  auto [write_error, written] = co_await session.stream.visit(
      [&reply](auto& stream) { return beast::async_write(stream, std::move(reply), kNoThrow); });
  Exchange exchange{.route = request.route(),
                    .status = request.response_status(),
                    .body_bytes_read = request.body_bytes_read(),
                    .bytes_written = written,
                    .duration = std::chrono::steady_clock::now() - started};
  record(exchange, bhttp::to_string(request.method()), session.remote);
  if (options_.on_exchange) options_.on_exchange(request, exchange);
  co_return !write_error && keep_alive;
}

asio::awaitable<void> Server::reply_early(Session& session, Status status, std::string_view text,
                                          std::chrono::steady_clock::time_point started) {
  EarlyReply reply = options_.early_reply
                         ? options_.early_reply(status, text, session.context->request_id)
                         : EarlyReply{"text/plain; charset=utf-8", std::string(text) + "\n"};
  Response response{status, 11};
  response.set(Field::content_type, reply.content_type);
  response.set(Field::connection, "close");
  response.set("X-Request-Id", session.context->request_id);
  response.body() = std::move(reply.body);
  response.prepare_payload();
  session.stream.tcp().expires_after(options_.write_timeout);
  auto [error, written] = co_await session.stream.visit(
      [&response](auto& stream) { return bhttp::async_write(stream, response, kNoThrow); });
  Exchange exchange{.route = "",
                    .status = response.result_int(),
                    .bytes_written = written,
                    .duration = std::chrono::steady_clock::now() - started};
  record(exchange, "", session.remote);
}

void Server::record(const Exchange& exchange, std::string_view method,
                    const std::string& remote) const {
  std::string_view route = exchange.route.empty() ? std::string_view("none") : exchange.route;
  std::string status = std::to_string(exchange.status);
  namespace catalog = obs::catalog;
  catalog::http_requests().labels({options_.name, route, method, status}).increment();
  catalog::http_request_duration()
      .labels({options_.name, route})
      .observe(exchange.duration.count());
  catalog::http_request_body_bytes()
      .labels({options_.name, route})
      .increment(exchange.body_bytes_read);
  catalog::http_response_bytes().labels({options_.name, route}).increment(exchange.bytes_written);
  if (!options_.log_requests) return;
  const obs::RequestContext* context = obs::current_request();
  std::string_view subject = context ? std::string_view(context->subject) : std::string_view();
  obs::info("request", {{"server", options_.name},
                        {"method", method},
                        {"route", route},
                        {"status", int64_t{exchange.status}},
                        {"bytes_in", exchange.body_bytes_read},
                        {"bytes", exchange.bytes_written},
                        {"duration_ms", exchange.duration.count() * 1000},
                        {"subject", subject},
                        {"remote", remote}});
}

}  // namespace satchel::http
