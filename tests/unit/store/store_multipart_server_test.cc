// Multipart upload over HTTP, with header and presigned part requests.
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "store/checksum.h"
#include "store/engine.h"
#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;
using Strings = std::vector<std::string>;

class StoreMultipartTest : public StoreServerTest {
 protected:
  uint64_t max_object_bytes() const override { return 64ULL << 20; }

  std::string create_upload(std::string_view key, Headers headers = {}) {
    auto response =
        send(signed_request(Verb::post, object_path(key) + "?uploads", {}, std::move(headers)));
    EXPECT_EQ(response.result(), Status::ok) << response.body();
    return xml_element(response.body(), "UploadId");
  }

  http::Response upload_part(std::string_view key, const std::string& upload_id, int number,
                             std::string body, Headers headers = {}) {
    return send(signed_request(
        Verb::put,
        object_path(key) + "?partNumber=" + std::to_string(number) + "&uploadId=" + upload_id,
        std::move(body), std::move(headers)));
  }

  // ETags as sent by the client: quoted or not, in part number order.
  http::Response complete(std::string_view key, const std::string& upload_id, const Strings& etags,
                          Headers headers = {}) {
    std::string document =
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/"
        "2006-03-01/\">";
    for (size_t i = 0; i < etags.size(); ++i) {
      document += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] +
                  "</ETag></Part>";
    }
    document += "</CompleteMultipartUpload>";
    return send(signed_request(Verb::post, object_path(key) + "?uploadId=" + upload_id, document,
                               std::move(headers)));
  }

  // Four parts of 5 MiB, each filled from seed, as in the field report:
  // two uploads of different bytes must get different ETags.
  static Strings four_parts(char seed) {
    Strings parts;
    for (int i = 0; i < 4; ++i) parts.emplace_back(kMinPartBytes, static_cast<char>(seed + i));
    return parts;
  }

  static std::string multipart_etag(const Strings& parts) {
    std::string digests;
    for (const auto& part : parts) digests += md5(part);
    return "\"" + hex_encode(md5(digests)) + "-" + std::to_string(parts.size()) + "\"";
  }
};

TEST_F(StoreMultipartTest, TwentyMebibyteUploadsGetMultipartEtags) {
  std::string first_etag;
  for (char seed : {'a', 'q'}) {
    std::string key = std::string("video-") + seed;
    Strings parts = four_parts(seed);
    std::string upload_id = create_upload(key);
    ASSERT_FALSE(upload_id.empty());
    Strings etags;
    for (size_t i = 0; i < parts.size(); ++i) {
      auto response = upload_part(key, upload_id, static_cast<int>(i + 1), parts[i]);
      ASSERT_EQ(response.result(), Status::ok) << response.body();
      EXPECT_EQ(header(response, "ETag"), "\"" + hex_encode(md5(parts[i])) + "\"");
      etags.push_back(header(response, "ETag"));
    }
    // Complete accepts quoted and unquoted ETags alike.
    etags[1] = etags[1].substr(1, etags[1].size() - 2);
    auto completed = complete(key, upload_id, etags);
    ASSERT_EQ(completed.result(), Status::ok) << completed.body();
    std::string expected = multipart_etag(parts);
    EXPECT_EQ(xml_element(completed.body(), "ETag"),
              "&quot;" + expected.substr(1, expected.size() - 2) + "&quot;");
    EXPECT_FALSE(header(completed, "x-amz-version-id").empty());
    EXPECT_EQ(xml_element(completed.body(), "Key"), key);

    auto fetched = get(key);
    ASSERT_EQ(fetched.result(), Status::ok);
    EXPECT_EQ(header(fetched, "ETag"), expected);
    EXPECT_EQ(fetched.body().size(), 4 * kMinPartBytes);
    EXPECT_TRUE(fetched.body() == parts[0] + parts[1] + parts[2] + parts[3]);
    EXPECT_NE(expected, first_etag);
    first_etag = expected;
  }
}

TEST_F(StoreMultipartTest, WrongPartEtagIsInvalidPart) {
  std::string upload_id = create_upload("a");
  ASSERT_EQ(upload_part("a", upload_id, 1, "x").result(), Status::ok);
  auto response = complete("a", upload_id, {"\"" + hex_encode(md5("y")) + "\""});
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "InvalidPart");
  EXPECT_EQ(get("a").result(), Status::not_found);
}

