#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;

std::string quoted_md5(std::string_view body) { return "\"" + hex_encode(md5(body)) + "\""; }

TEST_F(StoreServerTest, KeysRoundTripThroughEncodedPaths) {
  const std::string keys[] = {"foo+1/bar", "quux ab/thud", "100%/x", "dir/ü.json"};
  for (const auto& key : keys) {
    std::string body = "bytes of " + key;
    auto stored = put(key, body);
    EXPECT_EQ(stored.result(), Status::ok) << key << ": " << stored.body();
    auto fetched = get(key);
    EXPECT_EQ(fetched.result(), Status::ok) << key;
    EXPECT_EQ(fetched.body(), body) << key;
    // The engine stores the key decoded exactly once.
    EXPECT_TRUE(store_->engine().head(std::string(kDefaultBucket), key, std::nullopt)) << key;
  }
}

TEST_F(StoreServerTest, LiteralPlusInPathStaysPlus) {
  auto request = signed_request(Verb::put, "/satchel/a+b", "plus");
  ASSERT_EQ(send(request).result(), Status::ok);
  auto bytes = store_->engine().read_object("satchel", "a+b", std::nullopt);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, "plus");
}

TEST_F(StoreServerTest, PutReturnsEtagAndVersion) {
  auto response = put("a.txt", "hello");
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(header(response, "ETag"), quoted_md5("hello"));
  auto version = store_->engine().head("satchel", "a.txt", std::nullopt);
  ASSERT_TRUE(version);
  EXPECT_EQ(header(response, "x-amz-version-id"), version->version_id);
  EXPECT_FALSE(header(response, "x-amz-request-id").empty());
  EXPECT_EQ(header(response, "Server"), "Satchel");
}

TEST_F(StoreServerTest, GetReturnsStoredHeaders) {
  ASSERT_EQ(put("prefs.json", "{}",
                {{"Content-Type", "application/json"},
                 {"x-amz-meta-owner", "alice"},
                 {"Cache-Control", "no-cache"}})
                .result(),
            Status::ok);
  auto response = get("prefs.json");
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(header(response, "Content-Type"), "application/json");
  EXPECT_EQ(header(response, "Content-Length"), "2");
  EXPECT_EQ(header(response, "ETag"), quoted_md5("{}"));
  EXPECT_EQ(header(response, "Last-Modified"), format_http_date(clock_->now()));
  EXPECT_EQ(header(response, "Accept-Ranges"), "bytes");
  EXPECT_EQ(header(response, "x-amz-meta-owner"), "alice");
  EXPECT_EQ(header(response, "Cache-Control"), "no-cache");
  EXPECT_FALSE(header(response, "x-amz-version-id").empty());
}

TEST_F(StoreServerTest, DefaultContentTypeIsOctetStream) {
  ASSERT_EQ(put("blob", "x").result(), Status::ok);
  EXPECT_EQ(header(get("blob"), "Content-Type"), "application/octet-stream");
}

TEST_F(StoreServerTest, LargeObjectStreamsIntact) {
  std::string body(700 * 1024, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7 % 251);
  ASSERT_EQ(put("large.bin", body).result(), Status::ok);
  auto response = get("large.bin");
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(response.body().size(), body.size());
  EXPECT_TRUE(response.body() == body);
}

TEST_F(StoreServerTest, HeadHasLengthButNoBody) {
  ASSERT_EQ(put("a.txt", "hello").result(), Status::ok);
  auto response = send(signed_request(Verb::head, object_path("a.txt")));
  EXPECT_EQ(response.result(), Status::ok);
  EXPECT_EQ(header(response, "Content-Length"), "5");
  EXPECT_EQ(header(response, "ETag"), quoted_md5("hello"));
  EXPECT_TRUE(response.body().empty());
}

