#include "store/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "temp_dir.h"

namespace satchel::store {
namespace {

bool is_key_id(std::string_view id) {
  if (id.size() != 20 || id.substr(0, 4) != "SATC") return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

TEST(Credentials, CreatesTwoRandomKeys) {
  TempDir dir;
  auto credentials = load_or_create_credentials(dir.path());
  ASSERT_TRUE(credentials) << credentials.error();
  EXPECT_TRUE(is_key_id(credentials->admin.access_key_id));
  EXPECT_TRUE(is_key_id(credentials->api.access_key_id));
  EXPECT_NE(credentials->admin.access_key_id, credentials->api.access_key_id);
  EXPECT_EQ(credentials->admin.secret_access_key.reveal().size(), 40u);
  EXPECT_NE(credentials->admin.secret_access_key, credentials->api.secret_access_key);
}

TEST(Credentials, FileIsOwnerOnly) {
  TempDir dir;
  ASSERT_TRUE(load_or_create_credentials(dir.path()));
  struct stat info {};
  ASSERT_EQ(::stat(credentials_path(dir.path()).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() / "store").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_EQ(count_files(dir.path()), 1u);
}

TEST(Credentials, SecondLoadReturnsSameKeys) {
  TempDir dir;
  auto first = load_or_create_credentials(dir.path());
  auto second = load_or_create_credentials(dir.path());
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->admin.access_key_id, second->admin.access_key_id);
  EXPECT_EQ(first->api.secret_access_key, second->api.secret_access_key);
  EXPECT_EQ(second->find(first->api.access_key_id), &second->api);
  EXPECT_EQ(second->find("SATCUNKNOWN"), nullptr);
}

TEST(Credentials, RejectsWorldReadableFile) {
  TempDir dir;
  ASSERT_TRUE(load_or_create_credentials(dir.path()));
  ::chmod(credentials_path(dir.path()).c_str(), 0644);
  auto loaded = load_or_create_credentials(dir.path());
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("chmod 600"), std::string::npos);
}

TEST(Credentials, RejectsMalformedFile) {
  TempDir dir;
  ASSERT_TRUE(load_or_create_credentials(dir.path()));
  std::ofstream(credentials_path(dir.path())) << "{\"admin\": {}}";
  auto loaded = load_or_create_credentials(dir.path());
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("access_key_id"), std::string::npos);
}

TEST(Credentials, NewFileGivesAdminFullAccessAndApiItsScope) {
  TempDir dir;
  auto credentials =
      load_or_create_credentials(dir.path(), KeyPolicy::objects_only("data", "tenant-a/"));
  ASSERT_TRUE(credentials) << credentials.error();
  EXPECT_TRUE(credentials->admin.policy.is_full_access());
  EXPECT_FALSE(credentials->api.policy.is_full_access());
  EXPECT_EQ(credentials->api.policy.bucket(), "data");
  EXPECT_EQ(credentials->api.policy.key_prefix(), "tenant-a/");
}

TEST(Credentials, PoliciesPersistInFile) {
  TempDir dir;
  ASSERT_TRUE(load_or_create_credentials(dir.path(), KeyPolicy::objects_only("data", "p/")));
  // A later start with another default must keep what the file says.
  auto reloaded = load_or_create_credentials(dir.path(), KeyPolicy::objects_only("other", ""));
  ASSERT_TRUE(reloaded) << reloaded.error();
  EXPECT_EQ(reloaded->api.policy, KeyPolicy::objects_only("data", "p/"));
  std::ifstream file(credentials_path(dir.path()));
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"key_prefix\": \"p/\""), std::string::npos);
}

TEST(Credentials, FileWithoutPoliciesLimitsApiKey) {
  TempDir dir;
  ASSERT_TRUE(load_or_create_credentials(dir.path()));
  std::ofstream(credentials_path(dir.path()))
      << R"({"admin": {"access_key_id": "SATCADMIN", "secret_access_key": "a"},)"
      << R"( "api": {"access_key_id": "SATCAPI", "secret_access_key": "b"}})";
  auto loaded = load_or_create_credentials(dir.path(), KeyPolicy::objects_only("data", ""));
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_TRUE(loaded->admin.policy.is_full_access());
  EXPECT_EQ(loaded->api.policy, KeyPolicy::objects_only("data", ""));
}

TEST(Credentials, RejectsInvalidPolicy) {
  TempDir dir;
  ASSERT_TRUE(load_or_create_credentials(dir.path()));
  std::ofstream(credentials_path(dir.path()))
      << R"({"admin": {"access_key_id": "SATCADMIN", "secret_access_key": "a"},)"
      << R"( "api": {"access_key_id": "SATCAPI", "secret_access_key": "b",)"
      << R"( "policy": {"access": "objects"}}})";
  auto loaded = load_or_create_credentials(dir.path());
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("api.policy.bucket"), std::string::npos);
}

}  // namespace
}  // namespace satchel::store
