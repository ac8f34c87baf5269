#include "store/s3_xml.h"

#include <gtest/gtest.h>

namespace satchel::store {
namespace {

TEST(S3Xml, EscapesMarkupAndControlCharacters) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape(std::string("x\x01y", 3)), "x\xEF\xBF\xBDy");
  EXPECT_EQ(xml_escape("ü\t"), "ü\t");
}

TEST(S3Xml, ErrorDocumentHasAllElements) {
  std::string document = error_document("NoSuchKey", "gone", "/b/<k>", "id1");
  EXPECT_EQ(document,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
            "<Message>gone</Message><Resource>/b/&lt;k&gt;</Resource>"
            "<RequestId>id1</RequestId></Error>");
}

TEST(S3Xml, VersioningDocumentOmitsStatusWhenUnversioned) {
  EXPECT_EQ(versioning_document(Versioning::kUnversioned).find("<Status>"), std::string::npos);
  EXPECT_NE(versioning_document(Versioning::kEnabled).find("<Status>Enabled</Status>"),
            std::string::npos);
}

TEST(S3Xml, ParsesVersioningStatus) {
  EXPECT_EQ(parse_versioning_document(
                "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                "<Status>Enabled</Status></VersioningConfiguration>"),
            Versioning::kEnabled);
  EXPECT_EQ(parse_versioning_document(
                "<VersioningConfiguration><Status> Suspended </Status></VersioningConfiguration>"),
            Versioning::kSuspended);
  EXPECT_EQ(parse_versioning_document("<VersioningConfiguration><Status>Off</Status>"
                                      "</VersioningConfiguration>"),
            std::nullopt);
  EXPECT_EQ(parse_versioning_document("<Status>Enabled</Status>"), std::nullopt);
}

TEST(S3Xml, LocationIsEmptyForUsEast1) {
  EXPECT_NE(location_document("us-east-1").find("\"></LocationConstraint>"), std::string::npos);
  EXPECT_NE(location_document("eu-west-1").find(">eu-west-1<"), std::string::npos);
}

}  // namespace
}  // namespace satchel::store
