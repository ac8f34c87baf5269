// Range reads, CopyObject and additional checksums over HTTP.
#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "store/checksum.h"
#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;

constexpr std::string_view kDigits = "0123456789";

class StoreRangeTest : public StoreServerTest {
 protected:
  void SetUp() override {
    StoreServerTest::SetUp();
    ASSERT_EQ(put("digits", std::string(kDigits)).result(), Status::ok);
  }
};

TEST_F(StoreRangeTest, SingleRangeIsPartialContent) {
  auto response = get("digits", {{"Range", "bytes=2-5"}});
  EXPECT_EQ(response.result(), Status::partial_content);
  EXPECT_EQ(response.body(), "2345");
  EXPECT_EQ(header(response, "Content-Range"), "bytes 2-5/10");
  EXPECT_EQ(header(response, "Content-Length"), "4");
}

TEST_F(StoreRangeTest, OpenAndSuffixRanges) {
  auto open = get("digits", {{"Range", "bytes=7-"}});
  EXPECT_EQ(open.result(), Status::partial_content);
  EXPECT_EQ(open.body(), "789");
  EXPECT_EQ(header(open, "Content-Range"), "bytes 7-9/10");
  auto suffix = get("digits", {{"Range", "bytes=-3"}});
  EXPECT_EQ(suffix.result(), Status::partial_content);
  EXPECT_EQ(suffix.body(), "789");
  auto long_suffix = get("digits", {{"Range", "bytes=-50"}});
  EXPECT_EQ(long_suffix.result(), Status::partial_content);
  EXPECT_EQ(long_suffix.body(), kDigits);
  EXPECT_EQ(header(long_suffix, "Content-Range"), "bytes 0-9/10");
  auto past_end = get("digits", {{"Range", "bytes=8-100"}});
  EXPECT_EQ(past_end.body(), "89");
}

TEST_F(StoreRangeTest, UnsatisfiableRangeIs416) {
  for (std::string range : {"bytes=10-", "bytes=10-20", "bytes=-0"}) {
    auto response = get("digits", {{"Range", range}});
    EXPECT_EQ(response.result(), Status::range_not_satisfiable) << range;
    EXPECT_EQ(xml_element(response.body(), "Code"), "InvalidRange") << range;
    EXPECT_EQ(header(response, "Content-Range"), "bytes */10") << range;
  }
}

TEST_F(StoreRangeTest, MultipleOrMalformedRangesServeWholeObject) {
  for (std::string range : {"bytes=0-1,3-4", "bytes=5-2", "items=0-1", "bytes=a-b"}) {
    auto response = get("digits", {{"Range", range}});
    EXPECT_EQ(response.result(), Status::ok) << range;
    EXPECT_EQ(response.body(), kDigits) << range;
    EXPECT_EQ(header(response, "Content-Range"), "") << range;
  }
}

TEST_F(StoreRangeTest, HeadWithRangeReportsPartialLength) {
  auto response = head("digits", {{"Range", "bytes=0-3"}});
  EXPECT_EQ(response.result(), Status::partial_content);
  EXPECT_EQ(header(response, "Content-Length"), "4");
  EXPECT_EQ(header(response, "Content-Range"), "bytes 0-3/10");
}

TEST_F(StoreRangeTest, IfRangeMismatchServesWholeObject) {
  std::string etag = "\"" + hex_encode(md5(std::string(kDigits))) + "\"";
  auto matching = get("digits", {{"Range", "bytes=0-0"}, {"If-Range", etag}});
  EXPECT_EQ(matching.result(), Status::partial_content);
  auto stale = get("digits", {{"Range", "bytes=0-0"}, {"If-Range", "\"other\""}});
  EXPECT_EQ(stale.result(), Status::ok);
  EXPECT_EQ(stale.body(), kDigits);
}

TEST_F(StoreRangeTest, RangeOnVersionReadsThatVersion) {
  std::string old_version = header(head("digits"), "x-amz-version-id");
  ASSERT_EQ(put("digits", "abcdefghij").result(), Status::ok);
  auto response = get("digits", {{"Range", "bytes=0-2"}}, "versionId=" + old_version);
  EXPECT_EQ(response.result(), Status::partial_content);
  EXPECT_EQ(response.body(), "012");
}

TEST_F(StoreRangeTest, PreconditionWinsOverRange) {
  auto response = get("digits", {{"Range", "bytes=0-1"}, {"If-Match", "\"other\""}});
  EXPECT_EQ(response.result(), Status::precondition_failed);
}

