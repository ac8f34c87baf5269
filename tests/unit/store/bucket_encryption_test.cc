#include "store/bucket_encryption.h"

#include <gtest/gtest.h>

namespace satchel::store {
namespace {

std::string configuration(std::string_view algorithm, std::string_view extra = {}) {
  return "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
         "<SSEAlgorithm>" +
         std::string(algorithm) + "</SSEAlgorithm>" + std::string(extra) +
         "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled>"
         "</Rule></ServerSideEncryptionConfiguration>";
}

TEST(BucketEncryption, AcceptsAes256AndRoundTrips) {
  auto parsed = parse_encryption_document(configuration("AES256"));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->bucket_key_enabled);
  auto again = parse_encryption_document(encryption_document(*parsed));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *parsed);
  EXPECT_NE(encryption_document({}).find("<SSEAlgorithm>AES256</SSEAlgorithm>"), std::string::npos);
}

TEST(BucketEncryption, RejectsKmsAsNotImplemented) {
  for (auto algorithm : {"aws:kms", "aws:kms:dsse"}) {
    auto parsed = parse_encryption_document(configuration(algorithm));
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, "NotImplemented");
    EXPECT_EQ(parsed.error().status, http::Status::not_implemented);
  }
}

TEST(BucketEncryption, RejectsInvalidDocuments) {
  EXPECT_EQ(parse_encryption_document(configuration("AES128")).error().code, "MalformedXML");
  EXPECT_EQ(parse_encryption_document(configuration("AES256", "<KMSMasterKeyID>k</KMSMasterKeyID>"))
                .error()
                .code,
            "InvalidArgument");
  EXPECT_EQ(parse_encryption_document("<ServerSideEncryptionConfiguration>"
                                      "</ServerSideEncryptionConfiguration>")
                .error()
                .code,
            "MalformedXML");
  EXPECT_EQ(parse_encryption_document("<ServerSideEncryptionConfiguration><Rule>"
                                      "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256"
                                      "</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
                                      "<BucketKeyEnabled>yes</BucketKeyEnabled></Rule>"
                                      "</ServerSideEncryptionConfiguration>")
                .error()
                .code,
            "MalformedXML");
}

}  // namespace
}  // namespace satchel::store
