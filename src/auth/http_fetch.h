// The HTTP GET that key fetching uses, as a function type, so tests can serve
// documents from memory or from a local server.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
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
// kMaxKeyDocumentBytes. An https URL is fetched over TLS with tls, which
// verifies the server's certificate chain. The client also sends the host
// name as SNI and checks it against the certificate. With a null tls, an
// https URL fails to fetch.
HttpGet make_http_get(asio::any_io_executor executor, std::chrono::milliseconds timeout,
                      std::shared_ptr<asio::ssl::context> tls = nullptr);

// make_http_get() with a TLS context that trusts the PEM certificates in
// ca_file, or the system's CA roots when ca_file is empty. Fails with a
// message naming the file when it cannot be loaded.
Expected<HttpGet, std::string> make_https_get(asio::any_io_executor executor,
                                              std::chrono::milliseconds timeout,
                                              const std::filesystem::path& ca_file);

}  // namespace satchel::auth
