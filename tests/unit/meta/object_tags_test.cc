// The tag rules and the tags column encoding.
#include "meta/object_tags.h"

#include <gtest/gtest.h>

#include <string>

namespace satchel::meta {
namespace {

std::string repeat(std::string_view text, std::size_t count) {
  std::string repeated;
  for (std::size_t i = 0; i < count; ++i) repeated += text;
  return repeated;
}

TEST(ObjectTags, AcceptsLimits) {
  ObjectTags tags;
  for (int i = 0; i < 9; ++i) tags["key-" + std::to_string(i)] = "";
  // Lengths count characters (UTF-16 units), not bytes, so two-byte and three-byte characters
  // fit up to the same limits.
  tags[repeat("ß", kMaxTagKeyCharacters)] = repeat("€", kMaxTagValueCharacters);
  EXPECT_TRUE(validate_tags(tags).has_value());
}

TEST(ObjectTags, CountsLengthInUtf16Units) {
  // U+1F600 takes two UTF-16 code units, so 64 of them fill a key.
  std::string emoji = "\xF0\x9F\x98\x80";
  EXPECT_TRUE(validate_tags({{repeat(emoji, 64), "v"}}).has_value());
  EXPECT_FALSE(validate_tags({{repeat(emoji, 64) + "k", "v"}}).has_value());
  EXPECT_TRUE(validate_tags({{"k", repeat(emoji, 128)}}).has_value());
  EXPECT_FALSE(validate_tags({{"k", repeat(emoji, 128) + "v"}}).has_value());
}

TEST(ObjectTags, RejectsEleventhTag) {
  ObjectTags tags;
  for (int i = 0; i < 11; ++i) tags["key-" + std::to_string(i)] = "v";
  auto checked = validate_tags(tags);
  ASSERT_FALSE(checked.has_value());
  EXPECT_NE(checked.error().message.find("at most 10"), std::string::npos);
}

TEST(ObjectTags, RejectsBadKeysAndValues) {
  const ObjectTags cases[] = {
      {{"", "v"}},
      {{repeat("k", kMaxTagKeyCharacters + 1), "v"}},
      {{"k", repeat("v", kMaxTagValueCharacters + 1)}},
      {{"a:b", "v"}},
      {{"tab\tkey", "v"}},
      {{"k", "line\nbreak"}},
      {{"k", std::string("nul\0", 4)}},
      {{"\xff", "v"}},
      {{"k", "\xc3"}},
  };
  for (const ObjectTags& tags : cases) {
    auto checked = validate_tags(tags);
    ASSERT_FALSE(checked.has_value()) << tags.begin()->first;
    EXPECT_EQ(checked.error().code, MetaErrorCode::kInvalid);
  }
}

TEST(ObjectTags, FilterHasNoCountLimit) {
  ObjectTags tags;
  for (int i = 0; i < 11; ++i) tags["key-" + std::to_string(i)] = "v";
  EXPECT_TRUE(validate_tag_filter(tags).has_value());
}

TEST(ObjectTags, EncodingRoundTrips) {
  ObjectTags tags{{"b", "2"}, {"a", "größe \"quoted\""}};
  std::string json = encode_tags(tags);
  EXPECT_EQ(json, R"({"a":"größe \"quoted\"","b":"2"})");
  auto decoded = decode_tags(json);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, tags);
}

TEST(ObjectTags, EmptyEncodesAsEmptyObject) { EXPECT_EQ(encode_tags({}), "{}"); }

TEST(ObjectTags, DecodeRejectsDamagedColumn) {
  for (std::string_view text : {"", "[]", R"({"a":1})", "{"}) {
    auto decoded = decode_tags(text);
    ASSERT_FALSE(decoded.has_value()) << text;
    EXPECT_EQ(decoded.error().code, MetaErrorCode::kUnavailable);
  }
}

}  // namespace
}  // namespace satchel::meta
