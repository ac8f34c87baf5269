// S3Gateway's own object calls (ranged GET, PUT and versioned DELETE)
// against a running embedded store, signed with the store's API key as
// satchel serve does.
#include "app/s3_gateway.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <future>

#include "../store/store_fixture.h"

namespace satchel::app {
namespace {

class S3GatewayTest : public store::StoreServerTest {
 protected:
  void SetUp() override {
    StoreServerTest::SetUp();
    const store::AccessKey& key = store_->credentials().api;
    auto created =
        S3Gateway::create({.url = endpoint_,
                           .bucket = std::string(store::kDefaultBucket),
                           .credentials = {key.access_key_id, key.secret_access_key, std::nullopt}},
                          io_.get_executor(), *clock_);
    ASSERT_TRUE(created) << created.error();
    gateway_ = std::move(*created);
  }

  // Runs a gateway coroutine on the fixture's I/O thread and waits for it.
  template <class Call>
  auto run(Call call) {
    using Result = typename decltype(call())::value_type;
    std::promise<Result> promise;
    auto future = promise.get_future();
    boost::asio::co_spawn(
        io_, [&]() -> boost::asio::awaitable<void> { promise.set_value(co_await call()); },
        boost::asio::detached);
    return future.get();
  }

  Expected<ObjectHead, StoreError> put(const std::string& key, std::string body,
                                       const std::string& upload_id = "") {
    return run([&] { return gateway_->put_object(key, body, "image/png", upload_id); });
  }

  Expected<std::string, StoreError> get_range(const std::string& key, const std::string& version,
                                              uint64_t first_byte, uint64_t max_bytes) {
    return run([&] { return gateway_->get_range(key, version, first_byte, max_bytes); });
  }

  std::unique_ptr<S3Gateway> gateway_;
};

TEST_F(S3GatewayTest, PutObjectReturnsHeadOfNewVersion) {
  auto stored = put("acme/alice/avatar", "thumbnail bytes", "upload-1");
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->size, 15U);
  EXPECT_EQ(stored->content_type, "image/png");
  EXPECT_EQ(stored->upload_id, "upload-1");
  EXPECT_FALSE(stored->version_id.empty());
  EXPECT_FALSE(stored->etag.empty());
}

TEST_F(S3GatewayTest, GetRangeReadsOneVersion) {
  auto first = put("acme/alice/notes", "first version");
  auto second = put("acme/alice/notes", "second version");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  auto old = get_range("acme/alice/notes", first->version_id, 0, 100);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(*old, "first version");
  auto latest = get_range("acme/alice/notes", "", 0, 100);
  ASSERT_TRUE(latest) << latest.error().message;
  EXPECT_EQ(*latest, "second version");
}

TEST_F(S3GatewayTest, GetRangeStopsAtMaxBytes) {
  auto stored = put("acme/alice/notes", "0123456789");
  ASSERT_TRUE(stored);
  auto window = get_range("acme/alice/notes", stored->version_id, 2, 4);
  ASSERT_TRUE(window) << window.error().message;
  EXPECT_EQ(*window, "2345");
  auto tail = get_range("acme/alice/notes", stored->version_id, 8, 100);
  ASSERT_TRUE(tail) << tail.error().message;
  EXPECT_EQ(*tail, "89");
}

TEST_F(S3GatewayTest, GetRangeOfEmptyObjectIsEmpty) {
  auto stored = put("acme/alice/empty", "");
  ASSERT_TRUE(stored) << stored.error().message;
  auto bytes = get_range("acme/alice/empty", stored->version_id, 0, 10);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(*bytes, "");
}

TEST_F(S3GatewayTest, GetRangeOfMissingKeyIsNotFound) {
  auto bytes = get_range("acme/alice/missing", "", 0, 10);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, StoreErrorCode::kNotFound);
}

TEST_F(S3GatewayTest, RemoveVersionDeletesOnlyThatVersion) {
  auto first = put("acme/alice/notes", "keep me");
  auto second = put("acme/alice/notes", "delete me");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  // The coroutine holds references to its arguments, so they must outlive it.
  std::string key = "acme/alice/notes";
  auto removed = run([&] { return gateway_->remove_version(key, second->version_id); });
  ASSERT_TRUE(removed) << removed.error().message;

  auto gone = get_range("acme/alice/notes", second->version_id, 0, 100);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, StoreErrorCode::kNotFound);
  // No delete marker was added, so the older version is the latest again.
  auto latest = get_range("acme/alice/notes", "", 0, 100);
  ASSERT_TRUE(latest) << latest.error().message;
  EXPECT_EQ(*latest, "keep me");
}

