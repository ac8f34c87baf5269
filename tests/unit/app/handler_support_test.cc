// The "tags" member of request bodies, and the tags and missing mark of the record JSON.
#include "app/handler_support.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/time_format.h"

namespace satchel::app {
namespace {

TEST(OptionalTags, AbsentOrNullIsNoTags) {
  auto absent = optional_tags(nlohmann::json::object());
  ASSERT_TRUE(absent.has_value());
  EXPECT_TRUE(absent->empty());
  auto null = optional_tags(nlohmann::json{{"tags", nullptr}});
  ASSERT_TRUE(null.has_value());
  EXPECT_TRUE(null->empty());
}

TEST(OptionalTags, ReadsStringValues) {
  auto tags = optional_tags(nlohmann::json::parse(R"({"tags": {"team": "blue", "note": ""}})"));
  ASSERT_TRUE(tags.has_value()) << tags.error();
  EXPECT_EQ(*tags, (meta::ObjectTags{{"team", "blue"}, {"note", ""}}));
}

TEST(OptionalTags, RejectsWrongShapes) {
  for (const char* body :
       {R"({"tags": ["team", "blue"]})", R"({"tags": "team=blue"})", R"({"tags": {"team": 1}})",
        R"({"tags": {"team": null}})", R"({"tags": {"team": {"nested": "x"}}})"}) {
    auto tags = optional_tags(nlohmann::json::parse(body));
    ASSERT_FALSE(tags.has_value()) << body;
    EXPECT_NE(tags.error().find("tag"), std::string::npos) << tags.error();
  }
}

TEST(OptionalTags, AppliesTagRules) {
  nlohmann::json too_many = nlohmann::json::object();
  for (int i = 0; i < 11; ++i) too_many["k" + std::to_string(i)] = "v";
  auto tags = optional_tags(nlohmann::json{{"tags", too_many}});
  ASSERT_FALSE(tags.has_value());
  EXPECT_NE(tags.error().find("at most 10"), std::string::npos) << tags.error();
  auto colon = optional_tags(nlohmann::json::parse(R"({"tags": {"a:b": "c"}})"));
  ASSERT_FALSE(colon.has_value());
}

TEST(RecordJson, AlwaysHasTags) {
  meta::ObjectRecord record;
  EXPECT_EQ(record_json(record)["tags"], nlohmann::json::object());
  record.tags = {{"team", "blue"}};
  EXPECT_EQ(record_json(record)["tags"], (nlohmann::json{{"team", "blue"}}));
}

TEST(RecordJson, ShowsTheMissingMark) {
  meta::ObjectRecord record;
  EXPECT_EQ(record_json(record)["missing"], false);
  EXPECT_TRUE(record_json(record)["missing_since"].is_null());
  record.missing_since = from_unix_seconds(1'800'000'000);
  EXPECT_EQ(record_json(record)["missing"], true);
  EXPECT_EQ(record_json(record)["missing_since"], "2027-01-15T08:00:00.000Z");
}

}  // namespace
}  // namespace satchel::app
