#include "http/client.h"

#include <openssl/ssl.h>

#include <boost/asio/ssl/host_name_verification.hpp>

#include "http/stream.h"

namespace satchel::http {
namespace {

using CallResult = Expected<Response, std::string>;

// Sends the request and reads the response on a connected stream.
asio::awaitable<CallResult> exchange(Stream& stream, const Url& endpoint,
                                     const ClientRequest& request, const std::string& where,
                                     uint64_t max_response_bytes) {
  bhttp::request<bhttp::string_body> message{request.method, request.target, 11};
  message.set(Field::host, endpoint.authority());
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = request.body;
  if (!request.body.empty() || request.method == Verb::put || request.method == Verb::post) {
    message.prepare_payload();
  }
  message.keep_alive(false);

  auto [write_error, written] = co_await stream.visit(
      [&message](auto& next) { return bhttp::async_write(next, message, kNoThrow); });
  if (write_error)
    co_return Unexpected("request to " + where + " failed: " + write_error.message());

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_response_bytes);
  if (request.method == Verb::head) parser.skip(true);
  auto [read_error, read] = co_await stream.visit(
      [&buffer, &parser](auto& next) { return bhttp::async_read(next, buffer, parser, kNoThrow); });
  if (read_error) {
    co_return Unexpected("reading the response from " + where + " failed: " + read_error.message());
  }
  co_return parser.release();
}

}  // namespace

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : executor_(std::move(executor)), options_(std::move(options)) {}

asio::awaitable<Expected<Response, std::string>> Client::send(const Url& endpoint,
                                                              const ClientRequest& request) {
  // NOTE: one connection per call. A keep-alive pool would save a TCP (and
  // TLS) handshake per store call on the upload and delete paths.
  auto where = endpoint.host + ":" + std::to_string(endpoint.port);
  bool https = endpoint.scheme == "https";
  if (!https && endpoint.scheme != "http") {
    co_return Unexpected("unsupported scheme '" + endpoint.scheme + "' for " + where);
  }
  if (https && !options_.tls) {
    co_return Unexpected("no TLS settings for the https endpoint " + where);
  }
  tcp::resolver resolver(executor_);
  auto [resolve_error, results] =
      co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), kNoThrow);
  if (resolve_error)
    co_return Unexpected("cannot resolve " + where + ": " + resolve_error.message());

  beast::tcp_stream tcp(executor_);
  tcp.expires_after(options_.timeout);
  auto [connect_error, connected] = co_await tcp.async_connect(results, kNoThrow);
  if (connect_error) {
    co_return Unexpected("cannot connect to " + where + ": " + connect_error.message());
  }
  tcp.socket().set_option(tcp::no_delay(true));
  Stream stream = https ? Stream(std::move(tcp), *options_.tls) : Stream(std::move(tcp));

  if (auto* tls = stream.tls()) {
    // SNI, so that virtual-hosted endpoints present the right certificate
    // (RFC 6066 allows host names only, never IP addresses), and the RFC 6125
    // host name or IP address check of that certificate.
    boost::system::error_code not_an_address;
    asio::ip::make_address(endpoint.host, not_an_address);
    if (not_an_address &&
        SSL_set_tlsext_host_name(tls->native_handle(), endpoint.host.c_str()) != 1) {
      co_return Unexpected("cannot set the TLS server name for " + where);
    }
    tls->set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
    auto [handshake_error] =
        co_await tls->async_handshake(asio::ssl::stream_base::client, kNoThrow);
    if (handshake_error) {
      co_return Unexpected("TLS handshake with " + where + " failed: " + handshake_error.message());
    }
  }

  auto response = co_await exchange(stream, endpoint, request, where, options_.max_response_bytes);
  boost::system::error_code ignored;
  if (auto* tls = stream.tls()) {
    co_await tls->async_shutdown(kNoThrow);
  } else {
    stream.tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
  co_return response;
}

}  // namespace satchel::http