TEST_F(StoreRangeTest, S3PreconditionCombinations) {
  std::string etag = "\"" + hex_encode(md5(std::string(kDigits))) + "\"";
  std::string earlier = format_http_date(clock_->now() - std::chrono::hours(1));
  std::string later = format_http_date(clock_->now() + std::chrono::hours(1));
  // If-Match true and If-Unmodified-Since false: S3 returns the object.
  EXPECT_EQ(get("digits", {{"If-Match", etag}, {"If-Unmodified-Since", earlier}}).result(),
            Status::ok);
  // If-None-Match false and If-Modified-Since true: S3 returns 304.
  EXPECT_EQ(get("digits", {{"If-None-Match", etag}, {"If-Modified-Since", earlier}}).result(),
            Status::not_modified);
  EXPECT_EQ(head("digits", {{"If-Match", "\"other\""}}).result(), Status::precondition_failed);
  EXPECT_EQ(head("digits", {{"If-Modified-Since", later}}).result(), Status::not_modified);
  EXPECT_EQ(get("missing", {{"If-Match", etag}}).result(), Status::not_found);
  EXPECT_EQ(get("digits", {{"If-Match", "*"}}).result(), Status::ok);
}

class StoreCopyTest : public StoreServerTest {
 protected:
  http::Response copy(std::string_view source, std::string_view destination, Headers headers = {}) {
    headers.emplace_back("x-amz-copy-source", std::string(source));
    return send(signed_request(Verb::put, object_path(destination), {}, std::move(headers)));
  }
};

TEST_F(StoreCopyTest, CopiesBytesAndMetadata) {
  ASSERT_EQ(put("src dir/a+b.txt", "payload",
                {{"Content-Type", "text/plain"}, {"x-amz-meta-owner", "alice"}})
                .result(),
            Status::ok);
  auto response = copy("/satchel/src%20dir/a%2Bb.txt", "copy.txt");
  ASSERT_EQ(response.result(), Status::ok) << response.body();
  EXPECT_NE(response.body().find("<CopyObjectResult"), std::string::npos);
  EXPECT_EQ(xml_element(response.body(), "ETag"), "&quot;" + hex_encode(md5("payload")) + "&quot;");
  EXPECT_EQ(xml_element(response.body(), "LastModified"), format_iso8601(clock_->now()));
  EXPECT_FALSE(header(response, "x-amz-version-id").empty());
  EXPECT_FALSE(header(response, "x-amz-copy-source-version-id").empty());

  auto copied = get("copy.txt");
  EXPECT_EQ(copied.body(), "payload");
  EXPECT_EQ(header(copied, "Content-Type"), "text/plain");
  EXPECT_EQ(header(copied, "x-amz-meta-owner"), "alice");
}

TEST_F(StoreCopyTest, ReplaceDirectiveTakesNewMetadata) {
  ASSERT_EQ(put("a", "x", {{"x-amz-meta-owner", "alice"}}).result(), Status::ok);
  auto response = copy("satchel/a", "b",
                       {{"x-amz-metadata-directive", "REPLACE"},
                        {"Content-Type", "image/png"},
                        {"x-amz-meta-owner", "bob"}});
  ASSERT_EQ(response.result(), Status::ok) << response.body();
  auto copied = head("b");
  EXPECT_EQ(header(copied, "Content-Type"), "image/png");
  EXPECT_EQ(header(copied, "x-amz-meta-owner"), "bob");
}

TEST_F(StoreCopyTest, CopiesNamedVersion) {
  std::string first = header(put("a", "one"), "x-amz-version-id");
  ASSERT_EQ(put("a", "two").result(), Status::ok);
  auto response = copy("satchel/a?versionId=" + first, "b");
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(header(response, "x-amz-copy-source-version-id"), first);
  EXPECT_EQ(get("b").body(), "one");
}

TEST_F(StoreCopyTest, RestoringOldVersionOntoItselfIsAllowed) {
  std::string first = header(put("a", "one"), "x-amz-version-id");
  ASSERT_EQ(put("a", "two").result(), Status::ok);
  auto restore = copy("satchel/a?versionId=" + first, "a");
  EXPECT_EQ(restore.result(), Status::ok) << restore.body();
  EXPECT_EQ(get("a").body(), "one");
}