TEST_F(StoreServerTest, MissingKeyIsNoSuchKeyXml) {
  auto response = get("missing.txt");
  EXPECT_EQ(response.result(), Status::not_found);
  EXPECT_EQ(header(response, "Content-Type"), "application/xml");
  EXPECT_EQ(xml_element(response.body(), "Code"), "NoSuchKey");
  EXPECT_EQ(xml_element(response.body(), "Resource"), "/satchel/missing.txt");
  EXPECT_EQ(xml_element(response.body(), "RequestId"), header(response, "x-amz-request-id"));
  EXPECT_EQ(response.body().rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
}

TEST_F(StoreServerTest, MissingBucketIsNoSuchBucket) {
  auto response = send(signed_request(Verb::get, "/nobucket/a.txt"));
  EXPECT_EQ(response.result(), Status::not_found);
  EXPECT_EQ(xml_element(response.body(), "Code"), "NoSuchBucket");
}

TEST_F(StoreServerTest, Sha256MismatchStoresNothing) {
  auto request =
      signed_request(Verb::put, object_path("a.txt"), "hello", {}, hex_encode(sha256("other")));
  auto response = send(request);
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "XAmzContentSHA256Mismatch");
  EXPECT_FALSE(store_->engine().head("satchel", "a.txt", std::nullopt));
  EXPECT_EQ(count_files(store_->engine().objects_dir()), 0u);
  EXPECT_EQ(count_files(store_->engine().temp_dir()), 0u);
}

TEST_F(StoreServerTest, UnsignedPayloadIsAccepted) {
  auto request = signed_request(Verb::put, object_path("a.txt"), "hello", {}, "UNSIGNED-PAYLOAD");
  EXPECT_EQ(send(request).result(), Status::ok);
}

TEST_F(StoreServerTest, ContentMd5IsVerified) {
  auto good = put("a.txt", "hello", {{"Content-MD5", base64_encode(md5("hello"))}});
  EXPECT_EQ(good.result(), Status::ok);
  auto bad = put("b.txt", "hello", {{"Content-MD5", base64_encode(md5("other"))}});
  EXPECT_EQ(bad.result(), Status::bad_request);
  EXPECT_EQ(xml_element(bad.body(), "Code"), "BadDigest");
  auto malformed = put("c.txt", "hello", {{"Content-MD5", "not base64"}});
  EXPECT_EQ(malformed.result(), Status::bad_request);
  EXPECT_EQ(xml_element(malformed.body(), "Code"), "InvalidDigest");
}

TEST_F(StoreServerTest, AwsChunkedUploadIsDecoded) {
  std::string first(300 * 1024, 'a');
  std::string second = "tail";
  auto response = send(streaming_put("stream.bin", {first, second}));
  ASSERT_EQ(response.result(), Status::ok) << response.body();
  EXPECT_EQ(header(response, "ETag"), quoted_md5(first + second));
  auto bytes = store_->engine().read_object("satchel", "stream.bin", std::nullopt);
  ASSERT_TRUE(bytes);
  EXPECT_TRUE(*bytes == first + second);
  auto head = store_->engine().head("satchel", "stream.bin", std::nullopt);
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->stored_headers.empty());
}

TEST_F(StoreServerTest, TamperedAwsChunkIsRejected) {
  auto request = streaming_put("stream.bin", {std::string(1000, 'a'), "tail"});
  size_t data = request.body.find("\r\n") + 2;
  request.body[data] = 'b';
  auto response = send(request);
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "SignatureDoesNotMatch");
  EXPECT_FALSE(store_->engine().head("satchel", "stream.bin", std::nullopt));
  EXPECT_EQ(count_files(store_->engine().temp_dir()), 0u);
  EXPECT_EQ(count_files(store_->engine().objects_dir()), 0u);
}

TEST_F(StoreServerTest, ChunkedPutWithoutLengthIs411) {
  auto request = signed_request(Verb::put, object_path("a.txt"), {}, {}, "UNSIGNED-PAYLOAD");
  std::string reply = raw_exchange(
      serialize(request, host(), {{"Transfer-Encoding", "chunked"}}, "5\r\nhello\r\n0\r\n\r\n"),
      false);
  EXPECT_EQ(reply.rfind("HTTP/1.1 411", 0), 0u) << reply;
  EXPECT_NE(reply.find("<Code>MissingContentLength</Code>"), std::string::npos);
}

TEST_F(StoreServerTest, OversizedPutIsEntityTooLarge) {
  auto request = signed_request(Verb::put, object_path("big.bin"), {}, {}, "UNSIGNED-PAYLOAD");
  std::string length = std::to_string(kDefaultMaxObjectBytes + 1);
  std::string reply = raw_exchange(
      serialize(request, host(), {{"Content-Length", length}, {"Expect", "100-continue"}}, ""),
      false);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("<Code>EntityTooLarge</Code>"), std::string::npos) << reply;
}