TEST_F(S3GatewayTest, ListKeyVersionsListsOnlyThatKey) {
  auto first = put("acme/alice/notes", "first");
  auto second = put("acme/alice/notes", "second");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  // Keys that start with the key, or that it starts with, are other keys.
  ASSERT_TRUE(put("acme/alice/notes.txt", "sibling"));
  ASSERT_TRUE(put("acme/alice/note", "shorter"));
  // The coroutine holds references to its arguments, so they must outlive it.
  std::string key = "acme/alice/notes";
  auto marker = run([&] { return gateway_->remove(key); });
  ASSERT_TRUE(marker) << marker.error().message;

  auto listed = run([&] { return gateway_->list_key_versions(key, 10); });
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_FALSE(listed->truncated);
  ASSERT_EQ(listed->versions.size(), 3U);
  EXPECT_EQ(listed->versions[0].version_id, *marker);
  EXPECT_TRUE(listed->versions[0].is_delete_marker);
  EXPECT_TRUE(listed->versions[0].is_latest);
  EXPECT_EQ(listed->versions[1].version_id, second->version_id);
  EXPECT_FALSE(listed->versions[1].is_delete_marker);
  EXPECT_EQ(listed->versions[2].version_id, first->version_id);
  for (const s3::StoreVersion& version : listed->versions) EXPECT_EQ(version.key, key);
}

TEST_F(S3GatewayTest, ListKeyVersionsStopsAtMaximum) {
  std::vector<std::string> version_ids;
  for (int i = 0; i < 4; ++i) {
    auto stored = put("acme/alice/notes", "version " + std::to_string(i));
    ASSERT_TRUE(stored) << stored.error().message;
    version_ids.insert(version_ids.begin(), stored->version_id);
  }
  ASSERT_TRUE(put("acme/alice/notes2", "sibling"));
  std::string key = "acme/alice/notes";

  auto cut = run([&] { return gateway_->list_key_versions(key, 3); });
  ASSERT_TRUE(cut) << cut.error().message;
  EXPECT_TRUE(cut->truncated);
  ASSERT_EQ(cut->versions.size(), 3U);
  EXPECT_EQ(cut->versions[0].version_id, version_ids[0]);
  EXPECT_EQ(cut->versions[2].version_id, version_ids[2]);

  auto exact = run([&] { return gateway_->list_key_versions(key, 4); });
  ASSERT_TRUE(exact) << exact.error().message;
  EXPECT_FALSE(exact->truncated);
  ASSERT_EQ(exact->versions.size(), 4U);
  EXPECT_EQ(exact->versions[3].version_id, version_ids[3]);
}

TEST_F(S3GatewayTest, ListKeyVersionsFollowsPages) {
  // One more version than a ListObjectVersions page contains, so the listing needs a second page.
  constexpr int kVersions = 1001;
  std::string key = "acme/alice/notes";
  std::string oldest;
  for (int i = 0; i < kVersions; ++i) {
    auto stored = put(key, "v");
    ASSERT_TRUE(stored) << stored.error().message;
    if (i == 0) oldest = stored->version_id;
  }
  ASSERT_TRUE(put("acme/alice/notes.txt", "sibling"));

  auto listed = run([&] { return gateway_->list_key_versions(key, 2000); });
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_FALSE(listed->truncated);
  ASSERT_EQ(listed->versions.size(), std::size_t{kVersions});
  EXPECT_EQ(listed->versions.back().version_id, oldest);
  for (const s3::StoreVersion& version : listed->versions) EXPECT_EQ(version.key, key);
}

TEST_F(S3GatewayTest, ListKeyVersionsOfMissingKeyIsEmpty) {
  ASSERT_TRUE(put("acme/alice/notes.txt", "sibling"));
  std::string key = "acme/alice/notes";
  auto listed = run([&] { return gateway_->list_key_versions(key, 10); });
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_TRUE(listed->versions.empty());
  EXPECT_FALSE(listed->truncated);
}

TEST_F(S3GatewayTest, ListKeyVersionsDeniedOutsideKeyPolicy) {
  // The API key may list only its own bucket.
  const store::AccessKey& api = store_->credentials().api;
  auto created =
      S3Gateway::create({.url = endpoint_,
                         .bucket = "other",
                         .credentials = {api.access_key_id, api.secret_access_key, std::nullopt}},
                        io_.get_executor(), *clock_);
  ASSERT_TRUE(created) << created.error();
  std::string key = "acme/alice/notes";
  auto denied = run([&] { return (*created)->list_key_versions(key, 10); });
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, StoreErrorCode::kDenied);
}

// A gateway like serve's with store.sse (and store.sse_kms_key_id) set.
std::unique_ptr<S3Gateway> make_sse_gateway(const http::Url& endpoint, const store::AccessKey& key,
                                            boost::asio::io_context& io, const Clock& clock,
                                            std::string sse, std::string kms_key_id = "") {
  auto created =
      S3Gateway::create({.url = endpoint,
                         .bucket = std::string(store::kDefaultBucket),
                         .credentials = {key.access_key_id, key.secret_access_key, std::nullopt},
                         .sse = std::move(sse),
                         .sse_kms_key_id = std::move(kms_key_id)},
                        io.get_executor(), clock);
  EXPECT_TRUE(created) << created.error();
  return created ? std::move(*created) : nullptr;
}