TEST_F(StoreCopyTest, CopyOntoItselfWithoutChangeIsInvalid) {
  ASSERT_EQ(put("a", "one").result(), Status::ok);
  auto response = copy("satchel/a", "a");
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "InvalidRequest");
  auto replaced = copy("satchel/a", "a", {{"x-amz-metadata-directive", "REPLACE"}});
  EXPECT_EQ(replaced.result(), Status::ok);
}

TEST_F(StoreCopyTest, SourceConditionsFailWith412) {
  ASSERT_EQ(put("a", "one").result(), Status::ok);
  std::string etag = "\"" + hex_encode(md5("one")) + "\"";
  EXPECT_EQ(copy("satchel/a", "b", {{"x-amz-copy-source-if-match", "\"other\""}}).result(),
            Status::precondition_failed);
  EXPECT_EQ(copy("satchel/a", "b", {{"x-amz-copy-source-if-none-match", etag}}).result(),
            Status::precondition_failed);
  EXPECT_EQ(copy("satchel/a", "b", {{"x-amz-copy-source-if-match", etag}}).result(), Status::ok);
  std::string later = format_http_date(clock_->now() + std::chrono::hours(1));
  EXPECT_EQ(copy("satchel/a", "c", {{"x-amz-copy-source-if-modified-since", later}}).result(),
            Status::precondition_failed);
  EXPECT_FALSE(store_->engine().head("satchel", "c", std::nullopt));
}

TEST_F(StoreCopyTest, DestinationPreconditionApplies) {
  ASSERT_EQ(put("a", "one").result(), Status::ok);
  ASSERT_EQ(put("b", "existing").result(), Status::ok);
  auto response = copy("satchel/a", "b", {{"If-None-Match", "*"}});
  EXPECT_EQ(response.result(), Status::precondition_failed);
  EXPECT_EQ(get("b").body(), "existing");
}

TEST_F(StoreCopyTest, MissingOrDeletedSourceIsNotFound) {
  EXPECT_EQ(copy("satchel/missing", "b").result(), Status::not_found);
  ASSERT_EQ(put("a", "one").result(), Status::ok);
  auto deleted = send(signed_request(Verb::delete_, object_path("a")));
  std::string marker = header(deleted, "x-amz-version-id");
  auto latest = copy("satchel/a", "b");
  EXPECT_EQ(latest.result(), Status::not_found);
  EXPECT_EQ(xml_element(latest.body(), "Code"), "NoSuchKey");
  auto by_id = copy("satchel/a?versionId=" + marker, "b");
  EXPECT_EQ(by_id.result(), Status::bad_request);
  EXPECT_EQ(copy("nobucket", "b").result(), Status::bad_request);
}

class StoreChecksumTest : public StoreServerTest {
 protected:
  static std::string checksum_of(ChecksumAlgorithm algorithm, std::string_view body) {
    return base64_encode(compute_checksum(algorithm, body));
  }
};

TEST_F(StoreChecksumTest, EveryAlgorithmIsVerifiedAndReturned) {
  std::string body = "checksummed bytes";
  for (auto algorithm : kChecksumAlgorithms) {
    std::string name(checksum_header(algorithm));
    std::string key = "sum-" + std::string(checksum_name(algorithm));
    std::string value = checksum_of(algorithm, body);
    auto stored = put(key, body, {{name, value}});
    ASSERT_EQ(stored.result(), Status::ok) << name << ": " << stored.body();
    EXPECT_EQ(header(stored, name), value) << name;

    auto plain = head(key);
    EXPECT_EQ(header(plain, name), "") << name;
    auto enabled = head(key, {{"x-amz-checksum-mode", "ENABLED"}});
    EXPECT_EQ(header(enabled, name), value) << name;
    EXPECT_EQ(header(enabled, "x-amz-checksum-type"), "FULL_OBJECT") << name;
    auto fetched = get(key, {{"x-amz-checksum-mode", "ENABLED"}});
    EXPECT_EQ(header(fetched, name), value) << name;
    auto ranged = get(key, {{"x-amz-checksum-mode", "ENABLED"}, {"Range", "bytes=0-1"}});
    EXPECT_EQ(header(ranged, name), "") << name;
  }
}