TEST_F(StoreServerTest, ClientDisconnectLeavesNothing) {
  auto request = signed_request(Verb::put, object_path("cut.bin"), {}, {}, "UNSIGNED-PAYLOAD");
  std::string partial(300 * 1024, 'x');
  std::string reply =
      raw_exchange(serialize(request, host(), {{"Content-Length", "1000000"}}, partial), true);
  EXPECT_NE(reply.find("<Code>IncompleteBody</Code>"), std::string::npos) << reply;
  EXPECT_FALSE(store_->engine().head("satchel", "cut.bin", std::nullopt));
  EXPECT_EQ(count_files(store_->engine().temp_dir()), 0u);
  EXPECT_EQ(count_files(store_->engine().objects_dir()), 0u);
}

TEST_F(StoreServerTest, IfNoneMatchStarCreatesOnce) {
  EXPECT_EQ(put("once.txt", "one", {{"If-None-Match", "*"}}).result(), Status::ok);
  auto second = put("once.txt", "two", {{"If-None-Match", "*"}});
  EXPECT_EQ(second.result(), Status::precondition_failed);
  EXPECT_EQ(xml_element(second.body(), "Code"), "PreconditionFailed");
  EXPECT_EQ(get("once.txt").body(), "one");
}

TEST_F(StoreServerTest, IfMatchGuardsReplace) {
  ASSERT_EQ(put("a.txt", "one").result(), Status::ok);
  auto stale = put("a.txt", "two", {{"If-Match", quoted_md5("zero")}});
  EXPECT_EQ(stale.result(), Status::precondition_failed);
  auto current = put("a.txt", "two", {{"If-Match", quoted_md5("one")}});
  EXPECT_EQ(current.result(), Status::ok);
  auto unquoted = put("a.txt", "three", {{"If-Match", hex_encode(md5("two"))}});
  EXPECT_EQ(unquoted.result(), Status::ok);
  auto missing = put("b.txt", "x", {{"If-Match", quoted_md5("one")}});
  EXPECT_EQ(missing.result(), Status::not_found);
}

TEST_F(StoreServerTest, ConditionalGets) {
  ASSERT_EQ(put("a.txt", "hello").result(), Status::ok);
  std::string etag = quoted_md5("hello");
  std::string unquoted = hex_encode(md5("hello"));
  std::string later = format_http_date(clock_->now() + std::chrono::hours(1));
  std::string earlier = format_http_date(clock_->now() - std::chrono::hours(1));

  EXPECT_EQ(get("a.txt", {{"If-Match", etag}}).result(), Status::ok);
  EXPECT_EQ(get("a.txt", {{"If-Match", unquoted}}).result(), Status::ok);
  EXPECT_EQ(get("a.txt", {{"If-Match", "\"other\""}}).result(), Status::precondition_failed);
  auto not_modified = get("a.txt", {{"If-None-Match", etag}});
  EXPECT_EQ(not_modified.result(), Status::not_modified);
  EXPECT_EQ(header(not_modified, "ETag"), etag);
  EXPECT_EQ(get("a.txt", {{"If-None-Match", unquoted}}).result(), Status::not_modified);
  EXPECT_EQ(get("a.txt", {{"If-None-Match", "\"other\""}}).result(), Status::ok);
  EXPECT_EQ(get("a.txt", {{"If-Modified-Since", later}}).result(), Status::not_modified);
  EXPECT_EQ(get("a.txt", {{"If-Modified-Since", earlier}}).result(), Status::ok);
  EXPECT_EQ(get("a.txt", {{"If-Unmodified-Since", earlier}}).result(), Status::precondition_failed);
  EXPECT_EQ(get("a.txt", {{"If-Unmodified-Since", later}}).result(), Status::ok);
}

