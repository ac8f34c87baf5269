#include "s3/post_policy.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/time_format.h"
#include "example_files.h"
#include "test_files.h"

namespace satchel::s3 {
namespace {

using namespace std::chrono_literals;

bool is_post_policy_example(const nlohmann::json& json) {
  return json.contains("input") && json["input"].contains("policy_base64");
}

testing::Example post_example() {
  auto examples = testing::examples_where(is_post_policy_example);
  EXPECT_EQ(examples.size(), 1u);
  return examples.at(0);
}

class PostPolicyTest : public ::testing::Test {
 protected:
  PostPolicyTest()
      : example_(post_example()),
        clock_(example_.time()),
        verifier_(VerifierConfig{.region = example_.region()}, lookup(), clock_) {
    for (const auto& field : example_.input().at("form_fields")) {
      fields_.push_back({field[0], field[1]});
    }
    fields_.push_back({"X-Amz-Signature", example_.expected().at("signature").get<std::string>()});
  }

  CredentialLookup lookup() {
    return [this](std::string_view access_key_id) -> std::optional<Credentials> {
      if (access_key_id != example_.credentials().access_key_id) return std::nullopt;
      return example_.credentials();
    };
  }

  std::string bucket() const { return example_.input().at("bucket"); }

  void set_field(std::string_view name, std::string value) {
    for (FormField& field : fields_) {
      if (equals_ignore_case(field.name, name)) {
        field.value = std::move(value);
        return;
      }
    }
    fields_.push_back({std::string(name), std::move(value)});
  }

  AuthError error_of(std::string_view bucket) {
    auto result = verifier_.verify(bucket, fields_);
    EXPECT_FALSE(result.has_value());
    return result.has_value() ? AuthError::kMissingAuthentication : result.error();
  }

  testing::Example example_;
  ManualClock clock_;
  PostPolicyVerifier verifier_;
  std::vector<FormField> fields_;
};

TEST_F(PostPolicyTest, SignatureMatchesDocumentation) {
  const auto& input = example_.input();
  SigningScope scope{input.at("date"), example_.region(), example_.service()};
  SigningKey key = derive_signing_key(example_.credentials().secret_access_key, scope);
  EXPECT_EQ(hex_encode(key.bytes()), example_.json.at("derived").at("signing_key_hex"));
  EXPECT_EQ(input.at("policy_base64"), example_.expected().at("string_to_sign"));
  EXPECT_EQ(base64_decode(input.at("policy_base64").get<std::string>()),
            input.at("policy_document").get<std::string>());
  EXPECT_EQ(post_policy_signature(key, input.at("policy_base64").get<std::string>()),
            example_.expected().at("signature"));
}

TEST_F(PostPolicyTest, AcceptsDocumentedForm) {
  auto result = verifier_.verify(bucket(), fields_);
  ASSERT_TRUE(result.has_value()) << describe(result.error());
  EXPECT_EQ(result->access_key_id, example_.credentials().access_key_id);
  EXPECT_EQ(result->key, "user/user1/${filename}");
  EXPECT_EQ(result->expiration, parse_iso8601("2015-12-30T12:00:00.000Z"));
  EXPECT_EQ(result->content_length_range, std::nullopt);
}

TEST_F(PostPolicyTest, RejectsTamperedSignature) {
  set_field("X-Amz-Signature", std::string(64, '0'));
  EXPECT_EQ(error_of(bucket()), AuthError::kSignatureDoesNotMatch);
}

TEST_F(PostPolicyTest, RejectsTamperedPolicy) {
  std::string policy = example_.input().at("policy_base64");
  set_field("Policy", base64_encode(*base64_decode(policy) + " "));
  EXPECT_EQ(error_of(bucket()), AuthError::kSignatureDoesNotMatch);
}

TEST_F(PostPolicyTest, RejectsExpiredPolicy) {
  clock_.set(*parse_iso8601("2015-12-30T12:00:00.000Z"));
  EXPECT_TRUE(verifier_.verify(bucket(), fields_).has_value());
  clock_.advance(1s);
  EXPECT_EQ(error_of(bucket()), AuthError::kPolicyExpired);
}

TEST_F(PostPolicyTest, RejectsKeyOutsidePrefix) {
  set_field("key", "user/user2/photo.jpg");
  EXPECT_EQ(error_of(bucket()), AuthError::kPolicyConditionFailed);
}

TEST_F(PostPolicyTest, RejectsOtherContentTypeOrBucket) {
  set_field("Content-Type", "text/html");
  EXPECT_EQ(error_of(bucket()), AuthError::kPolicyConditionFailed);
  set_field("Content-Type", "image/png, text/html");
  EXPECT_EQ(error_of(bucket()), AuthError::kPolicyConditionFailed);
  set_field("Content-Type", "image/png, image/gif");
  EXPECT_TRUE(verifier_.verify(bucket(), fields_).has_value());
  EXPECT_EQ(error_of("otherbucket"), AuthError::kPolicyConditionFailed);
}

TEST_F(PostPolicyTest, RejectsFieldWithoutCondition) {
  set_field("x-amz-meta-extra", "1");
  EXPECT_EQ(error_of(bucket()), AuthError::kPolicyConditionFailed);
}

TEST_F(PostPolicyTest, IgnoresExemptFields) {
  set_field("x-ignore-tracking", "1");
  set_field("file", "bytes");
  EXPECT_TRUE(verifier_.verify(bucket(), fields_).has_value());
}

TEST_F(PostPolicyTest, RejectsMissingOrRepeatedFields) {
  for (const char* name :
       {"Policy", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature", "key"}) {
    auto fields = fields_;
    std::erase_if(fields,
                  [&](const FormField& field) { return equals_ignore_case(field.name, name); });
    auto result = verifier_.verify(bucket(), fields);
    ASSERT_FALSE(result.has_value()) << name;
    EXPECT_EQ(result.error(), AuthError::kInvalidPolicyField) << name;
  }
  fields_.push_back({"KEY", "user/user1/other"});
  EXPECT_EQ(error_of(bucket()), AuthError::kInvalidPolicyField);
}

TEST_F(PostPolicyTest, RejectsOtherRegion) {
  PostPolicyVerifier other(VerifierConfig{.region = "eu-west-1"}, lookup(), clock_);
  auto result = other.verify(bucket(), fields_);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), AuthError::kCredentialScopeMismatch);
}

TEST_F(PostPolicyTest, RejectsUnknownAccessKey) {
  set_field("X-Amz-Credential", "AKIDUNKNOWN/20151229/us-east-1/s3/aws4_request");
  EXPECT_EQ(error_of(bucket()), AuthError::kInvalidAccessKeyId);
}

class PresignedPostPolicyTest : public ::testing::Test {
 protected:
  PresignedPostPolicyTest()
      : signer_({"AKIDEXAMPLE", Secret("secret"), {}}, "us-east-1", "s3"),
        clock_(*parse_amz_date("20240102T030405Z")),
        verifier_(
            VerifierConfig{.region = "us-east-1"},
            [this](std::string_view) -> std::optional<Credentials> {
              return signer_.credentials();
            },
            clock_) {}

