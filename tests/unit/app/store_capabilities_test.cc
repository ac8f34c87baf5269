#include "app/store_capabilities.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace satchel::app {
namespace {

// The statuses an S3 store that honours conditional PUT returns.
ConditionalWriteObservation s3_conditional_answers() {
  return {.create_only_status = 412, .stale_match_status = 412, .current_match_status = 200};
}

ChecksumObservation s3_checksum_answers() {
  return {.wrong_checksum_status = 400,
          .right_checksum_status = 200,
          .sent_checksum = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
          .returned_checksum = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="};
}

TEST(ConditionalWritesHonoured, AcceptsS3Answers) {
  EXPECT_TRUE(conditional_writes_honoured(s3_conditional_answers()));
}

TEST(ConditionalWritesHonoured, RejectsIgnoredIfNoneMatch) {
  ConditionalWriteObservation observed = s3_conditional_answers();
  observed.create_only_status = 200;
  EXPECT_FALSE(conditional_writes_honoured(observed));
}

TEST(ConditionalWritesHonoured, RejectsIgnoredStaleIfMatch) {
  ConditionalWriteObservation observed = s3_conditional_answers();
  observed.stale_match_status = 200;
  EXPECT_FALSE(conditional_writes_honoured(observed));
}

// Ceph 16.2 RGW on a versioned bucket: If-None-Match is ignored and every
// If-Match fails, the current ETag too.
TEST(ConditionalWritesHonoured, RejectsPacificRgwAnswers) {
  ConditionalWriteObservation observed{
      .create_only_status = 200, .stale_match_status = 412, .current_match_status = 412};
  EXPECT_FALSE(conditional_writes_honoured(observed));
}

TEST(ConditionalWritesHonoured, RejectsFailedCurrentIfMatch) {
  ConditionalWriteObservation observed = s3_conditional_answers();
  observed.current_match_status = 412;
  EXPECT_FALSE(conditional_writes_honoured(observed));
}

TEST(ConditionalWritesHonoured, RejectsErrorStatusesInPlaceOf412) {
  ConditionalWriteObservation observed = s3_conditional_answers();
  observed.create_only_status = 501;
  EXPECT_FALSE(conditional_writes_honoured(observed));
  observed = s3_conditional_answers();
  observed.stale_match_status = 400;
  EXPECT_FALSE(conditional_writes_honoured(observed));
}

TEST(ChecksumsHonoured, AcceptsS3Answers) {
  EXPECT_TRUE(checksums_honoured(s3_checksum_answers()));
}

TEST(ChecksumsHonoured, RejectsStoredWrongChecksum) {
  ChecksumObservation observed = s3_checksum_answers();
  observed.wrong_checksum_status = 200;
  EXPECT_FALSE(checksums_honoured(observed));
}

TEST(ChecksumsHonoured, RejectsRejectedRightChecksum) {
  ChecksumObservation observed = s3_checksum_answers();
  observed.right_checksum_status = 400;
  EXPECT_FALSE(checksums_honoured(observed));
}

TEST(ChecksumsHonoured, RejectsMissingChecksumOnHead) {
  ChecksumObservation observed = s3_checksum_answers();
  observed.returned_checksum.clear();
  EXPECT_FALSE(checksums_honoured(observed));
}

TEST(ChecksumsHonoured, RejectsDifferentChecksumOnHead) {
  ChecksumObservation observed = s3_checksum_answers();
  observed.returned_checksum = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  EXPECT_FALSE(checksums_honoured(observed));
}

TEST(ChecksumsHonoured, RejectsOtherClientError) {
  ChecksumObservation observed = s3_checksum_answers();
  observed.wrong_checksum_status = 403;
  EXPECT_FALSE(checksums_honoured(observed));
}

TEST(DecideCapability, OnIgnoresTheProbe) {
  EXPECT_TRUE(decide_capability(CapabilitySetting::kOn, std::nullopt));
  EXPECT_TRUE(decide_capability(CapabilitySetting::kOn, false));
}

TEST(DecideCapability, OffIgnoresTheProbe) {
  EXPECT_FALSE(decide_capability(CapabilitySetting::kOff, std::nullopt));
  EXPECT_FALSE(decide_capability(CapabilitySetting::kOff, true));
}

TEST(DecideCapability, AutoFollowsTheProbe) {
  EXPECT_TRUE(decide_capability(CapabilitySetting::kAuto, true));
  EXPECT_FALSE(decide_capability(CapabilitySetting::kAuto, false));
}

TEST(DecideCapability, AutoWithoutProbeResultIsOff) {
  EXPECT_FALSE(decide_capability(CapabilitySetting::kAuto, std::nullopt));
}

TEST(CapabilitySettingName, NamesEverySetting) {
  EXPECT_EQ(capability_setting_name(CapabilitySetting::kAuto), "auto");
  EXPECT_EQ(capability_setting_name(CapabilitySetting::kOn), "on");
  EXPECT_EQ(capability_setting_name(CapabilitySetting::kOff), "off");
}

TEST(ProbeKeyPrefix, CannotBeAUserKey) {
  // User keys are "{tenant}/{subject}/{name}": at least two slashes.
  std::string key = std::string(kProbeKeyPrefix) + "conditional-abc";
  EXPECT_EQ(std::count(key.begin(), key.end(), '/'), 1);
}

TEST(EmbeddedStoreCapabilities, AutoTurnsBothOn) {
  StoreCapabilities decided =
      decide_embedded_store_capabilities(CapabilitySetting::kAuto, CapabilitySetting::kAuto);
  EXPECT_TRUE(decided.conditional_writes);
  EXPECT_TRUE(decided.checksums);
}

TEST(EmbeddedStoreCapabilities, OffStaysOff) {
  StoreCapabilities decided =
      decide_embedded_store_capabilities(CapabilitySetting::kOff, CapabilitySetting::kAuto);
  EXPECT_FALSE(decided.conditional_writes);
  EXPECT_TRUE(decided.checksums);
  decided = decide_embedded_store_capabilities(CapabilitySetting::kOn, CapabilitySetting::kOff);
  EXPECT_TRUE(decided.conditional_writes);
  EXPECT_FALSE(decided.checksums);
}

}  // namespace
}  // namespace satchel::app