TEST_F(StoreServerTest, DeleteAddsMarkerAndOldVersionStays) {
  ASSERT_EQ(put("a.txt", "one").result(), Status::ok);
  auto first = store_->engine().head("satchel", "a.txt", std::nullopt);
  ASSERT_TRUE(first);

  auto deleted = send(signed_request(Verb::delete_, object_path("a.txt")));
  EXPECT_EQ(deleted.result(), Status::no_content);
  EXPECT_EQ(header(deleted, "x-amz-delete-marker"), "true");
  std::string marker_id = header(deleted, "x-amz-version-id");
  EXPECT_FALSE(marker_id.empty());

  auto missing = get("a.txt");
  EXPECT_EQ(missing.result(), Status::not_found);
  EXPECT_EQ(xml_element(missing.body(), "Code"), "NoSuchKey");
  EXPECT_EQ(header(missing, "x-amz-delete-marker"), "true");
  EXPECT_EQ(header(missing, "x-amz-version-id"), marker_id);

  auto old = get("a.txt", {}, "versionId=" + first->version_id);
  EXPECT_EQ(old.result(), Status::ok);
  EXPECT_EQ(old.body(), "one");
  EXPECT_EQ(header(old, "x-amz-version-id"), first->version_id);

  auto marker = get("a.txt", {}, "versionId=" + marker_id);
  EXPECT_EQ(marker.result(), Status::method_not_allowed);
  EXPECT_EQ(header(marker, "x-amz-delete-marker"), "true");
}

TEST_F(StoreServerTest, DeleteByVersionIdRemovesIt) {
  ASSERT_EQ(put("a.txt", "one").result(), Status::ok);
  auto version = header(put("a.txt", "two"), "x-amz-version-id");
  auto deleted =
      send(signed_request(Verb::delete_, object_path("a.txt") + "?versionId=" + version));
  EXPECT_EQ(deleted.result(), Status::no_content);
  EXPECT_EQ(header(deleted, "x-amz-version-id"), version);
  EXPECT_EQ(header(deleted, "x-amz-delete-marker"), "");
  EXPECT_EQ(get("a.txt").body(), "one");
  auto gone = get("a.txt", {}, "versionId=" + version);
  EXPECT_EQ(gone.result(), Status::not_found);
  EXPECT_EQ(xml_element(gone.body(), "Code"), "NoSuchVersion");
}

TEST_F(StoreServerTest, BucketVersioningRoundTrips) {
  auto enabled = send(signed_request(Verb::get, "/satchel?versioning"));
  EXPECT_EQ(enabled.result(), Status::ok);
  EXPECT_EQ(xml_element(enabled.body(), "Status"), "Enabled");

  EXPECT_EQ(send(signed_request(Verb::put, "/scratch")).result(), Status::ok);
  auto plain = send(signed_request(Verb::get, "/scratch?versioning"));
  EXPECT_EQ(plain.result(), Status::ok);
  EXPECT_EQ(xml_element(plain.body(), "Status"), "");

  std::string document =
      "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Status>Suspended</Status></VersioningConfiguration>";
  EXPECT_EQ(send(signed_request(Verb::put, "/scratch?versioning", document)).result(), Status::ok);
  auto suspended = send(signed_request(Verb::get, "/scratch?versioning"));
  EXPECT_EQ(xml_element(suspended.body(), "Status"), "Suspended");

  auto malformed = send(signed_request(Verb::put, "/scratch?versioning", "<Nope/>"));
  EXPECT_EQ(malformed.result(), Status::bad_request);
  EXPECT_EQ(xml_element(malformed.body(), "Code"), "MalformedXML");
}

TEST_F(StoreServerTest, BucketCreateHeadAndConflict) {
  EXPECT_EQ(send(signed_request(Verb::head, "/satchel")).result(), Status::ok);
  EXPECT_EQ(send(signed_request(Verb::head, "/nobucket")).result(), Status::not_found);
  auto duplicate = send(signed_request(Verb::put, "/satchel"));
  EXPECT_EQ(duplicate.result(), Status::conflict);
  EXPECT_EQ(xml_element(duplicate.body(), "Code"), "BucketAlreadyOwnedByYou");
  auto invalid = send(signed_request(Verb::put, "/Bad_Name"));
  EXPECT_EQ(invalid.result(), Status::bad_request);
  EXPECT_EQ(xml_element(invalid.body(), "Code"), "InvalidBucketName");
}

