#include "meta/record_validation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/time_format.h"

namespace satchel::meta {
namespace {

using namespace std::chrono_literals;

PendingUpload valid_upload() {
  PendingUpload upload;
  upload.id = "upload-1";
  upload.tenant = "acme";
  upload.owner = "user-1";
  upload.name = "attachments/avatar.jpg";
  upload.key = "acme/user-1/attachments/avatar.jpg";
  upload.content_type = "image/jpeg";
  upload.size = 1024;
  upload.created_at = from_unix_seconds(1'700'000'000);
  upload.expires_at = upload.created_at + 15min;
  return upload;
}

TEST(ValidateNewUpload, AcceptsWellFormedUpload) {
  EXPECT_TRUE(validate_new_upload(valid_upload()).has_value());
}

TEST(ValidateNewUpload, RejectsEachMalformedField) {
  struct Case {
    std::string description;
    std::function<void(PendingUpload&)> change;
  };
  const std::vector<Case> cases = {
      {"empty id", [](PendingUpload& u) { u.id.clear(); }},
      {"empty content type", [](PendingUpload& u) { u.content_type.clear(); }},
      {"key outside owner space", [](PendingUpload& u) { u.key = "acme/user-2/x"; }},
      {"slash in owner",
       [](PendingUpload& u) {
         u.owner = "user/1";
         u.key = "acme/user/1/attachments/avatar.jpg";
       }},
      {"invalid UTF-8 name",
       [](PendingUpload& u) {
         u.name = "bad\xff";
         u.key = "acme/user-1/bad\xff";
       }},
      {"NUL in name",
       [](PendingUpload& u) {
         u.name = std::string("a\0b", 3);
         u.key = "acme/user-1/" + u.name;
       }},
      {"size above INT64_MAX", [](PendingUpload& u) { u.size = ~std::uint64_t{0}; }},
      {"upper-case sha256", [](PendingUpload& u) { u.sha256 = std::string(64, 'A'); }},
      {"short sha256", [](PendingUpload& u) { u.sha256 = std::string(63, 'a'); }},
      {"if_match zero", [](PendingUpload& u) { u.if_match = 0; }},
      {"both preconditions",
       [](PendingUpload& u) {
         u.if_match = 1;
         u.if_none_match = true;
       }},
      {"expiry not after creation", [](PendingUpload& u) { u.expires_at = u.created_at; }},
      {"completed state", [](PendingUpload& u) { u.state = UploadState::kCompleted; }},
  };
  for (const Case& test_case : cases) {
    PendingUpload upload = valid_upload();
    test_case.change(upload);
    auto result = validate_new_upload(upload);
    ASSERT_FALSE(result.has_value()) << test_case.description;
    EXPECT_EQ(result.error().code, MetaErrorCode::kInvalid) << test_case.description;
  }
}

ObjectRecord valid_observed() {
  ObjectRecord observed;
  observed.version_id = "v1";
  observed.size = 1024;
  observed.etag = "\"9e107d9d372bb6826bd81d3542a419d6\"";
  observed.content_type = "image/jpeg";
  return observed;
}

TEST(ValidateObservedObject, AcceptsEmptyIdentityFields) {
  EXPECT_TRUE(validate_observed_object(valid_observed(), valid_upload()).has_value());
}

TEST(ValidateObservedObject, AcceptsMatchingIdentityFields) {
  ObjectRecord observed = valid_observed();
  observed.tenant = "acme";
  observed.key = "acme/user-1/attachments/avatar.jpg";
  EXPECT_TRUE(validate_observed_object(observed, valid_upload()).has_value());
}

TEST(ValidateObservedObject, RejectsOtherTenant) {
  ObjectRecord observed = valid_observed();
  observed.tenant = "globex";
  auto result = validate_observed_object(observed, valid_upload());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, MetaErrorCode::kInvalid);
}

TEST(ValidateObservedObject, RejectsEmptyEtag) {
  ObjectRecord observed = valid_observed();
  observed.etag.clear();
  auto result = validate_observed_object(observed, valid_upload());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, MetaErrorCode::kInvalid);
}

}  // namespace
}  // namespace satchel::meta
