// The HTTP/1.1 server shared by the API and the embedded store: one
// coroutine per connection, bound to its own strand, with a timeout before
// every read and write and limits on header and body size. Connections are
// plain TCP or TLS. Every request gets an id, a W3C trace context, metrics and
// one access log line.
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "common/expected.h"
#include "http/beast.h"
#include "http/request.h"

namespace satchel::http {

using Handler = std::function<asio::awaitable<bhttp::message_generator>(Request&)>;

// The Content-Type and body of a reply the server sends before any handler
// reads the request: 431 for oversized headers, 413 for an oversized body, 400
// for a request it cannot parse.
struct EarlyReply {
  std::string content_type;
  std::string body;
};
// Builds an EarlyReply from its status, a short message and the request id,
// so that each listener rejects in its own error format.
using EarlyReplyFormat =
    std::function<EarlyReply(Status status, std::string_view message, std::string_view request_id)>;

// What the server knows about a request once its response is written.
struct Exchange {
  std::string_view route;  // the pattern or operation the handler reported
  unsigned status = 0;
  uint64_t body_bytes_read = 0;
  uint64_t bytes_written = 0;  // response header and body
  std::chrono::duration<double> duration{};
};

struct ServerOptions {
  std::string name = "http";  // used in log lines and metric labels: "api", "store"
  std::string host = "127.0.0.1";
  uint16_t port = 0;                       // 0 picks a free port
  uint32_t max_header_bytes = 16 * 1024;   // larger headers get 431
  RequestLimits request;                   // body limit and read timeout
  std::chrono::seconds idle_timeout{60};   // keep-alive wait for the next request
  std::chrono::seconds write_timeout{60};  // per response write
  uint32_t max_connections = 4096;         // further connections are closed at once
  // Open connections one client address (an IPv6 client: its /64) may hold,
  // so one client cannot take every slot of max_connections. 0: no limit.
  uint32_t max_connections_per_client = 256;
  // Loopback clients are this machine's own processes, such as the API's
  // client of the embedded store or a local proxy, so they are not limited
  // per client by default.
  bool exempt_loopback_clients = true;
  bool log_requests = true;  // one access log line per request
  // TLS for every connection when set; the handshake must finish within
  // request.read_timeout.
  std::shared_ptr<asio::ssl::context> tls;
  // Called after each response is written, for metrics beyond the built-in
  // ones (the store's per-tenant bytes). Runs on the connection's strand.
  std::function<void(const Request&, const Exchange&)> on_exchange;
  // The format of early replies; plain text when unset.
  EarlyReplyFormat early_reply;
};

class Server {
 public:
  Server(asio::io_context& io, ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Returns an error message naming the address.
  Expected<void, std::string> listen();
  // The bound port, useful when the options asked for port 0.
  uint16_t port() const { return port_; }
  // Starts accepting on the io_context.
  void start();
  // Stops accepting and closes connections that wait for their next
  // request. Requests in flight finish, and their connections close after
  // the response.
  void stop();
  bool stopping() const { return stopping_.load(); }
  uint32_t active_connections() const { return active_.load(); }

 private:
  struct Session;

  // Returns the key a connection from address counts under per client, or
  // an empty string when it is exempt.
  std::string client_key(const asio::ip::address& address) const;
  // Returns the name of the limit a new connection counted under client would
  // exceed, or an empty view when it may be served.
  std::string_view admission_limit(const std::string& client);
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> run_session(std::shared_ptr<Session> session);
  asio::awaitable<bool> serve_one(Session& session);
  asio::awaitable<void> close_session(Session& session);
  // Writes a plain-text error for a request that never reached the handler,
  // then the connection closes.
  asio::awaitable<void> reply_early(Session& session, Status status, std::string_view text,
                                    std::chrono::steady_clock::time_point started);
  // Counts the exchange in the metrics and writes the access log line.
  void record(const Exchange& exchange, std::string_view method, const std::string& remote) const;

  asio::io_context& io_;
  ServerOptions options_;
  Handler handler_;
  // The accept loop and stop() use the acceptor only on this strand.
  asio::strand<asio::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<uint32_t> active_{0};
  std::atomic<bool> stopping_{false};
  std::mutex sessions_mutex_;
  std::set<std::shared_ptr<Session>> sessions_;  // guarded by sessions_mutex_
  // Open connections per client address; guarded by sessions_mutex_.
  std::unordered_map<std::string, uint32_t> connections_per_client_;
  // Rejections are logged at most once per kRejectionLogInterval, so a flood
  // of connections does not flood the log; the metric counts every one.
  std::chrono::steady_clock::time_point last_rejection_log_{};  // accept strand only
};

// Makes a request id: 16 random bytes as hex, or the client's X-Request-Id
// when it is 1-128 visible ASCII characters.
std::string make_request_id(std::string_view client_value);

}  // namespace satchel::http
