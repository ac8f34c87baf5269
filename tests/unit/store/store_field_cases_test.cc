// Requests that real clients sent and a store got wrong, each checked
// against the reply S3 returns.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "common/crypto.h"
#include "common/encoding.h"
#include "store/checksum.h"
#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;

std::string quoted_md5(std::string_view body) { return "\"" + hex_encode(md5(body)) + "\""; }

TEST_F(StoreServerTest, PlusKeyIgnoresEncodingNotSpace) {
  auto stored = send(signed_request(Verb::put, "/satchel/libstdc%2B%2B-docs.rpm", "rpm bytes"));
  ASSERT_EQ(stored.result(), Status::ok) << stored.body();
  auto literal = send(signed_request(Verb::get, "/satchel/libstdc++-docs.rpm"));
  EXPECT_EQ(literal.result(), Status::ok);
  EXPECT_EQ(literal.body(), "rpm bytes");
  auto encoded = send(signed_request(Verb::get, "/satchel/libstdc%2B%2B-docs.rpm"));
  EXPECT_EQ(encoded.body(), "rpm bytes");
  auto spaces = send(signed_request(Verb::get, "/satchel/libstdc%20%20-docs.rpm"));
  EXPECT_EQ(spaces.result(), Status::not_found);
  EXPECT_TRUE(store_->engine().head("satchel", "libstdc++-docs.rpm", std::nullopt));
}

TEST_F(StoreServerTest, PresignedUrlKeepsPortInSignedHost) {
  ASSERT_EQ(put("a.txt", "ported").result(), Status::ok);
  s3::PresignRequest presign;
  presign.bucket = kDefaultBucket;
  presign.key = "a.txt";
  presign.time = clock_->now();
  auto url = presigner().presign(presign);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->url.rfind("http://" + host() + "/satchel/a.txt?", 0), 0u) << url->url;
  std::string target = presigned_target("GET", "a.txt");

  http::ClientRequest request;
  request.target = target;
  std::string right = raw_exchange(serialize(request, host(), {}, ""), false);
  EXPECT_EQ(right.rfind("HTTP/1.1 200", 0), 0u) << right;
  std::string other_port = raw_exchange(serialize(request, "127.0.0.1:9", {}, ""), false);
  EXPECT_EQ(other_port.rfind("HTTP/1.1 403", 0), 0u) << other_port;
  EXPECT_NE(other_port.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos);
  std::string no_port = raw_exchange(serialize(request, "127.0.0.1", {}, ""), false);
  EXPECT_EQ(no_port.rfind("HTTP/1.1 403", 0), 0u) << no_port;
}

TEST_F(StoreServerTest, PresignedContentTypeMustMatch) {
  std::vector<s3::Header> signed_headers{{"content-type", "image/png"}};
  std::string target = presigned_target("PUT", "avatar.png", signed_headers);
  std::string png = "\x89PNG\r\n\x1a\n raw image bytes";

  http::ClientRequest form;
  form.method = Verb::put;
  form.target = target;
  form.headers = {{"Content-Type", "multipart/form-data; boundary=xyz"}};
  form.body =
      "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" + png + "\r\n--xyz--\r\n";
  auto as_form = send(form);
  EXPECT_EQ(as_form.result(), Status::forbidden);
  EXPECT_EQ(xml_element(as_form.body(), "Code"), "SignatureDoesNotMatch");

  http::ClientRequest untyped;
  untyped.method = Verb::put;
  untyped.target = target;
  untyped.body = png;
  auto without_type = send(untyped);
  EXPECT_EQ(without_type.result(), Status::forbidden);
  EXPECT_EQ(xml_element(without_type.body(), "Code"), "SignatureDoesNotMatch");
  EXPECT_FALSE(store_->engine().head("satchel", "avatar.png", std::nullopt));

  http::ClientRequest raw;
  raw.method = Verb::put;
  raw.target = target;
  raw.headers = {{"Content-Type", "image/png"}};
  raw.body = png;
  ASSERT_EQ(send(raw).result(), Status::ok);
  auto fetched = get("avatar.png");
  EXPECT_EQ(fetched.body(), png);
  EXPECT_EQ(header(fetched, "Content-Type"), "image/png");
}

TEST_F(StoreServerTest, PresignedExpiresBounds) {
  ASSERT_EQ(put("a.txt", "x").result(), Status::ok);
  http::ClientRequest longest;
  longest.target = presigned_target("GET", "a.txt", {}, std::chrono::seconds(604800));
  EXPECT_EQ(send(longest).result(), Status::ok);

  const std::string valid = "X-Amz-Expires=604800";
  size_t at = longest.target.find(valid);
  ASSERT_NE(at, std::string::npos);
  for (std::string value : {"604801", "0", "-5", "abc"}) {
    http::ClientRequest request;
    request.target = longest.target;
    request.target.replace(at, valid.size(), "X-Amz-Expires=" + value);
    auto response = send(request);
    EXPECT_EQ(response.result(), Status::bad_request) << value;
    EXPECT_EQ(xml_element(response.body(), "Code"), "AuthorizationQueryParametersError") << value;
  }
}

