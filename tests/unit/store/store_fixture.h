// A running store for handler tests: an http::Server on 127.0.0.1 with an
// ephemeral port, an io_context on a background thread, and helpers that
// sign requests with the store's admin key the way real clients do.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "http/client.h"
#include "http/server.h"
#include "s3/chunked.h"
#include "s3/presigner.h"
#include "s3/signer.h"
#include "store/store.h"
#include "temp_dir.h"

namespace satchel::store {

inline constexpr std::string_view kTestOrigin = "http://app.example";
inline constexpr std::string_view kDefaultBucket = "satchel";

class StoreServerTest : public ::testing::Test {
 protected:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  void SetUp() override { start(max_object_bytes()); }

  // The store's max_object_bytes for this fixture.
  virtual uint64_t max_object_bytes() const { return kDefaultMaxObjectBytes; }

  void TearDown() override { stop(); }

  void start(uint64_t max_object_bytes) {
    clock_ = std::make_shared<ManualClock>(from_unix_seconds(1767225600));  // 2026-01-01
    StoreOptions options;
    options.data_dir = dir_.path();
    options.cors_allowed_origins = {std::string(kTestOrigin)};
    options.max_object_bytes = max_object_bytes;
    options.clock = clock_;
    auto opened = Store::open(options, pool_);
    ASSERT_TRUE(opened) << opened.error();
    store_ = std::move(*opened);

    auto server_options = store_->server_options("127.0.0.1", 0);
    server_options.log_requests = false;
    server_ = std::make_unique<http::Server>(io_, server_options, store_->make_handler());
    auto listening = server_->listen();
    ASSERT_TRUE(listening) << listening.error();
    server_->start();
    endpoint_ = *http::parse_url("http://127.0.0.1:" + std::to_string(server_->port()));
    runner_ = std::thread([this] { io_.run(); });
  }

  void stop() {
    if (server_) server_->stop();
    work_.reset();
    io_.stop();
    if (runner_.joinable()) runner_.join();
    server_.reset();
    store_.reset();
  }

  std::string host() const { return endpoint_.authority(); }

  static std::string object_path(std::string_view key, std::string_view bucket = kDefaultBucket) {
    return "/" + std::string(bucket) + "/" + s3::encode_key(key);
  }

  http::Response send(http::ClientRequest request) {
    http::ClientOptions options;
    options.timeout = std::chrono::seconds(60);
    options.max_response_bytes = 128ULL << 20;
    http::Client client(io_.get_executor(), options);
    std::promise<Expected<http::Response, std::string>> promise;
    auto future = promise.get_future();
    boost::asio::co_spawn(
        io_,
        [&]() -> boost::asio::awaitable<void> {
          promise.set_value(co_await client.send(endpoint_, request));
        },
        boost::asio::detached);
    auto response = future.get();
    EXPECT_TRUE(response) << (response ? "" : response.error());
    return response ? std::move(*response) : http::Response{};
  }

  // Signs with the Authorization header, covering Host, every given header
  // and x-amz-content-sha256 (the body's hash unless payload_hash is set).
  http::ClientRequest signed_request(http::Verb method, std::string target, std::string body = {},
                                     Headers headers = {},
                                     std::optional<std::string> payload_hash = std::nullopt,
                                     const AccessKey* key = nullptr) {
    if (!key) key = &store_->credentials().admin;
    std::string hash = payload_hash ? *payload_hash : hex_encode(sha256(body));
    std::string host_value = host();
    std::vector<s3::Header> signed_headers{{"host", host_value}};
    for (const auto& [name, value] : headers) signed_headers.push_back({name, value});
    auto split = s3::split_target(target);
    std::string method_text(http::bhttp::to_string(method));
    s3::RequestView view{method_text, split.path, split.query, signed_headers};
    s3::RequestSigner signer(
        s3::Credentials{key->access_key_id, key->secret_access_key, std::nullopt}, "us-east-1",
        "s3");
    s3::HeaderSigningOptions options;
    options.payload_hash = hash;
    auto signature = signer.sign_headers(view, clock_->now(), options);

    http::ClientRequest request;
    request.method = method;
    request.target = std::move(target);
    request.headers = std::move(headers);
    for (const auto& header : signature.headers)
      request.headers.emplace_back(header.name, header.value);
    request.body = std::move(body);
    return request;
  }

