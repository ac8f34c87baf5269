// Encryption at rest as S3 clients see it: the SSE headers, the refusal of
// SSE-KMS and SSE-C, and a damaged data file that never reaches the client.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/crypto.h"
#include "store/encryption.h"
#include "store_fixture.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;

constexpr uint64_t kSegment = kSegmentPlaintextBytes;

class StoreEncryptionTest : public StoreServerTest {
 protected:
  Expected<http::Response, std::string> try_send(http::ClientRequest request) {
    http::ClientOptions options;
    options.timeout = std::chrono::seconds(60);
    options.max_response_bytes = 16ULL << 20;
    http::Client client(io_.get_executor(), options);
    std::promise<Expected<http::Response, std::string>> promise;
    auto future = promise.get_future();
    boost::asio::co_spawn(
        io_,
        [&]() -> boost::asio::awaitable<void> {
          promise.set_value(co_await client.send(endpoint_, request));
        },
        boost::asio::detached);
    return future.get();
  }

  // Flips one bit of the data file of key at offset.
  void flip_byte(const std::string& key, uint64_t offset) {
    auto version = store_->engine().head("satchel", key, std::nullopt);
    ASSERT_TRUE(version);
    auto path = store_->engine().object_path(version->file_id);
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(offset));
    char byte = 0;
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x01);
    file.seekp(static_cast<std::streamoff>(offset));
    file.write(&byte, 1);
  }

  static uint64_t segment_offset(uint64_t index) {
    return kEncryptionHeaderBytes + index * (kSegment + kSegmentTagBytes);
  }
};

TEST_F(StoreEncryptionTest, PutReportsAes256) {
  auto response = put("a.txt", "hello");
  ASSERT_EQ(response.result(), Status::ok);
  EXPECT_EQ(header(response, "x-amz-server-side-encryption"), "AES256");
}

TEST_F(StoreEncryptionTest, HeadAndGetReportAes256) {
  ASSERT_EQ(put("a.txt", "hello").result(), Status::ok);
  EXPECT_EQ(header(head("a.txt"), "x-amz-server-side-encryption"), "AES256");
  auto read = get("a.txt");
  EXPECT_EQ(read.body(), "hello");
  EXPECT_EQ(header(read, "x-amz-server-side-encryption"), "AES256");
}

TEST_F(StoreEncryptionTest, PutAskingForAes256IsAccepted) {
  auto response = put("a.txt", "x", {{"x-amz-server-side-encryption", "AES256"}});
  EXPECT_EQ(response.result(), Status::ok);
}

TEST_F(StoreEncryptionTest, PutAskingForKmsIsNotImplemented) {
  auto response = put("a.txt", "x", {{"x-amz-server-side-encryption", "aws:kms"}});
  EXPECT_EQ(response.result(), Status::not_implemented);
  EXPECT_EQ(xml_element(response.body(), "Code"), "NotImplemented");
  EXPECT_FALSE(store_->engine().head("satchel", "a.txt", std::nullopt));
}

TEST_F(StoreEncryptionTest, PutWithCustomerKeyIsNotImplemented) {
  auto response =
      put("a.txt", "x",
          {{"x-amz-server-side-encryption-customer-algorithm", "AES256"},
           {"x-amz-server-side-encryption-customer-key", base64_encode(random_bytes(32))}});
  EXPECT_EQ(response.result(), Status::not_implemented);
  EXPECT_FALSE(store_->engine().head("satchel", "a.txt", std::nullopt));
}

TEST_F(StoreEncryptionTest, UnknownMethodIsInvalidArgument) {
  auto response = put("a.txt", "x", {{"x-amz-server-side-encryption", "DES"}});
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "InvalidArgument");
}

TEST_F(StoreEncryptionTest, MultipartWithKmsIsNotImplemented) {
  auto response = send(signed_request(Verb::post, object_path("big") + "?uploads", {},
                                      {{"x-amz-server-side-encryption", "aws:kms"}}));
  EXPECT_EQ(response.result(), Status::not_implemented);
}

