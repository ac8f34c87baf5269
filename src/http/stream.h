// One connection's byte stream, plain TCP or TLS over TCP, so the server
// and client code is written once for both. Timeouts are set on the TCP
// layer (tcp()), which both variants share.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <utility>
#include <variant>

#include "http/beast.h"

namespace satchel::http {

class Stream {
 public:
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;

  explicit Stream(beast::tcp_stream tcp)
      : stream_(std::in_place_type<beast::tcp_stream>, std::move(tcp)) {}
  // The TLS handshake is the caller's first step.
  Stream(beast::tcp_stream tcp, asio::ssl::context& tls)
      : stream_(std::in_place_type<TlsStream>, std::move(tcp), tls) {}

  bool is_tls() const { return std::holds_alternative<TlsStream>(stream_); }
  TlsStream* tls() { return std::get_if<TlsStream>(&stream_); }

  beast::tcp_stream& tcp() {
    if (auto* plain = std::get_if<beast::tcp_stream>(&stream_)) return *plain;
    return std::get<TlsStream>(stream_).next_layer();
  }

  // Calls operation with the active stream type. Both alternatives must
  // return the same type, such as one awaitable.
  template <class Operation>
  decltype(auto) visit(Operation&& operation) {
    return std::visit(std::forward<Operation>(operation), stream_);
  }

 private:
  std::variant<beast::tcp_stream, TlsStream> stream_;
};

}  // namespace satchel::http
