// The HTTP/1.1 server shared by the API and the embedded store: one
// coroutine per connection, bound to its own strand, with a timeout before
// every read and write and limits on header and body size.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/expected.h"
#include "http/beast.h"
#include "http/request.h"

namespace satchel::http {

using Handler = std::function<asio::awaitable<bhttp::message_generator>(Request&)>;

struct ServerOptions {
  std::string name = "http";  // used in log lines: "api", "store"
  std::string host = "127.0.0.1";
  uint16_t port = 0;                        // 0 picks a free port
  uint32_t max_header_bytes = 16 * 1024;    // larger headers get 431
  RequestLimits request;                    // body limit and read timeout
  std::chrono::seconds idle_timeout{60};    // keep-alive wait for the next request
  std::chrono::seconds write_timeout{60};   // per response write
  uint32_t max_connections = 4096;          // further connections are closed at once
  bool log_requests = true;                 // one access log line per request
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
  // Stops accepting; connections in flight finish their current request.
  void stop();
  uint32_t active_connections() const { return active_.load(); }

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> run_session(tcp::socket socket);
  asio::awaitable<bool> serve_one(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                  const std::string& remote);

  asio::io_context& io_;
  ServerOptions options_;
  Handler handler_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<uint32_t> active_{0};
};

// Makes a request id: 16 random bytes as hex, or the client's X-Request-Id
// when it is 1-128 visible ASCII characters.
std::string make_request_id(std::string_view client_value);

}  // namespace satchel::http
