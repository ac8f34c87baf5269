#include "cli/bucket_init_settings.h"

#include <gtest/gtest.h>

#include <map>

namespace satchel::cli {
namespace {

// The environment a test gives resolve_credentials.
std::map<std::string, std::string>& test_environment() {
  static std::map<std::string, std::string> variables;
  return variables;
}

std::optional<std::string> read_test_environment(const std::string& name) {
  auto found = test_environment().find(name);
  if (found == test_environment().end()) return std::nullopt;
  return found->second;
}

class BucketInitSettings : public ::testing::Test {
 protected:
  void SetUp() override { test_environment().clear(); }
  config::Config config_;
};

TEST_F(BucketInitSettings, AbortDaysRoundUpToWholeDays) {
  config_.store.max_upload_age = std::chrono::hours(24 * 7 + 1);
  auto desired = desired_bucket_settings(config_, false);
  ASSERT_EQ(desired.lifecycle.size(), 1u);
  EXPECT_EQ(desired.lifecycle[0].abort_incomplete_upload_days, 8);

  config_.store.max_upload_age = std::chrono::seconds(60);
  desired = desired_bucket_settings(config_, false);
  EXPECT_EQ(desired.lifecycle[0].abort_incomplete_upload_days, 1);
}

TEST_F(BucketInitSettings, NoncurrentDaysAddARule) {
  config_.lifecycle.noncurrent_version_days = 30;
  auto desired = desired_bucket_settings(config_, false);
  ASSERT_EQ(desired.lifecycle.size(), 2u);
  EXPECT_EQ(desired.lifecycle[1].noncurrent_days, 30);
}

TEST_F(BucketInitSettings, NoncurrentDaysCoverLongestRetention) {
  config_.lifecycle.noncurrent_version_days = 30;
  auto desired = desired_bucket_settings(config_, false, std::chrono::days(365));
  ASSERT_EQ(desired.lifecycle.size(), 2u);
  EXPECT_EQ(desired.lifecycle[1].noncurrent_days, 365);

  desired = desired_bucket_settings(config_, false, std::chrono::days(7));
  ASSERT_EQ(desired.lifecycle.size(), 2u);
  EXPECT_EQ(desired.lifecycle[1].noncurrent_days, 30);

  config_.lifecycle.noncurrent_version_days = 0;
  desired = desired_bucket_settings(config_, false, std::chrono::days(365));
  EXPECT_EQ(desired.lifecycle.size(), 1u);
}

TEST_F(BucketInitSettings, CorsAllowsApiOriginAndWebOrigins) {
  config_.server.listen = "127.0.0.1:8080";
  config_.api.web_origins = {"https://app.example.com"};
  auto desired = desired_bucket_settings(config_, false);
  EXPECT_EQ(desired.cors.allowed_origins,
            (std::vector<std::string>{"http://127.0.0.1:8080", "http://localhost:8080",
                                      "https://app.example.com"}));

  config_.server.public_url = "https://satchel.example.com";
  desired = desired_bucket_settings(config_, false);
  EXPECT_EQ(desired.cors.allowed_origins,
            (std::vector<std::string>{"https://satchel.example.com", "https://app.example.com"}));
}

TEST_F(BucketInitSettings, EncryptionFollowsStoreSse) {
  EXPECT_EQ(desired_bucket_settings(config_, false).encryption,
            DefaultEncryption{.algorithm = "AES256"});
  config_.store.sse = "aws:kms";
  config_.store.sse_kms_key_id = "alias/satchel";
  EXPECT_EQ(desired_bucket_settings(config_, false).encryption,
            (DefaultEncryption{.algorithm = "aws:kms", .kms_key_id = "alias/satchel"}));
}

TEST_F(BucketInitSettings, ObjectLockOnlyWhenAsked) {
  config_.store.default_retention_mode = "COMPLIANCE";
  config_.store.default_retention_days = 10;
  EXPECT_FALSE(desired_bucket_settings(config_, false).object_lock);
  auto desired = desired_bucket_settings(config_, true);
  ASSERT_TRUE(desired.object_lock);
  EXPECT_EQ(*desired.object_lock,
            (ObjectLockSettings{.enabled = true, .mode = "COMPLIANCE", .days = 10}));
}

TEST_F(BucketInitSettings, EnvironmentCredentialsComeFirst) {
  test_environment() = {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                        {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                        {"AWS_SESSION_TOKEN", "token"}};
  config_.store.access_key_id = "AKIDCONFIG";
  config_.store.secret_access_key = Secret("config-secret");
  auto resolved = resolve_credentials(config_, read_test_environment);
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(resolved->credentials.secret_access_key.reveal(), "env-secret");
  ASSERT_TRUE(resolved->credentials.session_token);
  EXPECT_EQ(resolved->credentials.session_token->reveal(), "token");
  EXPECT_EQ(resolved->source, "AWS_ACCESS_KEY_ID");
}

TEST_F(BucketInitSettings, ConfigurationCredentialsAreNext) {
  test_environment() = {{"AWS_ACCESS_KEY_ID", "AKIDENV"}};  // no secret: not usable
  config_.store.access_key_id = "AKIDCONFIG";
  config_.store.secret_access_key = Secret("config-secret");
  auto resolved = resolve_credentials(config_, read_test_environment);
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->credentials.access_key_id, "AKIDCONFIG");
  EXPECT_FALSE(resolved->credentials.session_token);
}

TEST_F(BucketInitSettings, MissingCredentialsNameEverySource) {
  config_.data_dir = ::testing::TempDir() + "/bucket-init-no-store";
  auto resolved = resolve_credentials(config_, read_test_environment);
  ASSERT_FALSE(resolved);
  EXPECT_NE(resolved.error().find("AWS_ACCESS_KEY_ID"), std::string::npos) << resolved.error();
  EXPECT_NE(resolved.error().find("store.access_key_id"), std::string::npos) << resolved.error();
  EXPECT_NE(resolved.error().find("credentials.json"), std::string::npos) << resolved.error();
}

TEST_F(BucketInitSettings, EndpointFromFlagThenConfiguration) {
  EXPECT_EQ(resolve_endpoint(config_, ""), "http://127.0.0.1:9000");
  config_.store.public_url = "https://store.example.com";
  EXPECT_EQ(resolve_endpoint(config_, ""), "https://store.example.com");
  config_.store.endpoint = "https://s3.example.com";
  EXPECT_EQ(resolve_endpoint(config_, ""), "https://s3.example.com");
  EXPECT_EQ(resolve_endpoint(config_, "http://127.0.0.1:7480"), "http://127.0.0.1:7480");
}

}  // namespace
}  // namespace satchel::cli