TEST_F(StoreEncryptionTest, GetWithCustomerKeyIsInvalidRequest) {
  ASSERT_EQ(put("a.txt", "x").result(), Status::ok);
  auto response = get("a.txt", {{"x-amz-server-side-encryption-customer-algorithm", "AES256"}});
  EXPECT_EQ(response.result(), Status::bad_request);
  EXPECT_EQ(xml_element(response.body(), "Code"), "InvalidRequest");
}

TEST_F(StoreEncryptionTest, RangeAcrossSegmentsReads) {
  std::string body = random_bytes(3 * kSegment);
  ASSERT_EQ(put("a.bin", body).result(), Status::ok);
  uint64_t first = kSegment - 5;
  uint64_t last = 2 * kSegment + 5;
  auto response =
      get("a.bin", {{"Range", "bytes=" + std::to_string(first) + "-" + std::to_string(last)}});
  ASSERT_EQ(response.result(), Status::partial_content);
  EXPECT_EQ(response.body(), body.substr(first, last - first + 1));
}

TEST_F(StoreEncryptionTest, TamperedFirstSegmentIs500) {
  std::string body(2 * kSegment, 'p');
  ASSERT_EQ(put("a.bin", body).result(), Status::ok);
  flip_byte("a.bin", segment_offset(0) + 10);

  auto response = get("a.bin");
  EXPECT_EQ(response.result(), Status::internal_server_error);
  EXPECT_EQ(xml_element(response.body(), "Code"), "InternalError");
  EXPECT_EQ(response.body().find("pppp"), std::string::npos);
}

TEST_F(StoreEncryptionTest, TamperedRangeStartIs500) {
  std::string body = random_bytes(3 * kSegment);
  ASSERT_EQ(put("a.bin", body).result(), Status::ok);
  flip_byte("a.bin", segment_offset(2) + 1);

  auto response = get("a.bin", {{"Range", "bytes=" + std::to_string(2 * kSegment) + "-"}});
  EXPECT_EQ(response.result(), Status::internal_server_error);
}

TEST_F(StoreEncryptionTest, TamperedLaterSegmentAborts) {
  std::string body = random_bytes(3 * kSegment);
  ASSERT_EQ(put("a.bin", body).result(), Status::ok);
  flip_byte("a.bin", segment_offset(2) + 100);

  auto response = try_send(signed_request(Verb::get, object_path("a.bin")));
  // The server closes the connection before Content-Length bytes went out,
  // so the client reports a failed transfer instead of a body.
  EXPECT_FALSE(response);
}

TEST_F(StoreEncryptionTest, UntamperedRangeStillReads) {
  std::string body = random_bytes(3 * kSegment);
  ASSERT_EQ(put("a.bin", body).result(), Status::ok);
  flip_byte("a.bin", segment_offset(2) + 100);

  auto response = get("a.bin", {{"Range", "bytes=0-" + std::to_string(kSegment - 1)}});
  ASSERT_EQ(response.result(), Status::partial_content);
  EXPECT_EQ(response.body(), body.substr(0, kSegment));
}

Expected<std::unique_ptr<Store>, std::string> open_with_key(const std::filesystem::path& data_dir,
                                                            boost::asio::thread_pool& pool,
                                                            std::string base64_key) {
  StoreOptions options;
  options.data_dir = data_dir;
  options.master_key = Secret(std::move(base64_key));
  options.key_check_interval = std::chrono::seconds(0);
  return Store::open(options, pool);
}

TEST(StoreMasterKey, ConfiguredKeyCreatesNoKeyFile) {
  TempDir dir;
  boost::asio::thread_pool pool(1);
  auto store = open_with_key(dir.path(), pool, base64_encode(random_bytes(kMasterKeyBytes)));
  ASSERT_TRUE(store) << store.error();
  ASSERT_TRUE((*store)->engine().put("satchel", "a", "bytes"));
  EXPECT_EQ(*(*store)->engine().read_object("satchel", "a", std::nullopt), "bytes");
  EXPECT_FALSE(std::filesystem::exists(master_key_path(dir.path())));
}

TEST(StoreMasterKey, ShortConfiguredKeyStopsStore) {
  TempDir dir;
  boost::asio::thread_pool pool(1);
  auto store = open_with_key(dir.path(), pool, base64_encode(random_bytes(16)));
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error(), "store.master_key must be base64 of 32 bytes");
}

}  // namespace
}  // namespace satchel::store