TEST_F(StoreServerTest, PreflightOnPresignedUrlThenCorsPut) {
  std::vector<s3::Header> signed_headers{{"content-type", "application/json"}};
  std::string target = presigned_target("PUT", "prefs.json", signed_headers);
  http::ClientRequest preflight;
  preflight.method = Verb::options;
  preflight.target = target;
  preflight.headers = {{"Origin", std::string(kTestOrigin)},
                       {"Access-Control-Request-Method", "PUT"},
                       {"Access-Control-Request-Headers", "content-type"}};
  auto allowed = send(preflight);
  EXPECT_EQ(allowed.result(), Status::ok);
  EXPECT_EQ(header(allowed, "Access-Control-Allow-Origin"), kTestOrigin);
  EXPECT_NE(header(allowed, "Access-Control-Allow-Methods").find("PUT"), std::string::npos);

  http::ClientRequest upload;
  upload.method = Verb::put;
  upload.target = target;
  upload.headers = {{"Content-Type", "application/json"}, {"Origin", std::string(kTestOrigin)}};
  upload.body = "{}";
  auto stored = send(upload);
  EXPECT_EQ(stored.result(), Status::ok);
  EXPECT_EQ(header(stored, "Access-Control-Allow-Origin"), kTestOrigin);
  EXPECT_NE(header(stored, "Access-Control-Expose-Headers").find("ETag"), std::string::npos);

  preflight.headers[0].second = "http://evil.example";
  auto denied = send(preflight);
  EXPECT_EQ(denied.result(), Status::forbidden);
  EXPECT_EQ(header(denied, "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(header(denied, "Access-Control-Allow-Methods"), "");
}

TEST_F(StoreServerTest, Crc32TrailerIsVerifiedAndEchoed) {
  std::string body = "hello world!";
  ASSERT_EQ(body.size(), 12u);
  std::string crc = base64_encode(compute_checksum(ChecksumAlgorithm::kCrc32, body));
  auto response = send(streaming_request(
      Verb::put, object_path("twelve.txt"), {body}, s3::PayloadMode::kStreamingUnsignedTrailer,
      {{"x-amz-checksum-crc32", crc}}, {{"x-amz-sdk-checksum-algorithm", "CRC32"}}));
  ASSERT_EQ(response.result(), Status::ok) << response.body();
  EXPECT_EQ(header(response, "x-amz-checksum-crc32"), crc);
  auto bytes = store_->engine().read_object("satchel", "twelve.txt", std::nullopt);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, body);
  auto headed = head("twelve.txt", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(header(headed, "x-amz-checksum-crc32"), crc);
  EXPECT_EQ(header(headed, "Content-Length"), "12");
  EXPECT_EQ(header(headed, "Content-Encoding"), "");
}

TEST_F(StoreServerTest, WrongCrc32TrailerIsBadDigest) {
  std::string wrong = base64_encode(compute_checksum(ChecksumAlgorithm::kCrc32, "other"));
  auto response = send(streaming_request(Verb::put, object_path("twelve.txt"), {"hello world!"},
                                         s3::PayloadMode::kStreamingUnsignedTrailer,
                                         {{"x-amz-checksum-crc32", wrong}}));
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "BadDigest");
  EXPECT_FALSE(store_->engine().head("satchel", "twelve.txt", std::nullopt));
  EXPECT_EQ(count_files(store_->engine().objects_dir()), 0u);
  EXPECT_EQ(count_files(store_->engine().temp_dir()), 0u);
}

TEST_F(StoreServerTest, AwsChunkedBodyMayUseChunkedTransfer) {
  // The AWS SDK for JavaScript v3 streams bodies with Transfer-Encoding:
  // chunked and no Content-Length, relying on x-amz-decoded-content-length.
  std::string body = "streamed without a length";
  std::string crc = base64_encode(compute_checksum(ChecksumAlgorithm::kCrc32, body));
  auto request = streaming_request(Verb::put, object_path("te.txt"), {body},
                                   s3::PayloadMode::kStreamingUnsignedTrailer,
                                   {{"x-amz-checksum-crc32", crc}});
  std::string framed;
  for (size_t at = 0; at < request.body.size(); at += 16) {
    std::string piece = request.body.substr(at, 16);
    char size[16];
    std::snprintf(size, sizeof(size), "%zx", piece.size());
    framed += std::string(size) + "\r\n" + piece + "\r\n";
  }
  framed += "0\r\n\r\n";
  std::string reply =
      raw_exchange(serialize(request, host(), {{"Transfer-Encoding", "chunked"}}, framed), false);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  auto bytes = store_->engine().read_object("satchel", "te.txt", std::nullopt);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, body);
}

