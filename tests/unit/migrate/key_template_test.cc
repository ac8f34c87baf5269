#include "migrate/key_template.h"

#include <gtest/gtest.h>

namespace satchel::migrate {
namespace {

KeyTemplate parse_or_die(std::string_view text) {
  auto parsed = KeyTemplate::parse(text);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error());
  return *parsed;
}

TEST(KeyTemplate, MatchesOneSegmentPart) {
  KeyTemplate pattern = parse_or_die("legacy/{user}/prefs.json");
  auto parts = pattern.match("legacy/alice/prefs.json");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->at("user"), "alice");
}

TEST(KeyTemplate, OneSegmentPartStopsAtSlash) {
  KeyTemplate pattern = parse_or_die("legacy/{user}/prefs.json");
  EXPECT_FALSE(pattern.match("legacy/alice/old/prefs.json"));
}

TEST(KeyTemplate, SpanningPartTakesSlashes) {
  KeyTemplate pattern = parse_or_die("legacy/{user}/{path*}");
  auto parts = pattern.match("legacy/alice/photos/2019/cat.jpg");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->at("user"), "alice");
  EXPECT_EQ(parts->at("path"), "photos/2019/cat.jpg");
}

TEST(KeyTemplate, RejectsWholeKeyMismatch) {
  KeyTemplate pattern = parse_or_die("legacy/{user}/prefs.json");
  EXPECT_FALSE(pattern.match("legacy/alice/prefs.json.bak"));
  EXPECT_FALSE(pattern.match("other/alice/prefs.json"));
  EXPECT_FALSE(pattern.match("legacy//prefs.json"));
}

TEST(KeyTemplate, PartWithinSegment) {
  KeyTemplate pattern = parse_or_die("users/{user}.{ext}");
  auto parts = pattern.match("users/bob.json");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->at("user"), "bob");
  EXPECT_EQ(parts->at("ext"), "json");
}

TEST(KeyTemplate, RepeatedNameMustMatchSameText) {
  KeyTemplate pattern = parse_or_die("{user}/{user}.json");
  EXPECT_TRUE(pattern.match("carol/carol.json"));
  EXPECT_FALSE(pattern.match("carol/dave.json"));
}

TEST(KeyTemplate, RendersParts) {
  KeyTemplate pattern = parse_or_die("{org}/{sub}/preferences.json");
  auto key = pattern.render({{"org", "acme"}, {"sub", "alice"}});
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, "acme/alice/preferences.json");
}

TEST(KeyTemplate, RenderFailsOnMissingPart) {
  KeyTemplate pattern = parse_or_die("{org}/{sub}/x");
  auto key = pattern.render({{"org", "acme"}});
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().find("{sub}"), std::string::npos);
}

TEST(KeyTemplate, RejectsMalformedTemplates) {
  EXPECT_FALSE(KeyTemplate::parse(""));
  EXPECT_FALSE(KeyTemplate::parse("legacy/{user"));
  EXPECT_FALSE(KeyTemplate::parse("legacy/user}"));
  EXPECT_FALSE(KeyTemplate::parse("legacy/{}"));
  EXPECT_FALSE(KeyTemplate::parse("legacy/{us-er}"));
  EXPECT_FALSE(KeyTemplate::parse("legacy/{a}{b}"));
}

TEST(KeyTemplate, EndOfPartCountsPrecedingText) {
  KeyTemplate pattern = parse_or_die("legacy/{user}/{file*}");
  auto parts = pattern.match("legacy/alice/a/b.txt");
  ASSERT_TRUE(parts);
  auto end = pattern.end_of_part("user", *parts);
  ASSERT_TRUE(end);
  EXPECT_EQ(*end, std::string("legacy/alice").size());
  EXPECT_FALSE(pattern.end_of_part("missing", *parts));
}

TEST(ParseMapping, SplitsAtFirstEquals) {
  auto mapping = parse_mapping("legacy/{user}/prefs.json={org}/{user}/preferences.json");
  ASSERT_TRUE(mapping) << mapping.error();
  EXPECT_EQ(mapping->source.text(), "legacy/{user}/prefs.json");
  EXPECT_EQ(mapping->target.text(), "{org}/{user}/preferences.json");
}

TEST(ParseMapping, RejectsBadMappings) {
  EXPECT_FALSE(parse_mapping("legacy/{user}/prefs.json"));
  EXPECT_FALSE(parse_mapping("legacy/prefs.json={org}/{sub}/p.json"));
  EXPECT_FALSE(parse_mapping("{org}/{user}/p.json={org}/{sub}/p.json"));
  EXPECT_FALSE(parse_mapping("{user}/p.json={org}/{sub}/{name}"));
}

TEST(FindMapping, FirstMatchWins) {
  std::vector<KeyMapping> mappings;
  mappings.push_back(*parse_mapping("legacy/{user}/prefs.json={org}/{sub}/preferences.json"));
  mappings.push_back(*parse_mapping("legacy/{user}/{file*}={org}/{sub}/files/{file}"));
  auto prefs = find_mapping(mappings, "legacy/alice/prefs.json");
  ASSERT_TRUE(prefs);
  EXPECT_EQ(prefs->mapping, &mappings[0]);
  auto other = find_mapping(mappings, "legacy/alice/a.txt");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->mapping, &mappings[1]);
  EXPECT_FALSE(find_mapping(mappings, "elsewhere/a.txt"));
}

}  // namespace
}  // namespace satchel::migrate