TEST_F(StoreServerTest, UnsignedRequestIsAccessDenied) {
  http::ClientRequest request;
  request.target = object_path("a.txt");
  auto response = send(request);
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "AccessDenied");
}

TEST_F(StoreServerTest, WrongSecretIsSignatureDoesNotMatch) {
  AccessKey forged{store_->credentials().admin.access_key_id, Secret("wrong secret")};
  auto response =
      send(signed_request(Verb::get, object_path("a.txt"), {}, {}, std::nullopt, &forged));
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "SignatureDoesNotMatch");
}

TEST_F(StoreServerTest, UnknownKeyIsInvalidAccessKeyId) {
  AccessKey unknown{"SATCAAAAAAAAAAAAAAAA", Secret("secret")};
  auto response =
      send(signed_request(Verb::get, object_path("a.txt"), {}, {}, std::nullopt, &unknown));
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "InvalidAccessKeyId");
}

TEST_F(StoreServerTest, PresignedPutAndGetWork) {
  std::vector<s3::Header> signed_headers{{"content-type", "text/plain"}};
  http::ClientRequest upload;
  upload.method = Verb::put;
  upload.target = presigned_target("PUT", "dir/ü.json", signed_headers);
  upload.headers = {{"Content-Type", "text/plain"}};
  upload.body = "presigned bytes";
  auto stored = send(upload);
  EXPECT_EQ(stored.result(), Status::ok) << stored.body();

  http::ClientRequest download;
  download.target = presigned_target("GET", "dir/ü.json");
  auto fetched = send(download);
  EXPECT_EQ(fetched.result(), Status::ok);
  EXPECT_EQ(fetched.body(), "presigned bytes");
  EXPECT_EQ(header(fetched, "Content-Type"), "text/plain");
}

TEST_F(StoreServerTest, PresignedPutWithOtherContentTypeIsRejected) {
  std::vector<s3::Header> signed_headers{{"content-type", "image/png"}};
  http::ClientRequest upload;
  upload.method = Verb::put;
  upload.target = presigned_target("PUT", "avatar.png", signed_headers);
  upload.headers = {{"Content-Type", "text/html"}};
  upload.body = "<script>";
  auto response = send(upload);
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(xml_element(response.body(), "Code"), "SignatureDoesNotMatch");
  EXPECT_FALSE(store_->engine().head("satchel", "avatar.png", std::nullopt));
}

TEST_F(StoreServerTest, TamperedPresignedUrlIsRejected) {
  ASSERT_EQ(put("a.txt", "secret").result(), Status::ok);
  ASSERT_EQ(put("b.txt", "other").result(), Status::ok);
  std::string target = presigned_target("GET", "a.txt");

  http::ClientRequest other_key;
  other_key.target = target;
  other_key.target.replace(other_key.target.find("a.txt"), 5, "b.txt");
  auto swapped = send(other_key);
  EXPECT_EQ(swapped.result(), Status::forbidden);
  EXPECT_EQ(xml_element(swapped.body(), "Code"), "SignatureDoesNotMatch");

  http::ClientRequest changed_signature;
  changed_signature.target = target;
  char& last = changed_signature.target.back();
  last = last == '0' ? '1' : '0';
  auto forged = send(changed_signature);
  EXPECT_EQ(forged.result(), Status::forbidden);
  EXPECT_EQ(xml_element(forged.body(), "Code"), "SignatureDoesNotMatch");
}

TEST_F(StoreServerTest, ExpiredPresignedUrlIsRejected) {
  ASSERT_EQ(put("a.txt", "hello").result(), Status::ok);
  http::ClientRequest download;
  download.target = presigned_target("GET", "a.txt", {}, std::chrono::seconds(60));
  EXPECT_EQ(send(download).result(), Status::ok);
  clock_->advance(std::chrono::seconds(61));
  auto expired = send(download);
  EXPECT_EQ(expired.result(), Status::forbidden);
  EXPECT_EQ(xml_element(expired.body(), "Code"), "AccessDenied");
}

