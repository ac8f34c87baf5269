#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <optional>
#include <thread>

#include "http/client.h"
#include "http/context_executor.h"
#include "http/offload.h"

namespace satchel::http {
namespace {

// Runs a server on its own io_context with two threads, so coroutines may
// resume on either.
class ServerTest : public testing::Test {
 protected:
  void start(ServerOptions options, Handler handler) {
    options.log_requests = false;
    server_ = std::make_unique<Server>(io_, std::move(options), std::move(handler));
    ASSERT_TRUE(server_->listen());
    server_->start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
  }

  Response send(ClientRequest request) {
    asio::io_context client_io;
    Client client(client_io.get_executor(), {});
    Url endpoint{.scheme = "http", .host = "127.0.0.1", .port = server_->port()};
    Expected<Response, std::string> result = Unexpected(std::string("not run"));
    asio::co_spawn(
        client_io,
        [&]() -> asio::awaitable<void> { result = co_await client.send(endpoint, request); },
        asio::detached);
    client_io.run();
    EXPECT_TRUE(result) << result.error();
    return result ? *result : Response{};
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<Server> server_;
  std::vector<std::thread> threads_;
};

Handler echo_trace_handler() {
  return [](Request& request) -> asio::awaitable<bhttp::message_generator> {
    Response response{Status::ok, 11};
    response.body() = request.trace().trace_id;
    co_return respond(request, std::move(response), "/echo");
  };
}

TEST_F(ServerTest, BodyOverLimitGets413) {
  start({.request = {.max_body_bytes = 10}}, echo_trace_handler());
  Response response = send({.method = Verb::post, .target = "/", .body = std::string(100, 'x')});
  EXPECT_EQ(response.result(), Status::payload_too_large);
}

TEST_F(ServerTest, EarlyReplyUsesListenerFormat) {
  ServerOptions options{.max_header_bytes = 1024, .request = {.max_body_bytes = 10}};
  options.early_reply = [](Status status, std::string_view message, std::string_view request_id) {
    return EarlyReply{"application/example", std::to_string(static_cast<int>(status)) + " " +
                                                 std::string(message) + " " +
                                                 std::string(request_id)};
  };
  start(std::move(options), echo_trace_handler());

  Response body = send({.method = Verb::post, .target = "/", .body = std::string(100, 'x')});
  EXPECT_EQ(body.result(), Status::payload_too_large);
  EXPECT_EQ(body[Field::content_type], "application/example");
  EXPECT_EQ(body.body(), "413 request body too large " + std::string(body["X-Request-Id"]));

  Response header = send(
      {.method = Verb::get, .target = "/", .headers = {{"X-Padding", std::string(4096, 'x')}}});
  EXPECT_EQ(header.result(), Status::request_header_fields_too_large);
  EXPECT_EQ(header[Field::content_type], "application/example");
  EXPECT_TRUE(header.body().starts_with("431 request header fields too large "));
}

TEST_F(ServerTest, TraceparentContinuesClientTrace) {
  start({}, echo_trace_handler());
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  Response response = send(
      {.target = "/", .headers = {{"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"}}});
  EXPECT_EQ(response.body(), trace_id);
  std::string echoed(response["traceparent"]);
  EXPECT_TRUE(echoed.starts_with("00-" + trace_id + "-")) << echoed;
  EXPECT_FALSE(echoed.ends_with("-00f067aa0ba902b7-01")) << echoed;
}

TEST_F(ServerTest, RequestIdIsEchoed) {
  start({}, echo_trace_handler());
  Response response = send({.target = "/", .headers = {{"X-Request-Id", "abc-123"}}});
  EXPECT_EQ(response["X-Request-Id"], "abc-123");
}

// The handler's context must be the current one after every kind of
// suspension: a timer and a call on the worker pool.
TEST_F(ServerTest, RequestContextSurvivesSuspensions) {
  asio::thread_pool workers(2);
  start({}, [&workers](Request& request) -> asio::awaitable<bhttp::message_generator> {
    std::string seen;
    auto check = [&seen, &request](std::string_view step) {
      const obs::RequestContext* context = obs::current_request();
      bool same = context && context->request_id == request.request_id();
      seen += std::string(step) + (same ? ":ok " : ":lost ");
    };
    check("start");
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(std::chrono::milliseconds(1));
    co_await timer.async_wait(asio::use_awaitable);
    check("timer");
    std::string on_worker = co_await offload(workers, [] {
      const obs::RequestContext* context = obs::current_request();
      return context ? context->request_id : std::string("none");
    });
    seen += on_worker == request.request_id() ? "worker:ok " : "worker:lost ";
    check("offload");
    Response response{Status::ok, 11};
    response.body() = seen;
    co_return respond(request, std::move(response));
  });
  for (int i = 0; i < 5; ++i) {
    Response response = send({.target = "/"});
    EXPECT_EQ(response.body(), "start:ok timer:ok worker:ok offload:ok ");
  }
  workers.join();
}

// Connects from local_address (any 127.0.0.0/8 address works on Linux) and
// returns the status of one GET, or nullopt when the server closed the
// connection without answering.
std::optional<Status> get_from(tcp::socket& socket, asio::io_context& io, uint16_t port,
                               std::string_view local_address) {
  socket = tcp::socket(io);
  socket.open(tcp::v4());
  socket.bind({asio::ip::make_address(local_address), 0});
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::system::error_code error;
  asio::write(socket, asio::buffer(request), error);
  beast::flat_buffer buffer;
  Response response;
  if (!error) bhttp::read(socket, buffer, response, error);
  if (error) return std::nullopt;
  return response.result();
}

TEST_F(ServerTest, PerClientLimitClosesExtraConnections) {
  start({.max_connections_per_client = 2, .exempt_loopback_clients = false}, echo_trace_handler());
  std::vector<tcp::socket> sockets;
  for (int i = 0; i < 4; ++i) sockets.emplace_back(io_);

  EXPECT_EQ(get_from(sockets[0], io_, server_->port(), "127.0.0.1"), Status::ok);
  EXPECT_EQ(get_from(sockets[1], io_, server_->port(), "127.0.0.1"), Status::ok);
  EXPECT_EQ(get_from(sockets[2], io_, server_->port(), "127.0.0.1"), std::nullopt);
  // Another client address has slots of its own.
  EXPECT_EQ(get_from(sockets[3], io_, server_->port(), "127.0.0.2"), Status::ok);

  // A closed connection frees its slot.
  sockets[0].close();
  for (int i = 0; i < 1000 && server_->active_connections() > 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(get_from(sockets[2], io_, server_->port(), "127.0.0.1"), Status::ok);
}

TEST_F(ServerTest, LoopbackClientsAreExemptByDefault) {
  start({.max_connections_per_client = 1}, echo_trace_handler());
  std::vector<tcp::socket> sockets;
  for (int i = 0; i < 3; ++i) sockets.emplace_back(io_);
  for (auto& socket : sockets) {
    EXPECT_EQ(get_from(socket, io_, server_->port(), "127.0.0.1"), Status::ok);
  }
}

TEST_F(ServerTest, StopClosesIdleConnections) {
  start({}, echo_trace_handler());
  tcp::socket socket(io_);
  socket.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  beast::flat_buffer buffer;
  Response response;
  bhttp::read(socket, buffer, response);
  EXPECT_EQ(response.result(), Status::ok);
  EXPECT_EQ(server_->active_connections(), 1u);
  server_->stop();
  boost::system::error_code error;
  bhttp::read(socket, buffer, response, error);
  EXPECT_EQ(error, bhttp::error::end_of_stream);
  for (int i = 0; i < 100 && server_->active_connections() > 0; ++i) {
    std::this_thread::yield();
  }
}

}  // namespace
}  // namespace satchel::http