TEST_F(StoreMultipartTest, SmallPartIsEntityTooSmall) {
  std::string upload_id = create_upload("a");
  auto first = upload_part("a", upload_id, 1, "small");
  auto second = upload_part("a", upload_id, 2, "last");
  auto response = complete("a", upload_id, {header(first, "ETag"), header(second, "ETag")});
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "EntityTooSmall");
}

TEST_F(StoreMultipartTest, MalformedCompleteIsMalformedXml) {
  std::string upload_id = create_upload("a");
  auto response = send(signed_request(Verb::post, object_path("a") + "?uploadId=" + upload_id,
                                      "<CompleteMultipartUpload/>"));
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "MalformedXML");
}

TEST_F(StoreMultipartTest, BadPartNumberIsInvalidArgument) {
  std::string upload_id = create_upload("a");
  for (int number : {0, 10001}) {
    auto response = upload_part("a", upload_id, number, "x");
    EXPECT_EQ(response.result(), Status::bad_request) << number;
    EXPECT_EQ(xml_element(response.body(), "Code"), "InvalidArgument") << number;
  }
}

TEST_F(StoreMultipartTest, UnknownUploadIsNoSuchUpload) {
  auto response = upload_part("a", "nope", 1, "x");
  EXPECT_EQ(response.result(), Status::not_found);
  EXPECT_EQ(xml_element(response.body(), "Code"), "NoSuchUpload");
  EXPECT_EQ(count_files(store_->engine().temp_dir()), 0u);
}

TEST_F(StoreMultipartTest, AbortEndsUpload) {
  std::string upload_id = create_upload("a");
  ASSERT_EQ(upload_part("a", upload_id, 1, "x").result(), Status::ok);
  auto aborted = send(signed_request(Verb::delete_, object_path("a") + "?uploadId=" + upload_id));
  EXPECT_EQ(aborted.result(), Status::no_content);
  EXPECT_EQ(upload_part("a", upload_id, 2, "y").result(), Status::not_found);
  EXPECT_EQ(count_files(store_->engine().objects_dir()), 0u);
}

TEST_F(StoreMultipartTest, ListPartsAndUploads) {
  std::string upload_id = create_upload("dir/a");
  ASSERT_EQ(upload_part("dir/a", upload_id, 1, "one").result(), Status::ok);
  ASSERT_EQ(upload_part("dir/a", upload_id, 2, "two").result(), Status::ok);
  auto parts = send(
      signed_request(Verb::get, object_path("dir/a") + "?uploadId=" + upload_id + "&max-parts=1"));
  ASSERT_EQ(parts.result(), Status::ok) << parts.body();
  EXPECT_EQ(xml_elements(parts.body(), "PartNumber"), (Strings{"1"}));
  EXPECT_EQ(xml_element(parts.body(), "IsTruncated"), "true");
  EXPECT_EQ(xml_element(parts.body(), "NextPartNumberMarker"), "1");
  EXPECT_EQ(xml_element(parts.body(), "ETag"), "&quot;" + hex_encode(md5("one")) + "&quot;");

  auto uploads = bucket_request(Verb::get, "uploads");
  ASSERT_EQ(uploads.result(), Status::ok) << uploads.body();
  EXPECT_EQ(xml_element(uploads.body(), "UploadId"), upload_id);
  EXPECT_EQ(xml_element(uploads.body(), "Key"), "dir/a");
  auto rolled = bucket_request(Verb::get, "uploads&delimiter=%2F");
  EXPECT_EQ(xml_elements(rolled.body(), "Prefix"), (Strings{"", "dir/"}));
}

TEST_F(StoreMultipartTest, PresignedPartUrlsWork) {
  std::string upload_id = create_upload("browser.bin");
  std::string part_number = "1";
  std::vector<s3::QueryArgument> query{{"partNumber", part_number}, {"uploadId", upload_id}};
  s3::PresignRequest request;
  request.method = "PUT";
  request.bucket = kDefaultBucket;
  request.key = "browser.bin";
  request.query = query;
  request.expires = std::chrono::seconds(300);
  request.time = clock_->now();
  auto url = presigner().presign(request);
  ASSERT_TRUE(url);
  auto parsed = http::parse_url(url->url);
  http::ClientRequest part;
  part.method = Verb::put;
  part.target = parsed->path + "?" + parsed->query;
  part.body = "from the browser";
  auto uploaded = send(part);
  ASSERT_EQ(uploaded.result(), Status::ok) << uploaded.body();
  auto completed = complete("browser.bin", upload_id, {header(uploaded, "ETag")});
  ASSERT_EQ(completed.result(), Status::ok) << completed.body();
  EXPECT_EQ(get("browser.bin").body(), "from the browser");
}