TEST_F(StoreServerTest, PreflightFromAllowedOrigin) {
  http::ClientRequest preflight;
  preflight.method = Verb::options;
  preflight.target = object_path("a.txt");
  preflight.headers = {{"Origin", std::string(kTestOrigin)},
                       {"Access-Control-Request-Method", "PUT"},
                       {"Access-Control-Request-Headers", "content-type, x-amz-meta-owner"}};
  auto response = send(preflight);
  EXPECT_EQ(response.result(), Status::ok);
  EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), kTestOrigin);
  EXPECT_EQ(header(response, "Access-Control-Allow-Methods"), "GET, PUT, HEAD, DELETE, POST");
  EXPECT_EQ(header(response, "Access-Control-Allow-Headers"), "content-type, x-amz-meta-owner");
  EXPECT_EQ(header(response, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(header(response, "Vary"), "Origin");
  EXPECT_FALSE(header(response, "x-amz-request-id").empty());
}

TEST_F(StoreServerTest, PreflightFromOtherOriginIsForbidden) {
  http::ClientRequest preflight;
  preflight.method = Verb::options;
  preflight.target = object_path("a.txt");
  preflight.headers = {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "PUT"}};
  auto response = send(preflight);
  EXPECT_EQ(response.result(), Status::forbidden);
  EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(header(response, "Access-Control-Allow-Methods"), "");
}

TEST_F(StoreServerTest, ActualRequestFromAllowedOriginGetsCorsHeaders) {
  ASSERT_EQ(put("a.txt", "hello").result(), Status::ok);
  auto allowed = get("a.txt", {{"Origin", std::string(kTestOrigin)}});
  EXPECT_EQ(header(allowed, "Access-Control-Allow-Origin"), kTestOrigin);
  EXPECT_EQ(header(allowed, "Access-Control-Expose-Headers"),
            "ETag, x-amz-version-id, x-amz-delete-marker, x-amz-request-id");
  EXPECT_EQ(header(allowed, "Vary"), "Origin");
  auto other = get("a.txt", {{"Origin", "http://evil.example"}});
  EXPECT_EQ(other.result(), Status::ok);
  EXPECT_EQ(header(other, "Access-Control-Allow-Origin"), "");
}

TEST_F(StoreServerTest, ResponseOverridesApplyToGet) {
  ASSERT_EQ(put("a.txt", "hello").result(), Status::ok);
  auto response = get("a.txt", {}, "response-content-disposition=attachment%3B%20filename%3Da.txt");
  EXPECT_EQ(response.result(), Status::ok);
  EXPECT_EQ(header(response, "Content-Disposition"), "attachment; filename=a.txt");
}

TEST_F(StoreServerTest, UnsupportedSubresourceIsNotImplemented) {
  auto response = send(signed_request(Verb::get, object_path("a.txt") + "?acl"));
  EXPECT_EQ(response.result(), Status::not_implemented);
  EXPECT_EQ(xml_element(response.body(), "Code"), "NotImplemented");
}

TEST_F(StoreServerTest, InvalidMetadataIsRejected) {
  auto binary = put("a.txt", "x", {{"x-amz-meta-name", "\xff\xfe"}});
  EXPECT_EQ(binary.result(), Status::bad_request);
  EXPECT_EQ(xml_element(binary.body(), "Code"), "InvalidArgument");
  auto large = put("b.txt", "x", {{"x-amz-meta-blob", std::string(2100, 'm')}});
  EXPECT_EQ(large.result(), Status::bad_request);
  EXPECT_EQ(xml_element(large.body(), "Code"), "MetadataTooLarge");
}

TEST_F(StoreServerTest, HeadOfDeletedKeyShowsMarker) {
  ASSERT_EQ(put("a.txt", "x").result(), Status::ok);
  ASSERT_EQ(send(signed_request(Verb::delete_, object_path("a.txt"))).result(), Status::no_content);
  auto response = send(signed_request(Verb::head, object_path("a.txt")));
  EXPECT_EQ(response.result(), Status::not_found);
  EXPECT_EQ(header(response, "x-amz-delete-marker"), "true");
  EXPECT_TRUE(response.body().empty());
}

TEST_F(StoreServerTest, ListBucketsNamesDefaultBucket) {
  auto response = send(signed_request(Verb::get, "/"));
  EXPECT_EQ(response.result(), Status::ok);
  EXPECT_EQ(xml_element(response.body(), "Name"), "satchel");
}

}  // namespace
}  // namespace satchel::store
