// The x-amz-tagging header, the Tagging document and the tag set limits.
#include "store/object_tagging.h"

#include <gtest/gtest.h>

namespace satchel::store {
namespace {

TEST(ObjectTagging, ParsesTheHeaderAsAQueryString) {
  auto tags = parse_tagging_header("team=blue&note=two+words%21&empty=");
  ASSERT_TRUE(tags);
  HeaderList expected{{"team", "blue"}, {"note", "two words!"}, {"empty", ""}};
  EXPECT_EQ(*tags, expected);
  auto none = parse_tagging_header("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(ObjectTagging, RejectsBadHeaders) {
  auto duplicate = parse_tagging_header("a=1&a=2");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, "InvalidTag");
  auto escape = parse_tagging_header("a=%zz");
  ASSERT_FALSE(escape);
  EXPECT_EQ(escape.error().code, "InvalidArgument");
  EXPECT_EQ(escape.error().status, http::Status::bad_request);
}

TEST(ObjectTagging, EnforcesTheLimitsInCharacters) {
  HeaderList eleven;
  for (int i = 0; i < 11; ++i) eleven.emplace_back("k" + std::to_string(i), "v");
  EXPECT_FALSE(validate_tags(eleven));
  eleven.pop_back();
  EXPECT_TRUE(validate_tags(eleven));

  // "é" is two bytes but one character.
  std::string key_128;
  for (int i = 0; i < 128; ++i) key_128 += "\xC3\xA9";
  EXPECT_TRUE(validate_tags({{key_128, ""}}));
  EXPECT_FALSE(validate_tags({{key_128 + "x", ""}}));
  EXPECT_FALSE(validate_tags({{"", "v"}}));
  EXPECT_TRUE(validate_tags({{"k", std::string(256, 'v')}}));
  auto long_value = validate_tags({{"k", std::string(257, 'v')}});
  ASSERT_FALSE(long_value);
  EXPECT_EQ(long_value.error().code, "InvalidTag");
  EXPECT_FALSE(validate_tags({{"k", "\xFF"}}));
}

TEST(ObjectTagging, RejectsReservedKeyPrefix) {
  auto reserved = validate_tags({{"aws:createdBy", "me"}});
  ASSERT_FALSE(reserved);
  EXPECT_EQ(reserved.error().code, "InvalidTag");
  EXPECT_FALSE(parse_tagging_header("aws%3Asource=x"));
  // Only the exact prefix is reserved.
  EXPECT_TRUE(validate_tags({{"AWS-team", "x"}, {"awsome", "y"}, {"team:aws:", "z"}}));
}

TEST(ObjectTagging, RejectsControlCharacters) {
  // A control character cannot come back unchanged in a Tagging document, because XML 1.0 cannot
  // write most of them and parsers turn a carriage return into a line feed.
  for (std::string text : {"x\x01y", "line\r\n", "tab\t", "del\x7F"}) {
    auto in_value = validate_tags({{"k", text}});
    ASSERT_FALSE(in_value) << text;
    EXPECT_EQ(in_value.error().code, "InvalidTag");
    EXPECT_FALSE(validate_tags({{text, "v"}})) << text;
  }
  auto header = parse_tagging_header("a=x%01y");
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().code, "InvalidTag");
  EXPECT_EQ(header.error().status, http::Status::bad_request);
  EXPECT_TRUE(validate_tags({{"spaces and + - = . _ : / @", "é"}}));
}

TEST(ObjectTagging, DocumentRoundTrips) {
  HeaderList tags{{"a", "1"}, {"b & c", ""}};
  std::string document = tagging_document(tags);
  EXPECT_NE(document.find("<Key>b &amp; c</Key>"), std::string::npos);
  auto parsed = parse_tagging_document(document);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, tags);

  auto empty = parse_tagging_document("<Tagging><TagSet/></Tagging>");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(ObjectTagging, RejectsBadDocuments) {
  EXPECT_EQ(parse_tagging_document("<Tagging/>").error().code, "MalformedXML");
  EXPECT_EQ(parse_tagging_document("<Other><TagSet/></Other>").error().code, "MalformedXML");
  EXPECT_EQ(parse_tagging_document("<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>")
                .error()
                .code,
            "MalformedXML");
  auto duplicate = parse_tagging_document(
      "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>"
      "<Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, "InvalidTag");
}

}  // namespace
}  // namespace satchel::store
