#include "s3/xml_reader.h"

#include <gtest/gtest.h>

namespace satchel::s3 {
namespace {

TEST(XmlReader, ParsesNestedElementsAndText) {
  auto root = parse_xml(
      "<?xml version=\"1.0\"?><CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/"
      "2006-03-01/\"><Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag></Part>"
      "<Part><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->name, "CompleteMultipartUpload");
  auto parts = root->children_named("Part");
  ASSERT_EQ(parts.size(), 2u);
  ASSERT_NE(parts[0]->child("ETag"), nullptr);
  EXPECT_EQ(parts[0]->child("ETag")->text, "\"abc\"");
  EXPECT_EQ(parts[1]->child("PartNumber")->text, "2");
  EXPECT_EQ(parts[1]->child("ETag"), nullptr);
}

TEST(XmlReader, DropsNamespacePrefixes) {
  auto root = parse_xml("<s3:Delete xmlns:s3=\"urn:x\"><s3:Quiet>true</s3:Quiet></s3:Delete>");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->name, "Delete");
  ASSERT_NE(root->child("Quiet"), nullptr);
}

TEST(XmlReader, RejectsMalformedDocuments) {
  EXPECT_FALSE(parse_xml(""));
  EXPECT_FALSE(parse_xml("<a><b></a>"));
  EXPECT_FALSE(parse_xml("<a></a><b></b>"));
  EXPECT_FALSE(parse_xml("not xml"));
}

TEST(XmlReader, RejectsDoctypeAndEntities) {
  EXPECT_FALSE(parse_xml("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>"));
  EXPECT_FALSE(parse_xml("<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>"));
}

TEST(XmlReader, RejectsDeepNesting) {
  std::string deep;
  for (size_t i = 0; i <= kMaxXmlDepth; ++i) deep += "<a>";
  for (size_t i = 0; i <= kMaxXmlDepth; ++i) deep += "</a>";
  EXPECT_FALSE(parse_xml(deep));
}

TEST(XmlReader, TrimsWhitespace) {
  EXPECT_EQ(trim_xml_space(" \n\tEnabled \r\n"), "Enabled");
  EXPECT_EQ(trim_xml_space("   "), "");
}

}  // namespace
}  // namespace satchel::s3