  // A request with an aws-chunked body in the given streaming mode, with
  // extra signed headers and, for the trailer modes, trailers after the
  // final chunk. The unsigned trailer mode is what current AWS SDKs send by
  // default: CRC32 in an x-amz-checksum-crc32 trailer.
  http::ClientRequest streaming_request(http::Verb method, std::string target,
                                        const std::vector<std::string>& chunks,
                                        s3::PayloadMode mode,
                                        const std::vector<s3::Trailer>& trailers = {},
                                        Headers extra = {},
                                        std::optional<size_t> declared_length = std::nullopt) {
    const AccessKey& access_key = store_->credentials().admin;
    size_t decoded_length = 0;
    for (const auto& chunk : chunks) decoded_length += chunk.size();
    if (declared_length) decoded_length = *declared_length;
    Headers headers{{"Content-Encoding", "aws-chunked"},
                    {"x-amz-decoded-content-length", std::to_string(decoded_length)}};
    if (!trailers.empty()) {
      std::string names;
      for (const auto& trailer : trailers) names += (names.empty() ? "" : ",") + trailer.name;
      headers.emplace_back("x-amz-trailer", names);
    }
    for (auto& header : extra) headers.push_back(std::move(header));
    std::string host_value = host();
    std::vector<s3::Header> signed_headers{{"host", host_value}};
    for (const auto& [name, value] : headers) signed_headers.push_back({name, value});
    auto split = s3::split_target(target);
    std::string method_text(http::bhttp::to_string(method));
    s3::RequestView view{method_text, split.path, split.query, signed_headers};
    s3::RequestSigner signer(
        s3::Credentials{access_key.access_key_id, access_key.secret_access_key, std::nullopt},
        "us-east-1", "s3");
    s3::HeaderSigningOptions options;
    options.payload_hash = mode == s3::PayloadMode::kStreamingSigned ? s3::kStreamingSignedPayload
                           : mode == s3::PayloadMode::kStreamingSignedTrailer
                               ? s3::kStreamingSignedPayloadTrailer
                               : s3::kStreamingUnsignedPayloadTrailer;
    auto signature = signer.sign_headers(view, clock_->now(), options);

    auto scope = signer.scope_at(clock_->now());
    s3::ChunkedEncoder encoder(mode, signer.signing_key(scope), format_amz_date(clock_->now()),
                               scope.credential_scope(), signature.signature);
    http::ClientRequest request;
    request.method = method;
    request.target = std::move(target);
    request.headers = headers;
    for (const auto& header : signature.headers) {
      request.headers.emplace_back(header.name, header.value);
    }
    for (const auto& chunk : chunks) request.body += encoder.chunk(chunk);
    request.body += encoder.finish(trailers);
    return request;
  }

  // A PUT with an aws-chunked body signed chunk by chunk
  // (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), as AWS SDKs send over plain HTTP.
  http::ClientRequest streaming_put(std::string_view key, const std::vector<std::string>& chunks) {
    const AccessKey& access_key = store_->credentials().admin;
    size_t decoded_length = 0;
    for (const auto& chunk : chunks) decoded_length += chunk.size();
    Headers headers{{"Content-Encoding", "aws-chunked"},
                    {"x-amz-decoded-content-length", std::to_string(decoded_length)}};
    std::string target = object_path(key);
    std::string host_value = host();
    std::vector<s3::Header> signed_headers{{"host", host_value}};
    for (const auto& [name, value] : headers) signed_headers.push_back({name, value});
    s3::RequestView view{"PUT", target, "", signed_headers};
    s3::RequestSigner signer(
        s3::Credentials{access_key.access_key_id, access_key.secret_access_key, std::nullopt},
        "us-east-1", "s3");
    s3::HeaderSigningOptions options;
    options.payload_hash = s3::kStreamingSignedPayload;
    auto signature = signer.sign_headers(view, clock_->now(), options);

    auto scope = signer.scope_at(clock_->now());
    s3::ChunkedEncoder encoder(s3::PayloadMode::kStreamingSigned, signer.signing_key(scope),
                               format_amz_date(clock_->now()), scope.credential_scope(),
                               signature.signature);
    http::ClientRequest request;
    request.method = http::Verb::put;
    request.target = target;
    request.headers = headers;
    for (const auto& header : signature.headers) {
      request.headers.emplace_back(header.name, header.value);
    }
    for (const auto& chunk : chunks) request.body += encoder.chunk(chunk);
    request.body += encoder.finish();
    return request;
  }