TEST_F(StoreServerTest, SignedTrailerChecksumIsVerified) {
  std::string body = "signed trailer body";
  std::string sha = base64_encode(compute_checksum(ChecksumAlgorithm::kSha256, body));
  auto response = send(streaming_request(Verb::put, object_path("t.txt"), {body},
                                         s3::PayloadMode::kStreamingSignedTrailer,
                                         {{"x-amz-checksum-sha256", sha}}));
  ASSERT_EQ(response.result(), Status::ok) << response.body();
  EXPECT_EQ(header(response, "x-amz-checksum-sha256"), sha);
}

TEST_F(StoreServerTest, SignedStreamingUploadOfThirtyBytes) {
  std::string body = "thirty bytes of streamed data!";
  ASSERT_EQ(body.size(), 30u);
  auto stored = send(streaming_put("thirty.bin", {body.substr(0, 20), body.substr(20)}));
  ASSERT_EQ(stored.result(), Status::ok) << stored.body();
  auto bytes = store_->engine().read_object("satchel", "thirty.bin", std::nullopt);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, body);
}

TEST_F(StoreServerTest, TamperedStreamingUploadStoresNothing) {
  std::string body = "thirty bytes of streamed data!";
  auto changed_data = streaming_put("t1.bin", {body});
  changed_data.body[changed_data.body.find("\r\n") + 2] ^= 1;
  auto data_response = send(changed_data);
  EXPECT_EQ(data_response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(data_response.body(), "Code"), "SignatureDoesNotMatch");

  auto changed_signature = streaming_put("t2.bin", {body});
  size_t signature = changed_signature.body.find("chunk-signature=") + 16;
  char& digit = changed_signature.body[signature];
  digit = digit == '0' ? '1' : '0';
  auto signature_response = send(changed_signature);
  EXPECT_EQ(signature_response.result(), Status::forbidden);

  auto wrong_length =
      send(streaming_request(Verb::put, object_path("t3.bin"), {body},
                             s3::PayloadMode::kStreamingSigned, {}, {}, body.size() + 1));
  EXPECT_EQ(wrong_length.result(), Status::bad_request);
  EXPECT_EQ(xml_element(wrong_length.body(), "Code"), "IncompleteBody");

  for (const char* key : {"t1.bin", "t2.bin", "t3.bin"}) {
    EXPECT_FALSE(store_->engine().head("satchel", key, std::nullopt)) << key;
  }
  EXPECT_EQ(count_files(store_->engine().objects_dir()), 0u);
  EXPECT_EQ(count_files(store_->engine().temp_dir()), 0u);
}

TEST_F(StoreServerTest, EtagsAreQuotedEverywhere) {
  std::string etag = quoted_md5("body");
  std::string xml_etag = "&quot;" + hex_encode(md5("body")) + "&quot;";
  EXPECT_EQ(header(put("a", "body"), "ETag"), etag);
  EXPECT_EQ(header(get("a"), "ETag"), etag);
  EXPECT_EQ(header(head("a"), "ETag"), etag);
  auto listing = bucket_request(Verb::get, "list-type=2");
  EXPECT_EQ(xml_element(listing.body(), "ETag"), xml_etag);
  auto versions = bucket_request(Verb::get, "versions");
  EXPECT_EQ(xml_element(versions.body(), "ETag"), xml_etag);
  auto copy =
      send(signed_request(Verb::put, object_path("b"), {}, {{"x-amz-copy-source", "satchel/a"}}));
  EXPECT_EQ(xml_element(copy.body(), "ETag"), xml_etag);
  std::string bare = hex_encode(md5("body"));
  EXPECT_EQ(get("a", {{"If-None-Match", bare}}).result(), Status::not_modified);
  EXPECT_EQ(get("a", {{"If-Match", bare}}).result(), Status::ok);
  EXPECT_EQ(put("a", "new", {{"If-Match", bare}}).result(), Status::ok);
}

TEST_F(StoreServerTest, ConcurrentCreateOnlyPutsOneWinner) {
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    std::string key = "race-" + std::to_string(round);
    auto first = signed_request(Verb::put, object_path(key), "first", {{"If-None-Match", "*"}});
    auto second = signed_request(Verb::put, object_path(key), "second", {{"If-None-Match", "*"}});
    auto racing = std::async(std::launch::async, [&] { return send(second); });
    auto one = send(first);
    auto other = racing.get();
    std::vector<Status> statuses{one.result(), other.result()};
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), Status::ok), 1) << key;
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), Status::precondition_failed), 1) << key;
  }
}

TEST_F(StoreServerTest, IfMatchOnWriteNeverSucceedsWhenStale) {
  ASSERT_EQ(put("a", "one").result(), Status::ok);
  EXPECT_EQ(put("a", "two", {{"If-Match", quoted_md5("zero")}}).result(),
            Status::precondition_failed);
  EXPECT_EQ(put("a", "two", {{"If-Match", quoted_md5("one")}}).result(), Status::ok);
  auto missing = put("nope", "x", {{"If-Match", quoted_md5("one")}});
  EXPECT_TRUE(missing.result() == Status::not_found ||
              missing.result() == Status::precondition_failed);
  EXPECT_FALSE(store_->engine().head("satchel", "nope", std::nullopt));
}

}  // namespace
}  // namespace satchel::store