std::string query_value(const std::string& url, const std::string& name) {
  size_t start = url.find(name + "=");
  if (start == std::string::npos) return {};
  start += name.size() + 1;
  return url.substr(start, url.find('&', start) - start);
}

// The path and query of a presigned URL, as the request target.
std::string target_of(const std::string& url) { return url.substr(url.find('/', 8)); }

TEST_F(S3GatewayTest, PresignPutSignsEncryptionHeader) {
  auto gateway = make_sse_gateway(endpoint_, store_->credentials().api, io_, *clock_, "AES256");
  ASSERT_TRUE(gateway);
  PutConditions conditions{.content_type = "application/json", .server_side_encryption = true};
  auto presigned = gateway->presign_put("acme/alice/a.json", conditions, std::chrono::seconds(60),
                                        clock_->now());
  EXPECT_EQ(query_value(presigned.url, "X-Amz-SignedHeaders"),
            "content-type%3Bhost%3Bx-amz-server-side-encryption");
  std::vector<std::pair<std::string, std::string>> expected_headers{
      {"Content-Type", "application/json"}, {"x-amz-server-side-encryption", "AES256"}};
  EXPECT_EQ(presigned.headers, expected_headers);

  conditions.server_side_encryption = false;
  auto plain = gateway->presign_put("acme/alice/a.json", conditions, std::chrono::seconds(60),
                                    clock_->now());
  EXPECT_EQ(query_value(plain.url, "X-Amz-SignedHeaders"), "content-type%3Bhost");
  EXPECT_NE(query_value(plain.url, "X-Amz-Signature"),
            query_value(presigned.url, "X-Amz-Signature"));
}

TEST_F(S3GatewayTest, PresignPutSignsKmsKeyId) {
  auto gateway =
      make_sse_gateway(endpoint_, store_->credentials().api, io_, *clock_, "aws:kms", "key-7");
  ASSERT_TRUE(gateway);
  auto presigned = gateway->presign_put("acme/alice/a.json", {.server_side_encryption = true},
                                        std::chrono::seconds(60), clock_->now());
  EXPECT_EQ(query_value(presigned.url, "X-Amz-SignedHeaders"),
            "host%3Bx-amz-server-side-encryption%3Bx-amz-server-side-encryption-aws-kms-key-id");
  std::vector<std::pair<std::string, std::string>> expected_headers{
      {"x-amz-server-side-encryption", "aws:kms"},
      {"x-amz-server-side-encryption-aws-kms-key-id", "key-7"}};
  EXPECT_EQ(presigned.headers, expected_headers);
}

TEST_F(S3GatewayTest, PresignPutWithoutSseSignsNoEncryption) {
  auto presigned = gateway_->presign_put("acme/alice/a.json", {.server_side_encryption = true},
                                         std::chrono::seconds(60), clock_->now());
  EXPECT_EQ(query_value(presigned.url, "X-Amz-SignedHeaders"), "host");
  EXPECT_TRUE(presigned.headers.empty());
}

TEST_F(S3GatewayTest, StoreRejectsPutMissingEncryptionHeader) {
  auto gateway = make_sse_gateway(endpoint_, store_->credentials().api, io_, *clock_, "AES256");
  ASSERT_TRUE(gateway);
  auto presigned = gateway->presign_put("acme/alice/a.json", {.server_side_encryption = true},
                                        std::chrono::seconds(60), clock_->now());

  http::ClientRequest without{
      .method = http::Verb::put, .target = target_of(presigned.url), .body = "{}"};
  auto rejected = send(without);
  EXPECT_EQ(rejected.result_int(), 403U) << rejected.body();

  http::ClientRequest with = without;
  with.headers = presigned.headers;
  auto stored = send(with);
  EXPECT_EQ(stored.result_int(), 200U) << stored.body();
  auto encryption = stored.find("x-amz-server-side-encryption");
  ASSERT_NE(encryption, stored.end());
  EXPECT_EQ(encryption->value(), "AES256");
}

TEST_F(S3GatewayTest, PutObjectSendsEncryptionHeader) {
  auto gateway = make_sse_gateway(endpoint_, store_->credentials().api, io_, *clock_, "aws:kms");
  ASSERT_TRUE(gateway);
  // The embedded store rejects SSE-KMS, which proves the header was sent.
  // The coroutine holds references to its arguments, so they must outlive it.
  std::string key = "acme/alice/avatar";
  std::string type = "image/png";
  std::string no_upload_id;
  auto stored = run([&] { return gateway->put_object(key, "bytes", type, no_upload_id); });
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, StoreErrorCode::kProtocol);
  EXPECT_NE(stored.error().message.find("501"), std::string::npos) << stored.error().message;
}

}  // namespace
}  // namespace satchel::app
