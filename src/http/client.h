// A small HTTP/1.1 client for server-to-server calls: the API to the object
// store, and later token key fetches. Every call has a deadline and a cap on
// the response size.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/expected.h"
#include "http/beast.h"
#include "http/url.h"

namespace satchel::http {

struct ClientRequest {
  Verb method = Verb::get;
  std::string target = "/";  // path and query, already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct ClientOptions {
  std::chrono::milliseconds timeout{10000};  // connect, write and read together
  uint64_t max_response_bytes = 8ULL << 20;  // larger bodies fail the call
  // Verifies https endpoints, with the host name checked on every call
  // (make_client_tls_context). Calls to https endpoints fail without it.
  std::shared_ptr<asio::ssl::context> tls;
};

class Client {
 public:
  Client(asio::any_io_executor executor, ClientOptions options);

  // Sends one request to the endpoint's host and port, over TLS for https,
  // and reads the whole response. The Host header is set from the endpoint.
  // Fails with a message on connection errors, certificate errors, timeouts
  // and oversized responses; any HTTP status is a successful call.
  asio::awaitable<Expected<Response, std::string>> send(const Url& endpoint,
                                                        const ClientRequest& request);

 private:
  asio::any_io_executor executor_;
  ClientOptions options_;
};

}  // namespace satchel::http
