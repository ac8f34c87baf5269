#include "cli/shutdown.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include "obs/log.h"

namespace satchel::cli {
namespace {

namespace asio = boost::asio;

// How often the drain checks for open connections.
constexpr std::chrono::milliseconds kPollInterval{50};

asio::awaitable<void> drain(asio::io_context& io, std::vector<http::Server*> servers,
                            std::chrono::seconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  asio::steady_timer timer(io);
  uint32_t left_open = 0;
  for (http::Server* server : servers) {
    server->stop();
    while (server->active_connections() > 0 && std::chrono::steady_clock::now() < until) {
      timer.expires_after(kPollInterval);
      co_await timer.async_wait(http::kNoThrow);
    }
    left_open += server->active_connections();
  }
  if (left_open > 0) {
    obs::warn("shutdown deadline reached, closing connections with requests in flight",
              {{"open_connections", int64_t{left_open}}, {"deadline_seconds", deadline.count()}});
  } else {
    obs::info("all requests finished");
  }
  io.stop();
}

void wait_for_second_signal(asio::io_context& io, asio::signal_set& signals) {
  signals.async_wait([&io](const boost::system::error_code& error, int signal) {
    if (error) return;
    obs::warn("second signal, stopping at once", {{"signal", signal}});
    io.stop();
  });
}

}  // namespace

void drain_on_signal(asio::io_context& io, asio::signal_set& signals,
                     std::vector<http::Server*> servers, std::chrono::seconds deadline,
                     std::atomic<bool>& draining) {
  signals.async_wait([&io, &signals, servers, deadline, &draining](
                         const boost::system::error_code& error, int signal) {
    if (error) return;
    draining = true;
    obs::info("shutting down: no new connections, finishing requests in flight",
              {{"signal", signal}, {"deadline_seconds", deadline.count()}});
    wait_for_second_signal(io, signals);
    asio::co_spawn(io, drain(io, servers, deadline), asio::detached);
  });
}

}  // namespace satchel::cli