TEST_F(StoreMultipartTest, CompleteWithIfNoneMatchIsCreateOnly) {
  ASSERT_EQ(put("a", "existing").result(), Status::ok);
  std::string upload_id = create_upload("a");
  auto part = upload_part("a", upload_id, 1, "x");
  auto response = complete("a", upload_id, {header(part, "ETag")}, {{"If-None-Match", "*"}});
  EXPECT_EQ(response.result(), Status::precondition_failed);
  EXPECT_EQ(get("a").body(), "existing");
}

TEST_F(StoreMultipartTest, UploadKeepsMetadataAndChecksum) {
  std::string upload_id = create_upload("a", {{"Content-Type", "text/csv"},
                                              {"x-amz-meta-owner", "alice"},
                                              {"x-amz-checksum-algorithm", "CRC32"}});
  std::string crc = base64_encode(compute_checksum(ChecksumAlgorithm::kCrc32, "x"));
  auto part = upload_part("a", upload_id, 1, "x", {{"x-amz-checksum-crc32", crc}});
  ASSERT_EQ(part.result(), Status::ok) << part.body();
  EXPECT_EQ(header(part, "x-amz-checksum-crc32"), crc);
  auto completed = complete("a", upload_id, {header(part, "ETag")});
  ASSERT_EQ(completed.result(), Status::ok) << completed.body();
  std::string composite =
      base64_encode(compute_checksum(ChecksumAlgorithm::kCrc32, base64_decode(crc).value())) + "-1";
  EXPECT_EQ(xml_element(completed.body(), "ChecksumCRC32"), composite);
  auto headed = head("a", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(header(headed, "Content-Type"), "text/csv");
  EXPECT_EQ(header(headed, "x-amz-meta-owner"), "alice");
  EXPECT_EQ(header(headed, "x-amz-checksum-crc32"), composite);
  EXPECT_EQ(header(headed, "x-amz-checksum-type"), "COMPOSITE");
}

TEST_F(StoreMultipartTest, UploadPartCopyCopiesRange) {
  ASSERT_EQ(put("source", "0123456789").result(), Status::ok);
  std::string upload_id = create_upload("target");
  auto copied = send(signed_request(
      Verb::put, object_path("target") + "?partNumber=1&uploadId=" + upload_id, {},
      {{"x-amz-copy-source", "satchel/source"}, {"x-amz-copy-source-range", "bytes=2-5"}}));
  ASSERT_EQ(copied.result(), Status::ok) << copied.body();
  std::string etag = xml_element(copied.body(), "ETag");
  EXPECT_EQ(etag, "&quot;" + hex_encode(md5("2345")) + "&quot;");
  auto completed = complete("target", upload_id, {hex_encode(md5("2345"))});
  ASSERT_EQ(completed.result(), Status::ok);
  EXPECT_EQ(get("target").body(), "2345");

  auto outside = send(signed_request(
      Verb::put, object_path("target2") + "?partNumber=1&uploadId=" + create_upload("target2"), {},
      {{"x-amz-copy-source", "satchel/source"}, {"x-amz-copy-source-range", "bytes=5-10"}}));
  EXPECT_EQ(outside.result(), Status::bad_request);
}

TEST_F(StoreMultipartTest, StaleUploadsAreAbortedByLaterCreate) {
  std::string old_id = create_upload("old");
  ASSERT_EQ(upload_part("old", old_id, 1, "x").result(), Status::ok);
  clock_->advance(std::chrono::hours(24 * 7) + std::chrono::seconds(1));
  create_upload("new");
  EXPECT_EQ(upload_part("old", old_id, 2, "y").result(), Status::not_found);
  EXPECT_EQ(count_files(store_->engine().objects_dir()), 0u);
}

}  // namespace
}  // namespace satchel::store
