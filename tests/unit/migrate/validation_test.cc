#include "migrate/validation.h"

#include <gtest/gtest.h>

namespace satchel::migrate {
namespace {

// The eight-byte PNG signature and an IHDR chunk, enough for libmagic.
const std::string kPngBytes(
    "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    "\x1f\x15\xc4\x89",
    33);

const char* kValidPreferences =
    R"({"theme":"dark","language":"en","time_zone":"UTC","email_notifications":false})";

const app::PreferencesSchema& schema() { return *app::PreferencesSchema::builtin(); }

TEST(ContentTypeForName, ByExtension) {
  EXPECT_EQ(content_type_for_name("a/prefs.json"), "application/json");
  EXPECT_EQ(content_type_for_name("AVATAR.PNG"), "image/png");
  EXPECT_EQ(content_type_for_name("notes.txt"), "text/plain");
  EXPECT_EQ(content_type_for_name("blob"), "application/octet-stream");
  EXPECT_EQ(content_type_for_name("dir.json/blob"), "application/octet-stream");
}

TEST(ChooseContentType, DeclaredUnlessGeneric) {
  EXPECT_EQ(choose_content_type("image/jpeg", "a.png"), "image/jpeg");
  EXPECT_EQ(choose_content_type("binary/octet-stream", "a.png"), "image/png");
  EXPECT_EQ(choose_content_type("", "a.json"), "application/json");
}

TEST(CheckObjectContent, AcceptsValidPreferences) {
  EXPECT_EQ(
      check_object_content("preferences.json", "application/json", kValidPreferences, schema()),
      std::nullopt);
}

TEST(CheckObjectContent, RejectsPngNamedJson) {
  auto problem = check_object_content("settings.json", "application/json", kPngBytes, schema());
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("content type mismatch"), std::string::npos) << *problem;
}

TEST(CheckObjectContent, AcceptsRealPng) {
  EXPECT_EQ(check_object_content("avatar.png", "image/png", kPngBytes, schema()), std::nullopt);
}

TEST(CheckObjectContent, RejectsTextThatIsNotUtf8) {
  auto problem = check_object_content("notes.txt", "text/plain", "caf\xe9", schema());
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "text is not valid UTF-8");
}

TEST(CheckObjectContent, RejectsBrokenJson) {
  auto problem = check_object_content("data.json", "application/json", "{\"a\":", schema());
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "invalid JSON");
}

TEST(CheckObjectContent, RejectsPreferencesAgainstSchema) {
  auto problem = check_object_content("preferences.json", "application/json",
                                      R"({"theme":"purple"})", schema());
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("do not match the schema"), std::string::npos) << *problem;
}

TEST(CheckObjectContent, SchemaAppliesOnlyToPreferencesName) {
  EXPECT_EQ(
      check_object_content("other.json", "application/json", R"({"theme":"purple"})", schema()),
      std::nullopt);
}

}  // namespace
}  // namespace satchel::migrate
