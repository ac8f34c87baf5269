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

}  // namespace
}  // namespace satchel::store
