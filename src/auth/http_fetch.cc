#include "auth/http_fetch.h"

#include <memory>

#include "http/tls.h"

namespace satchel::auth {

HttpGet make_http_get(asio::any_io_executor executor, std::chrono::milliseconds timeout,
                      std::shared_ptr<asio::ssl::context> tls) {
  auto client = std::make_shared<http::Client>(
      std::move(executor),
      http::ClientOptions{
          .timeout = timeout, .max_response_bytes = kMaxKeyDocumentBytes, .tls = std::move(tls)});
  return [client](std::string url) -> asio::awaitable<Expected<HttpDocument, std::string>> {
    auto endpoint = http::parse_url(url);
    if (!endpoint) co_return Unexpected("invalid URL '" + url + "'");
    std::string target = endpoint->path;
    if (!endpoint->query.empty()) target += "?" + endpoint->query;
    http::ClientRequest request;
    request.target = std::move(target);
    request.headers = {{"Accept", "application/json"}};
    auto response = co_await client->send(*endpoint, request);
    if (!response) co_return Unexpected(std::move(response).error());
    co_return HttpDocument{.status = response->result_int(),
                           .body = std::move(response->body()),
                           .cache_control = std::string((*response)[http::Field::cache_control])};
  };
}

Expected<HttpGet, std::string> make_https_get(asio::any_io_executor executor,
                                              std::chrono::milliseconds timeout,
                                              const std::filesystem::path& ca_file) {
  auto tls = http::make_client_tls_context(ca_file);
  if (!tls) return Unexpected(std::move(tls).error());
  return make_http_get(std::move(executor), timeout, std::move(*tls));
}

}  // namespace satchel::auth