  http::Response put(std::string_view key, std::string body, Headers headers = {}) {
    return send(
        signed_request(http::Verb::put, object_path(key), std::move(body), std::move(headers)));
  }
  http::Response get(std::string_view key, Headers headers = {}, std::string query = {}) {
    std::string target = object_path(key);
    if (!query.empty()) target += "?" + query;
    return send(signed_request(http::Verb::get, target, {}, std::move(headers)));
  }
  http::Response head(std::string_view key, Headers headers = {}, std::string query = {}) {
    std::string target = object_path(key);
    if (!query.empty()) target += "?" + query;
    return send(signed_request(http::Verb::head, target, {}, std::move(headers)));
  }
  // A signed request on the default bucket with a query string, such as
  // "list-type=2&prefix=a".
  http::Response bucket_request(http::Verb method, std::string query, std::string body = {},
                                Headers headers = {}) {
    std::string target = "/" + std::string(kDefaultBucket);
    if (!query.empty()) target += "?" + query;
    return send(signed_request(method, target, std::move(body), std::move(headers)));
  }

  s3::Presigner presigner() {
    const AccessKey& key = store_->credentials().api;
    s3::PresignerConfig config;
    config.endpoint = endpoint_.origin();
    config.credentials = s3::Credentials{key.access_key_id, key.secret_access_key, std::nullopt};
    config.region = "us-east-1";
    auto created = s3::Presigner::create(config);
    EXPECT_TRUE(created);
    return std::move(*created);
  }

  // The path and query of a presigned URL, for http::Client.
  std::string presigned_target(std::string_view method, std::string_view key,
                               std::span<const s3::Header> headers = {},
                               std::chrono::seconds expires = std::chrono::seconds(300)) {
    s3::PresignRequest request;
    request.method = method;
    request.bucket = kDefaultBucket;
    request.key = key;
    request.headers = headers;
    request.expires = expires;
    request.time = clock_->now();
    auto url = presigner().presign(request);
    EXPECT_TRUE(url);
    if (!url) return "/";
    auto parsed = http::parse_url(url->url);
    EXPECT_TRUE(parsed);
    return parsed->path + "?" + parsed->query;
  }

  // Sends bytes on a new connection and reads until the server closes it.
  // With half_close, the sending side is shut down after writing, as a
  // client that gave up on its upload does.
  std::string raw_exchange(const std::string& bytes, bool half_close) {
    boost::asio::io_context io;
    http::tcp::socket socket(io);
    socket.connect(
        http::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_->port()));
    boost::asio::write(socket, boost::asio::buffer(bytes));
    if (half_close) socket.shutdown(http::tcp::socket::shutdown_send);
    std::string reply;
    boost::system::error_code error;
    char chunk[4096];
    for (;;) {
      size_t count = socket.read_some(boost::asio::buffer(chunk), error);
      if (error) break;
      reply.append(chunk, count);
    }
    return reply;
  }

  // Writes a signed request as HTTP/1.1 text with Connection: close, plus
  // extra unsigned headers and the given body bytes.
  static std::string serialize(const http::ClientRequest& request, const std::string& host_value,
                               const Headers& extra, std::string_view body) {
    std::string text = std::string(http::bhttp::to_string(request.method)) + " " + request.target +
                       " HTTP/1.1\r\nHost: " + host_value + "\r\n";
    for (const auto& [name, value] : request.headers) text += name + ": " + value + "\r\n";
    for (const auto& [name, value] : extra) text += name + ": " + value + "\r\n";
    text += "Connection: close\r\n\r\n";
    text += body;
    return text;
  }

  static std::string header(const http::Response& response, std::string_view name) {
    auto it = response.find(name);
    return it == response.end() ? std::string() : std::string(it->value());
  }

  // The texts of every element with this name in an XML body, in order.
  static std::vector<std::string> xml_elements(const std::string& body, const std::string& name) {
    std::vector<std::string> found;
    size_t position = 0;
    for (;;) {
      auto open = body.find("<" + name + ">", position);
      if (open == std::string::npos) return found;
      open += name.size() + 2;
      auto close = body.find("</" + name + ">", open);
      if (close == std::string::npos) return found;
      found.push_back(body.substr(open, close - open));
      position = close;
    }
  }

  // The text of an element in an XML body, or "" when absent.
  static std::string xml_element(const std::string& body, const std::string& name) {
    auto open = body.find("<" + name + ">");
    if (open == std::string::npos) return {};
    open += name.size() + 2;
    auto close = body.find("</" + name + ">", open);
    return close == std::string::npos ? std::string() : body.substr(open, close - open);
  }

  static constexpr uint64_t kDefaultMaxObjectBytes = 1 << 20;

  TempDir dir_;
  std::shared_ptr<ManualClock> clock_;
  boost::asio::thread_pool pool_{2};
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::unique_ptr<Store> store_;
  std::unique_ptr<http::Server> server_;
  http::Url endpoint_;
  std::thread runner_;
};

}  // namespace satchel::store
