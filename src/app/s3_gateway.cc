#include "app/s3_gateway.h"

#include <algorithm>
#include <charconv>

#include "common/crypto.h"
#include "common/encoding.h"
#include "obs/catalog.h"
#include "obs/log.h"
#include "obs/request_context.h"
#include "s3/presigner.h"
#include "s3/version_listing.h"

namespace satchel::app {
namespace {

// S3 returns at most this many entries per ListObjectVersions page.
constexpr std::size_t kMaxListVersionsPage = 1000;

PresignedRequest to_presigned_request(Expected<s3::PresignedUrl, s3::SigningError> presigned,
                                      std::span<const s3::Header> headers) {
  // The TTL and endpoint come from validated configuration, so a signing
  // error here is a programming error rather than bad input.
  if (!presigned) {
    obs::error("presigning failed", {{"error", s3::describe(presigned.error())}});
    std::abort();
  }
  PresignedRequest result{.url = std::move(presigned->url), .expires_at = presigned->expires_at};
  for (const auto& header : headers) {
    // Browsers set Content-Length themselves and refuse scripts that try, so
    // only the other signed headers are handed to the client.
    if (header.name != "Content-Length") result.headers.emplace_back(header.name, header.value);
  }
  return result;
}

// The status class for the outcome label: "2xx" to "5xx".
std::string status_class(unsigned status) { return std::to_string(status / 100) + "xx"; }

// The <Code> of an S3 error reply, such as "InvalidArgument", or "" when the
// body has none.
std::string s3_error_code(const http::Response& response) {
  const std::string& body = response.body();
  size_t open = body.find("<Code>");
  if (open == std::string::npos) return {};
  open += 6;
  size_t close = body.find("</Code>", open);
  return close == std::string::npos ? std::string() : body.substr(open, close - open);
}

std::string header_or_empty(const http::Response& response, std::string_view name) {
  auto it = response.find(name);
  return it == response.end() ? std::string() : std::string(it->value());
}

}  // namespace

Expected<std::unique_ptr<S3Gateway>, std::string> S3Gateway::create(
    S3Endpoint endpoint, http::asio::any_io_executor executor, const Clock& clock,
    http::ClientOptions client_options) {
  auto presigner = s3::Presigner::create({.endpoint = endpoint.url.origin(),
                                          .credentials = endpoint.credentials,
                                          .region = endpoint.region});
  if (!presigner) {
    return Unexpected("invalid store endpoint " + endpoint.url.origin() + ": " +
                      std::string(s3::describe(presigner.error())));
  }
  return std::unique_ptr<S3Gateway>(new S3Gateway(std::move(endpoint), std::move(*presigner),
                                                  std::move(executor), clock, client_options));
}

S3Gateway::S3Gateway(S3Endpoint endpoint, s3::Presigner presigner,
                     http::asio::any_io_executor executor, const Clock& clock,
                     http::ClientOptions client_options)
    : endpoint_(std::move(endpoint)),
      authority_(endpoint_.url.authority()),
      clock_(clock),
      presigner_(std::move(presigner)),
      signer_(endpoint_.credentials, endpoint_.region, "s3"),
      client_(std::move(executor), client_options) {}

void S3Gateway::add_encryption_headers(std::vector<s3::Header>& headers) const {
  if (endpoint_.sse.empty()) return;
  headers.push_back({"x-amz-server-side-encryption", endpoint_.sse});
  if (!endpoint_.sse_kms_key_id.empty()) {
    headers.push_back({"x-amz-server-side-encryption-aws-kms-key-id", endpoint_.sse_kms_key_id});
  }
}

std::string S3Gateway::object_path(const std::string& key) const {
  return "/" + endpoint_.bucket + "/" + s3::encode_key(key);
}

PresignedRequest S3Gateway::presign_put(const std::string& key, const PutConditions& conditions,
                                        std::chrono::seconds ttl, SystemTime now) const {
  std::string length =
      conditions.content_length ? std::to_string(*conditions.content_length) : std::string();
  // s3::Header contains views, so every value it points at must outlive headers.
  std::string checksum;
  if (capabilities_.checksums && conditions.sha256_hex) {
    // The API checked that sha256_hex is 64 hex digits, so decoding succeeds.
    checksum = base64_encode(hex_decode(*conditions.sha256_hex).value_or(std::string()));
  }
  std::vector<s3::Header> headers;
  if (conditions.content_type) headers.push_back({"Content-Type", *conditions.content_type});
  if (conditions.content_length) headers.push_back({"Content-Length", length});
  if (conditions.sha256_hex) headers.push_back({"x-amz-content-sha256", *conditions.sha256_hex});
  if (conditions.upload_id) headers.push_back({kUploadIdHeader, *conditions.upload_id});
  if (capabilities_.conditional_writes) {
    if (conditions.if_none_match) headers.push_back({"If-None-Match", "*"});
    if (conditions.if_match) headers.push_back({"If-Match", *conditions.if_match});
  }
  if (!checksum.empty()) headers.push_back({"x-amz-checksum-sha256", checksum});
  // Signed, so a PUT without them is rejected and no upload is stored
  // unencrypted or under another key.
  if (conditions.server_side_encryption) add_encryption_headers(headers);
  auto presigned = presigner_.presign({.method = "PUT",
                                       .bucket = endpoint_.bucket,
                                       .key = key,
                                       .headers = headers,
                                       .expires = ttl,
                                       .time = now});
  obs::catalog::presigned_urls().labels({"put"}).increment();
  if (conditions.content_length) {
    obs::catalog::presigned_upload_bytes().labels({}).increment(*conditions.content_length);
  }
  return to_presigned_request(std::move(presigned), headers);
}

PresignedRequest S3Gateway::presign_get(const std::string& key, const std::string& version_id,
                                        std::chrono::seconds ttl, SystemTime now) const {
  std::vector<s3::QueryArgument> query;
  if (!version_id.empty()) query.push_back({"versionId", version_id});
  auto presigned = presigner_.presign({.method = "GET",
                                       .bucket = endpoint_.bucket,
                                       .key = key,
                                       .query = query,
                                       .expires = ttl,
                                       .time = now});
  obs::catalog::presigned_urls().labels({"get"}).increment();
  return to_presigned_request(std::move(presigned), {});
}

http::asio::awaitable<Expected<http::Response, StoreError>> S3Gateway::send_signed(
    http::Verb method, const std::string& path, std::string_view operation, std::string_view query,
    std::span<const s3::Header> extra_headers, std::string body) {
  std::string method_name(http::bhttp::to_string(method));
  std::vector<s3::Header> signed_headers{{"host", authority_}};
  signed_headers.insert(signed_headers.end(), extra_headers.begin(), extra_headers.end());
  s3::RequestView view{method_name, path, query, signed_headers};
  std::string payload_hash = hex_encode(sha256(body));
  auto signature = signer_.sign_headers(view, clock_.now(), {.payload_hash = payload_hash});

  std::string target = query.empty() ? path : path + "?" + std::string(query);
  http::ClientRequest request{
      .method = method, .target = std::move(target), .body = std::move(body)};
  for (const auto& header : extra_headers) request.headers.emplace_back(header.name, header.value);
  for (const auto& header : signature.headers)
    request.headers.emplace_back(header.name, header.value);
  // The store call is a child span of the request being served. The header
  // is not signed, so it does not change the signature.
  if (const obs::RequestContext* context = obs::current_request();
      context && !context->trace.trace_id.empty()) {
    request.headers.emplace_back("traceparent", context->trace.child().traceparent());
  }
  auto started = std::chrono::steady_clock::now();
  auto response = co_await client_.send(endpoint_.url, request);
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  obs::catalog::store_client_duration().labels({operation}).observe(elapsed.count());
  std::string outcome = response ? status_class(response->result_int()) : "error";
  obs::catalog::store_client_requests().labels({operation, outcome}).increment();
  // The caller turns a failure into its reply and logs it there, once.
  if (!response) co_return Unexpected(StoreError{StoreErrorCode::kUnavailable, response.error()});
  co_return std::move(*response);
}

http::asio::awaitable<Expected<ObjectHead, StoreError>> S3Gateway::head(const std::string& key) {
  co_return co_await head_version(key, "");
}

http::asio::awaitable<Expected<ObjectHead, StoreError>> S3Gateway::head_version(
    const std::string& key, const std::string& version_id) {
  std::string query = version_id.empty() ? "" : "versionId=" + uri_encode(version_id);
  // Stores without checksums ignore the header, but it is sent only when
  // complete compares checksums.
  s3::Header checksum_mode{"x-amz-checksum-mode", "ENABLED"};
  std::span<const s3::Header> extra_headers;
  if (capabilities_.checksums) extra_headers = std::span<const s3::Header>(&checksum_mode, 1);
  auto response =
      co_await send_signed(http::Verb::head, object_path(key), "head_object", query, extra_headers);
  if (!response) co_return Unexpected(response.error());
  switch (response->result()) {
    case http::Status::ok:
      break;
    case http::Status::not_found:
      co_return Unexpected(StoreError{StoreErrorCode::kNotFound, "object not found in the store"});
    case http::Status::forbidden:
      co_return Unexpected(StoreError{StoreErrorCode::kDenied, "the store denied HEAD"});
    default:
      co_return Unexpected(StoreError{
          StoreErrorCode::kProtocol,
          "the store answered HEAD with status " + std::to_string(response->result_int())});
  }
  ObjectHead head;
  std::string length = header_or_empty(*response, "Content-Length");
  auto [end, error] = std::from_chars(length.data(), length.data() + length.size(), head.size);
  if (error != std::errc{} || end != length.data() + length.size()) {
    co_return Unexpected(
        StoreError{StoreErrorCode::kProtocol, "the store's HEAD has no valid Content-Length"});
  }
  head.etag = header_or_empty(*response, "ETag");
  head.content_type = header_or_empty(*response, "Content-Type");
  head.version_id = header_or_empty(*response, "x-amz-version-id");
  head.upload_id = header_or_empty(*response, kUploadIdHeader);
  if (capabilities_.checksums) {
    head.checksum_sha256 = header_or_empty(*response, "x-amz-checksum-sha256");
  }
  co_return head;
}

http::asio::awaitable<Expected<std::string, StoreError>> S3Gateway::remove(const std::string& key) {
  auto response = co_await send_signed(http::Verb::delete_, object_path(key), "delete_object");
  if (!response) co_return Unexpected(response.error());
  unsigned status = response->result_int();
  if (status == 204 || status == 200) co_return header_or_empty(*response, "x-amz-version-id");
  if (status == 403) {
    co_return Unexpected(StoreError{StoreErrorCode::kDenied, "the store denied DELETE"});
  }
  co_return Unexpected(
      StoreError{StoreErrorCode::kProtocol,
                 "the store answered DELETE with status " + std::to_string(status)});
}

http::asio::awaitable<Expected<ObjectHead, StoreError>> S3Gateway::copy_version(
    const std::string& key, const std::string& source_version_id) {
  co_return co_await copy_from(key, source_version_id, key);
}

http::asio::awaitable<Expected<ObjectHead, StoreError>> S3Gateway::copy_from(
    const std::string& source_key, const std::string& source_version_id, const std::string& key) {
  // "/bucket/key?versionId=id" with the key and id percent-encoded.
  std::string source = object_path(source_key) + "?versionId=" + uri_encode(source_version_id);
  std::vector<s3::Header> headers{{"x-amz-copy-source", source}};
  add_encryption_headers(headers);
  auto response =
      co_await send_signed(http::Verb::put, object_path(key), "copy_object", "", headers);
  if (!response) co_return Unexpected(response.error());
  unsigned status = response->result_int();
  if (status == 404) {
    co_return Unexpected(StoreError{StoreErrorCode::kNotFound,
                                    "the store has no version " + source_version_id + " to copy"});
  }
  if (status == 403) {
    co_return Unexpected(StoreError{StoreErrorCode::kDenied, "the store denied CopyObject"});
  }
  // S3 can report a failed copy in the body of a 200 reply.
  if (status != 200 || response->body().find("<Error>") != std::string::npos) {
    co_return Unexpected(
        StoreError{StoreErrorCode::kProtocol,
                   "the store answered CopyObject with status " + std::to_string(status)});
  }
  // The copy's size and type come from a HEAD of the new version, the same way
  // a completed upload is checked, rather than from the copy's XML reply.
  co_return co_await head_version(key, header_or_empty(*response, "x-amz-version-id"));
}

http::asio::awaitable<Expected<std::string, StoreError>> S3Gateway::get_range(
    const std::string& key, const std::string& version_id, uint64_t first_byte,
    uint64_t max_bytes) {
  std::string query = version_id.empty() ? "" : "versionId=" + uri_encode(version_id);
  std::string range =
      "bytes=" + std::to_string(first_byte) + "-" + std::to_string(first_byte + max_bytes - 1);
  s3::Header range_header{"Range", range};
  auto response = co_await send_signed(http::Verb::get, object_path(key), "get_object", query,
                                       std::span<const s3::Header>(&range_header, 1));
  if (!response) co_return Unexpected(response.error());
  unsigned status = response->result_int();
  // 416: the object is empty or shorter than first_byte (RFC 9110 section
  // 15.5.17), so there are no bytes to return.
  if (status == 416) co_return std::string();
  if (status == 404) {
    co_return Unexpected(StoreError{StoreErrorCode::kNotFound, "object not found in the store"});
  }
  if (status == 403) {
    co_return Unexpected(StoreError{StoreErrorCode::kDenied, "the store denied GET"});
  }
  if (status != 200 && status != 206) {
    co_return Unexpected(
        StoreError{StoreErrorCode::kProtocol,
                   "the store returned an unexpected status for GET: " + std::to_string(status)});
  }
  std::string body = std::move(response->body());
  // A store that ignores Range sends the whole object with 200.
  if (status == 200) {
    body = first_byte < body.size() ? body.substr(first_byte, max_bytes) : std::string();
  }
  if (body.size() > max_bytes) {
    co_return Unexpected(StoreError{StoreErrorCode::kProtocol,
                                    "the store sent more bytes than the requested range"});
  }
  co_return body;
}

http::asio::awaitable<Expected<ObjectHead, StoreError>> S3Gateway::put_object(
    const std::string& key, std::string body, const std::string& content_type,
    const std::string& upload_id) {
  std::vector<s3::Header> headers{{"Content-Type", content_type}};
  if (!upload_id.empty()) headers.push_back({kUploadIdHeader, upload_id});
  add_encryption_headers(headers);
  auto response = co_await send_signed(http::Verb::put, object_path(key), "put_object", "", headers,
                                       std::move(body));
  if (!response) co_return Unexpected(response.error());
  unsigned status = response->result_int();
  if (status == 403) {
    co_return Unexpected(StoreError{StoreErrorCode::kDenied, "the store denied PUT"});
  }
  if (status != 200) {
    co_return Unexpected(
        StoreError{StoreErrorCode::kProtocol,
                   "the store returned an unexpected status for PUT: " + std::to_string(status)});
  }
  // As in copy_version, a HEAD of the new version reports its size and type.
  co_return co_await head_version(key, header_or_empty(*response, "x-amz-version-id"));
}

http::asio::awaitable<Expected<void, StoreError>> S3Gateway::remove_version(
    const std::string& key, const std::string& version_id) {
  std::string query = "versionId=" + uri_encode(version_id);
  auto response =
      co_await send_signed(http::Verb::delete_, object_path(key), "delete_object_version", query);
  if (!response) co_return Unexpected(response.error());
  unsigned status = response->result_int();
  if (status == 204 || status == 200 || status == 404) co_return Expected<void, StoreError>{};
  if (status == 403) {
    co_return Unexpected(StoreError{StoreErrorCode::kDenied, "the store denied DELETE"});
  }
  co_return Unexpected(StoreError{StoreErrorCode::kProtocol,
                                  "the store answered DELETE of a version with status " +
                                      std::to_string(status) + " " + s3_error_code(*response)});
}

http::asio::awaitable<Expected<std::string, StoreError>> S3Gateway::list_object_versions(
    const ListVersionsRequest& page) {
  // The parameters in byte order of their names, as the canonical request
  // of SigV4 orders them.
  std::string query;
  auto add = [&query](std::string_view name, std::string_view value) {
    if (!query.empty()) query += '&';
    query += std::string(name) + "=" + uri_encode(value);
  };
  if (!page.delimiter.empty()) add("delimiter", page.delimiter);
  if (!page.key_marker.empty()) add("key-marker", page.key_marker);
  add("max-keys", std::to_string(page.max_keys));
  if (!page.prefix.empty()) add("prefix", page.prefix);
  if (!page.version_id_marker.empty()) add("version-id-marker", page.version_id_marker);
  add("versions", "");
  auto response =
      co_await send_signed(http::Verb::get, "/" + endpoint_.bucket, "list_object_versions", query);
  if (!response) co_return Unexpected(response.error());
  unsigned status = response->result_int();
  if (status == 200) co_return std::move(response->body());
  if (status == 403) {
    co_return Unexpected(
        StoreError{StoreErrorCode::kDenied, "the store denied ListObjectVersions"});
  }
  if (status == 404) {
    co_return Unexpected(
        StoreError{StoreErrorCode::kNotFound, "bucket " + endpoint_.bucket + " does not exist"});
  }
  co_return Unexpected(StoreError{StoreErrorCode::kProtocol,
                                  "the store answered ListObjectVersions with status " +
                                      std::to_string(status) + " " + s3_error_code(*response)});
}

http::asio::awaitable<Expected<KeyVersions, StoreError>> S3Gateway::list_key_versions(
    const std::string& key, std::size_t max_versions) {
  KeyVersions listed;
  ListVersionsRequest request{.prefix = key};
  while (true) {
    // Requesting one entry past the maximum shows whether the key has more.
    request.max_keys = std::min(kMaxListVersionsPage, max_versions - listed.versions.size() + 1);
    auto body = co_await list_object_versions(request);
    if (!body) co_return Unexpected(body.error());
    auto page = s3::parse_list_versions(*body);
    if (!page) {
      co_return Unexpected(StoreError{StoreErrorCode::kProtocol,
                                      "cannot read the versions of " + key + ": " + page.error()});
    }
    for (s3::StoreVersion& version : page->versions) {
      // Keys that only start with key sort after it, so the first one ends its versions.
      if (version.key != key) co_return listed;
      if (listed.versions.size() == max_versions) {
        listed.truncated = true;
        co_return listed;
      }
      listed.versions.push_back(std::move(version));
    }
    if (!page->is_truncated) co_return listed;
    // A truncated page without entries would repeat for ever.
    if (page->versions.empty()) {
      co_return Unexpected(StoreError{
          StoreErrorCode::kProtocol,
          "the store returned a truncated ListObjectVersions page without entries for " + key});
    }
    request.key_marker = page->next_key_marker;
    request.version_id_marker = page->next_version_id_marker;
  }
}

http::asio::awaitable<Expected<void, std::string>> S3Gateway::probe() {
  auto response = co_await send_signed(http::Verb::head, "/" + endpoint_.bucket, "head_bucket");
  if (!response) co_return Unexpected("store unreachable: " + response.error().message);
  unsigned status = response->result_int();
  if (status == 200 || status == 403) co_return Expected<void, std::string>{};
  if (status == 404) co_return Unexpected("bucket " + endpoint_.bucket + " does not exist");
  co_return Unexpected("store answered HEAD of the bucket with status " + std::to_string(status));
}

http::asio::awaitable<Expected<S3Gateway::ObjectReply, StoreError>> S3Gateway::send_object_request(
    http::Verb method, const std::string& key, std::span<const s3::Header> extra_headers,
    std::string_view query, std::string body) {
  auto response = co_await send_signed(method, object_path(key), "probe_object", query,
                                       extra_headers, std::move(body));
  if (!response) co_return Unexpected(response.error());
  co_return ObjectReply{.status = response->result_int(),
                        .etag = header_or_empty(*response, "ETag"),
                        .version_id = header_or_empty(*response, "x-amz-version-id"),
                        .checksum_sha256 = header_or_empty(*response, "x-amz-checksum-sha256")};
}

}  // namespace satchel::app