TEST_F(StoreChecksumTest, MismatchIsBadDigestAndStoresNothing) {
  for (auto algorithm : kChecksumAlgorithms) {
    std::string name(checksum_header(algorithm));
    auto response = put("bad", "body", {{name, checksum_of(algorithm, "other")}});
    EXPECT_EQ(response.result(), Status::bad_request) << name;
    EXPECT_EQ(xml_element(response.body(), "Code"), "BadDigest") << name;
  }
  EXPECT_FALSE(store_->engine().head("satchel", "bad", std::nullopt));
  EXPECT_EQ(count_files(store_->engine().objects_dir()), 0u);
  EXPECT_EQ(count_files(store_->engine().temp_dir()), 0u);
}

TEST_F(StoreChecksumTest, MalformedOrConflictingChecksumsAreInvalidRequest) {
  auto wrong_length = put("a", "x", {{"x-amz-checksum-crc32", base64_encode("12345")}});
  EXPECT_EQ(wrong_length.result(), Status::bad_request);
  EXPECT_EQ(xml_element(wrong_length.body(), "Code"), "InvalidRequest");
  auto two = put("a", "x",
                 {{"x-amz-checksum-crc32", checksum_of(ChecksumAlgorithm::kCrc32, "x")},
                  {"x-amz-checksum-sha1", checksum_of(ChecksumAlgorithm::kSha1, "x")}});
  EXPECT_EQ(two.result(), Status::bad_request);
  EXPECT_EQ(xml_element(two.body(), "Code"), "InvalidRequest");
  auto disagreeing = put("a", "x",
                         {{"x-amz-checksum-crc32", checksum_of(ChecksumAlgorithm::kCrc32, "x")},
                          {"x-amz-sdk-checksum-algorithm", "SHA256"}});
  EXPECT_EQ(disagreeing.result(), Status::bad_request);
  EXPECT_FALSE(store_->engine().head("satchel", "a", std::nullopt));
}

TEST_F(StoreChecksumTest, SdkAlgorithmAloneComputesChecksum) {
  auto response = put("a", "hello", {{"x-amz-sdk-checksum-algorithm", "CRC32C"}});
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(header(response, "x-amz-checksum-crc32c"),
            checksum_of(ChecksumAlgorithm::kCrc32c, "hello"));
}

TEST_F(StoreChecksumTest, CopyKeepsChecksum) {
  std::string value = checksum_of(ChecksumAlgorithm::kSha256, "hello");
  ASSERT_EQ(put("a", "hello", {{"x-amz-checksum-sha256", value}}).result(), Status::ok);
  auto copied =
      send(signed_request(Verb::put, object_path("b"), {}, {{"x-amz-copy-source", "satchel/a"}}));
  ASSERT_EQ(copied.result(), Status::ok);
  EXPECT_EQ(xml_element(copied.body(), "ChecksumSHA256"), value);
  EXPECT_EQ(header(head("b", {{"x-amz-checksum-mode", "ENABLED"}}), "x-amz-checksum-sha256"),
            value);
}

}  // namespace
}  // namespace satchel::store

namespace satchel::store {
namespace {

using http::Status;

class StoreSafetyHeaderTest : public StoreServerTest {};

TEST_F(StoreSafetyHeaderTest, ScriptableTypesAreSandboxed) {
  for (std::string type : {"image/svg+xml", "text/html", "Text/HTML; charset=utf-8",
                           "application/xhtml+xml", "text/xml", "application/x-unknown"}) {
    ASSERT_EQ(put("page", "<svg onload='x()'/>", {{"Content-Type", type}}).result(), Status::ok);
    auto response = get("page");
    EXPECT_EQ(header(response, "Content-Security-Policy"), "sandbox; default-src 'none'") << type;
    EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff") << type;
  }
}

TEST_F(StoreSafetyHeaderTest, InertTypesAreNotSniffed) {
  for (std::string type : {"image/png", "application/pdf", "video/mp4", "text/plain"}) {
    ASSERT_EQ(put("file", "bytes", {{"Content-Type", type}}).result(), Status::ok);
    auto response = get("file");
    EXPECT_EQ(header(response, "Content-Security-Policy"), "") << type;
    EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff") << type;
  }
}

TEST_F(StoreSafetyHeaderTest, ResponseTypeOverrideDecidesTheSandbox) {
  ASSERT_EQ(put("image", "bytes", {{"Content-Type", "image/png"}}).result(), Status::ok);
  auto response = get("image", {}, "response-content-type=text%2Fhtml");
  EXPECT_EQ(header(response, "Content-Type"), "text/html");
  EXPECT_EQ(header(response, "Content-Security-Policy"), "sandbox; default-src 'none'");
}

}  // namespace
}  // namespace satchel::store
