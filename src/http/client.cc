#include "http/client.h"

namespace satchel::http {

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : executor_(std::move(executor)), options_(options) {}

asio::awaitable<Expected<Response, std::string>> Client::send(const Url& endpoint,
                                                              const ClientRequest& request) {
  // NOTE: one connection per call. A keep-alive pool would save a TCP
  // handshake per store call on the upload and delete paths.
  auto where = endpoint.host + ":" + std::to_string(endpoint.port);
  if (endpoint.scheme != "http") {
    co_return Unexpected("unsupported scheme '" + endpoint.scheme + "' for " + where);
  }
  tcp::resolver resolver(executor_);
  auto [resolve_error, results] =
      co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kNoThrow);
  if (resolve_error) co_return Unexpected("cannot resolve " + where + ": " + resolve_error.message());

  beast::tcp_stream stream(executor_);
  stream.expires_after(options_.timeout);
  auto [connect_error, connected] = co_await stream.async_connect(results, kNoThrow);
  if (connect_error) {
    co_return Unexpected("cannot connect to " + where + ": " + connect_error.message());
  }
  stream.socket().set_option(tcp::no_delay(true));

  bhttp::request<bhttp::string_body> message{request.method, request.target, 11};
  message.set(Field::host, endpoint.authority());
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = request.body;
  if (!request.body.empty() || request.method == Verb::put || request.method == Verb::post) {
    message.prepare_payload();
  }
  message.keep_alive(false);

  auto [write_error, written] = co_await bhttp::async_write(stream, message, kNoThrow);
  if (write_error) co_return Unexpected("request to " + where + " failed: " + write_error.message());

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options_.max_response_bytes);
  if (request.method == Verb::head) parser.skip(true);
  auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
  if (read_error) {
    co_return Unexpected("reading the response from " + where + " failed: " + read_error.message());
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return parser.release();
}

}  // namespace satchel::http