  std::vector<FormField> form(const PostPolicyRequest& request) {
    auto fields = presign_post_policy(signer_, request);
    EXPECT_TRUE(fields.has_value());
    return fields.has_value() ? std::move(fields).value() : std::vector<FormField>{};
  }

  RequestSigner signer_;
  ManualClock clock_;
  PostPolicyVerifier verifier_;
};

TEST_F(PresignedPostPolicyTest, RoundTripsConditionsAndLengthRange) {
  std::vector<PostPolicyCondition> conditions = {
      {PostPolicyCondition::Kind::kEquals, "key", "org/user/avatar.jpg"},
      {PostPolicyCondition::Kind::kStartsWith, "Content-Type", "image/"}};
  auto fields = form({.bucket = "satchel",
                      .conditions = conditions,
                      .content_length_range = ContentLengthRange{1, 1048576},
                      .expires = 600s,
                      .time = clock_.now()});
  fields.push_back({"key", "org/user/avatar.jpg"});
  fields.push_back({"Content-Type", "image/jpeg"});
  auto result = verifier_.verify("satchel", fields);
  ASSERT_TRUE(result.has_value()) << describe(result.error());
  EXPECT_EQ(result->content_length_range, (ContentLengthRange{1, 1048576}));
  EXPECT_EQ(result->expiration, clock_.now() + 600s);

  fields.back().value = "text/plain";
  auto rejected = verifier_.verify("satchel", fields);
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error(), AuthError::kPolicyConditionFailed);

  clock_.advance(601s);
  fields.back().value = "image/jpeg";
  auto expired = verifier_.verify("satchel", fields);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error(), AuthError::kPolicyExpired);
}

TEST_F(PresignedPostPolicyTest, RejectsExpiryOutOfRange) {
  auto fields = presign_post_policy(signer_, {.bucket = "b", .expires = 0s, .time = clock_.now()});
  ASSERT_FALSE(fields.has_value());
  EXPECT_EQ(fields.error(), SigningError::kInvalidExpiry);
}

TEST_F(PresignedPostPolicyTest, RejectsInvalidDocument) {
  // A policy without conditions, correctly signed.
  std::string policy = base64_encode(R"({"expiration": "2030-01-01T00:00:00.000Z"})");
  SigningScope scope = signer_.scope_at(clock_.now());
  std::vector<FormField> fields = {
      {"key", "k"},
      {"Policy", policy},
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Credential", "AKIDEXAMPLE/" + scope.credential_scope()},
      {"X-Amz-Date", "20240102T030405Z"},
      {"X-Amz-Signature", post_policy_signature(signer_.signing_key(scope), policy)}};
  auto result = verifier_.verify("b", fields);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), AuthError::kInvalidPolicyDocument);
}

}  // namespace
}  // namespace satchel::s3
