#include "cli/bucket_init_client.h"

#include <boost/asio/co_spawn.hpp>
#include <exception>

#include "common/crypto.h"
#include "common/encoding.h"
#include "s3/presigner.h"

namespace satchel::cli {

BucketClient::BucketClient(BucketEndpoint endpoint, std::shared_ptr<http::asio::ssl::context> tls,
                           const Clock& clock, std::chrono::seconds timeout)
    : endpoint_(std::move(endpoint)),
      clock_(clock),
      signer_(endpoint_.credentials, endpoint_.region, "s3"),
      client_(io_.get_executor(), http::ClientOptions{.timeout = timeout, .tls = std::move(tls)}) {}

Expected<BucketReply, std::string> BucketClient::send(
    http::Verb method, std::string_view subresource, std::string body,
    std::vector<std::pair<std::string, std::string>> extra_headers) {
  // The empty value keeps the '=' ("versioning="), as SigV4's canonical
  // query spells a parameter without a value.
  std::string query = subresource.empty() ? std::string() : std::string(subresource) + "=";
  return send_to_path(method, "/" + s3::encode_key(endpoint_.bucket), query, std::move(body),
                      std::move(extra_headers));
}

Expected<BucketReply, std::string> BucketClient::send_to_service(http::Verb method) {
  return send_to_path(method, "/", "", {}, {});
}

Expected<BucketReply, std::string> BucketClient::send_to_path(
    http::Verb method, const std::string& path, std::string_view query, std::string body,
    std::vector<std::pair<std::string, std::string>> extra_headers) {
  if (!body.empty()) extra_headers.emplace_back("Content-MD5", base64_encode(md5(body)));
  std::string method_name(http::bhttp::to_string(method));
  std::string authority = endpoint_.url.authority();
  std::vector<s3::Header> signed_headers{{"host", authority}};
  for (const auto& [name, value] : extra_headers) signed_headers.push_back({name, value});
  std::string payload_hash = hex_encode(sha256(body));
  auto signature = signer_.sign_headers(s3::RequestView{method_name, path, query, signed_headers},
                                        clock_.now(), {.payload_hash = payload_hash});

  http::ClientRequest request{.method = method,
                              .target = query.empty() ? path : path + "?" + std::string(query),
                              .headers = std::move(extra_headers),
                              .body = std::move(body)};
  for (const auto& header : signature.headers) {
    request.headers.emplace_back(header.name, header.value);
  }

  std::optional<Expected<http::Response, std::string>> response;
  bool crashed = false;
  http::asio::co_spawn(
      io_,
      [&]() -> http::asio::awaitable<void> {
        response = co_await client_.send(endpoint_.url, request);
      },
      [&crashed](std::exception_ptr error) { crashed = error != nullptr; });
  io_.run();
  io_.restart();
  if (crashed || !response) {
    return Unexpected("the call to " + endpoint_.url.origin() + " ended without a reply");
  }
  if (!*response) return Unexpected(std::move(*response).error());

  BucketReply reply;
  reply.status = (*response)->result_int();
  reply.body = std::move((*response)->body());
  if (auto server = (*response)->find(http::Field::server); server != (*response)->end()) {
    reply.server = std::string(server->value());
  }
  if (reply.status >= 300) reply.error = parse_error_xml(reply.body);
  return reply;
}

}  // namespace satchel::cli
