#include "app/preferences_schema.h"

#include <gtest/gtest.h>

#include <string>

namespace satchel::app {
namespace {

constexpr std::string_view kValid =
    R"({"theme": "dark", "language": "en-GB", "time_zone": "America/Argentina/Buenos_Aires",
        "email_notifications": false, "items_per_page": 10})";

std::shared_ptr<const PreferencesSchema> default_schema() { return PreferencesSchema::builtin(); }

// The path of the single violation, or a description of what came back.
std::string only_path(const std::vector<SchemaViolation>& violations) {
  if (violations.size() != 1) return "<" + std::to_string(violations.size()) + " violations>";
  return violations.front().path;
}

TEST(PreferencesSchema, DefaultSchemaCompiles) {
  auto parsed = PreferencesSchema::parse(default_preferences_schema_text(), "default");
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ((*parsed)->json(), default_preferences_schema_text());
}

TEST(PreferencesSchema, AcceptsValidDocument) {
  EXPECT_TRUE(default_schema()->validate(kValid).empty());
}

TEST(PreferencesSchema, AcceptsEachTheme) {
  for (const char* theme : {"system", "light", "dark"}) {
    std::string document = R"({"theme": ")" + std::string(theme) +
                           R"(", "language": "ja", "time_zone": "UTC",
                               "email_notifications": true})";
    EXPECT_TRUE(default_schema()->validate(document).empty()) << theme;
  }
}

TEST(PreferencesSchema, ReportsPathOfEachConstraint) {
  struct Case {
    const char* document;
    const char* path;
  };
  const Case cases[] = {
      {R"({"theme": "blue", "language": "en", "time_zone": "UTC", "email_notifications": true})",
       "/theme"},
      {R"({"theme": "dark", "language": "klingon", "time_zone": "UTC",
           "email_notifications": true})",
       "/language"},
      {R"({"theme": "dark", "language": "en", "time_zone": "../etc/passwd",
           "email_notifications": true})",
       "/time_zone"},
      {R"({"theme": "dark", "language": "en", "time_zone": "UTC", "email_notifications": 1})",
       "/email_notifications"},
      {R"({"theme": "dark", "language": "en", "time_zone": "UTC", "email_notifications": true,
           "items_per_page": 9})",
       "/items_per_page"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(only_path(default_schema()->validate(c.document)), c.path) << c.document;
  }
}

TEST(PreferencesSchema, RejectsLongTimeZone) {
  std::string document = R"({"theme": "dark", "language": "en", "time_zone": ")" +
                         std::string(65, 'A') + R"(", "email_notifications": true})";
  EXPECT_EQ(only_path(default_schema()->validate(document)), "/time_zone");
}

// A pattern applied to a very long string overflowed the stack inside
// std::regex; such strings are rejected before any pattern runs.
TEST(PreferencesSchema, RejectsHugeStringBeforePattern) {
  std::string document = R"({"theme": "dark", "language": "en", "time_zone": ")" +
                         std::string(100'000, 'A') + R"(", "email_notifications": true})";
  EXPECT_EQ(only_path(default_schema()->validate(document)), "/time_zone");
}

TEST(PreferencesSchema, RejectsHugeMemberNameAndArrayString) {
  auto schema = PreferencesSchema::parse(R"({"type": "object"})", "test");
  ASSERT_TRUE(schema) << schema.error();
  std::string name = std::string(1025, 'n');
  EXPECT_EQ(only_path((*schema)->validate(R"({")" + name + R"(": 1})")), "/" + name);
  std::string array = R"({"a/b": ["x", ")" + std::string(1025, 'y') + R"("]})";
  EXPECT_EQ(only_path((*schema)->validate(array)), "/a~1b/1");
  std::string fits = R"({"k": ")" + std::string(1024, 'z') + R"("})";
  EXPECT_TRUE((*schema)->validate(fits).empty());
}

TEST(PreferencesSchema, ReportsEachMissingPropertyAtRoot) {
  auto violations = default_schema()->validate(R"({"theme": "dark"})");
  ASSERT_EQ(violations.size(), 3U);
  std::string messages;
  for (const SchemaViolation& violation : violations) {
    EXPECT_EQ(violation.path, "");
    messages += violation.message + "\n";
  }
  for (const char* name : {"language", "time_zone", "email_notifications"}) {
    EXPECT_NE(messages.find(name), std::string::npos) << name << " in " << messages;
  }
}

TEST(PreferencesSchema, RejectsUnknownProperty) {
  auto violations = default_schema()->validate(
      R"({"theme": "dark", "language": "en", "time_zone": "UTC", "email_notifications": true,
          "shoe_size": 44})");
  EXPECT_FALSE(violations.empty());
}

TEST(PreferencesSchema, RejectsNonJsonAndNonUtf8) {
  EXPECT_EQ(only_path(default_schema()->validate("{nope")), "");
  EXPECT_EQ(only_path(default_schema()->validate("\"\xff\"")), "");
  EXPECT_EQ(only_path(default_schema()->validate("")), "");
}

TEST(PreferencesSchema, EscapesPointerTokens) {
  auto schema =
      PreferencesSchema::parse(R"({"properties": {"a/b~c": {"type": "string"}}})", "test");
  ASSERT_TRUE(schema) << schema.error();
  EXPECT_EQ(only_path((*schema)->validate(R"({"a/b~c": 1})")), "/a~1b~0c");
}

TEST(PreferencesSchema, ReportsArrayIndexInPath) {
  auto schema = PreferencesSchema::parse(
      R"({"properties": {"tags": {"type": "array", "items": {"type": "string"}}}})", "test");
  ASSERT_TRUE(schema) << schema.error();
  EXPECT_EQ(only_path((*schema)->validate(R"({"tags": ["a", 2]})")), "/tags/1");
}

TEST(PreferencesSchema, RejectsInvalidSchemas) {
  for (const char* text : {"not json", "[]", R"({"minLength": "short"})",
                           R"({"$schema": "https://json-schema.org/draft/2020-12/schema"})"}) {
    auto parsed = PreferencesSchema::parse(text, "custom.json");
    ASSERT_FALSE(parsed) << text;
    EXPECT_TRUE(parsed.error().starts_with("custom.json: ")) << parsed.error();
  }
}

TEST(PreferencesSchema, RejectsSchemaWithInvalidPattern) {
  auto parsed = PreferencesSchema::parse(
      R"({"properties": {"code": {"type": "string", "pattern": "(unclosed"}}})", "custom.json");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().find("(unclosed"), std::string::npos) << parsed.error();
}

TEST(PreferencesSchema, RejectsDeeplyNestedDocument) {
  auto schema = PreferencesSchema::parse(R"({"items": {"items": {}}})", "test");
  ASSERT_TRUE(schema) << schema.error();
  std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_EQ(only_path((*schema)->validate(deep)), "");
  std::string shallow = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE((*schema)->validate(shallow).empty());
}

TEST(PreferencesSchema, IgnoresBracketsInsideStrings) {
  std::string document = R"({"theme": "dark", "language": "en", "time_zone": "UTC",
                             "email_notifications": true, "x": ")" +
                         std::string(100, '[') + R"("})";
  auto violations = default_schema()->validate(document);
  ASSERT_EQ(violations.size(), 1U);
  EXPECT_EQ(violations.front().message.find("nests"), std::string::npos);
}

TEST(PreferencesSchema, LoadFileNamesMissingFile) {
  auto loaded = PreferencesSchema::load_file("/nonexistent/preferences.schema.json");
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("/nonexistent/preferences.schema.json"), std::string::npos);
}

}  // namespace
}  // namespace satchel::app
