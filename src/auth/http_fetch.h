// The HTTP GET that key fetching uses, as a function type, so tests can serve
// documents from memory or from a local server.
#pragma once

#include <functional>
#include <string>

#include "common/expected.h"
#include "http/beast.h"
#include "http/client.h"

namespace satchel::auth {

namespace asio = boost::asio;

// A fetched document: the status, the body and the Cache-Control header.
struct HttpDocument {
  unsigned status = 0;
  std::string body;
  std::string cache_control;
};

// Fetches an absolute URL. Fails with a message on transport errors; any HTTP
// status is a successful fetch that the caller checks.
using HttpGet =
    std::function<asio::awaitable<Expected<HttpDocument, std::string>>(std::string url)>;

// Key documents larger than this are rejected. A JWKS with a few dozen RSA
// keys is well under 64 KiB.
inline constexpr uint64_t kMaxKeyDocumentBytes = uint64_t{1} << 20;

// An HttpGet over http::Client with its deadline, capped at
// kMaxKeyDocumentBytes.
// NOTE: http::Client speaks plain http only, so an https issuer or jwks_uri
// fails to fetch until the client gains TLS.
HttpGet make_http_get(asio::any_io_executor executor, std::chrono::milliseconds timeout);

}  // namespace satchel::auth
