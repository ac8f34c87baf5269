// The fixtures of the repository and migration tests, which run unchanged against every back
// end. Each test file instantiates its suites with INSTANTIATE_BACKEND_TESTS, over the back
// ends of the program it is linked into.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/time_format.h"
#include "fmt/format.h"
#include "meta/repository.h"
#include "repository_backend.h"

namespace satchel::meta::test_support {

inline constexpr std::chrono::minutes kUploadTtl{15};
inline constexpr std::string_view kTenant = "acme";
inline constexpr std::string_view kOwner = "user-1";
inline constexpr std::string_view kEtag = "\"9e107d9d372bb6826bd81d3542a419d6\"";

// Names each instantiation after its back end: "Backend/RepositoryTest.Name/sqlite".
inline std::string backend_test_name(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

// Runs every TEST_P of suite once per back end of this test program.
#define INSTANTIATE_BACKEND_TESTS(suite)                                                         \
  INSTANTIATE_TEST_SUITE_P(                                                                      \
      Backend, suite, ::testing::ValuesIn(::satchel::meta::test_support::backends_under_test()), \
      ::satchel::meta::test_support::backend_test_name)

// A test with a new backend whose database has not been opened yet.
class BackendTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override { backend_ = GetParam().create(); }

  std::unique_ptr<RepositoryBackend> backend_;
};

// A migration test: it applies steps itself, on a database that open() has not migrated.
class MigrationsTest : public BackendTest {};

// A test with a repository open on a new database.
class RepositoryTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    auto opened = backend_->open();
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    repository_ = std::move(*opened);
  }

  PendingUpload make_upload(std::string_view tenant, std::string_view owner,
                            std::string_view name) {
    PendingUpload upload;
    upload.id = fmt::format("upload-{}", ++upload_count_);
    upload.tenant = tenant;
    upload.owner = owner;
    upload.name = name;
    upload.key = fmt::format("{}/{}/{}", tenant, owner, name);
    upload.content_type = "application/json";
    upload.size = 12;
    upload.created_at = clock_.now();
    upload.expires_at = clock_.now() + kUploadTtl;
    return upload;
  }

  PendingUpload make_upload(std::string_view name) { return make_upload(kTenant, kOwner, name); }

  static ObjectRecord observed_for(const PendingUpload& upload) {
    ObjectRecord observed;
    observed.version_id = "version-of-" + upload.id;
    observed.size = upload.size;
    observed.etag = std::string(kEtag);
    observed.content_type = upload.content_type;
    observed.sha256 = upload.sha256;
    return observed;
  }

  Expected<ObjectRecord, MetaError> create_and_commit(const PendingUpload& upload) {
    auto created = repository_->create_pending_upload(upload);
    if (!created) return Unexpected(created.error());
    return repository_->commit_upload(upload.id, observed_for(upload), clock_.now());
  }

  ManualClock clock_{from_unix_seconds(1'700'000'000)};
  std::unique_ptr<Repository> repository_;
  int upload_count_ = 0;
};

}  // namespace satchel::meta::test_support
