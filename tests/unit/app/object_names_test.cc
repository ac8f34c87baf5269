#include "app/object_names.h"

#include <gtest/gtest.h>

#include <string>

namespace satchel::app {
namespace {

TEST(ObjectName, AcceptsNestedUnicodeAndSpecialCharacters) {
  for (const char* name : {"preferences.json", "attachments/avatar.jpg", "a b/c+d.txt", "100%/x",
                           "dir/\xc3\xbc.json", "libstdc++-docs.rpm", "...x", ".hidden"}) {
    EXPECT_FALSE(check_object_name(name).has_value()) << name;
  }
}

TEST(ObjectName, RejectsTraversalAndEmptySegments) {
  for (const char* name : {"..", ".", "../x", "a/../b", "a/./b", "a//b", "/a", "a/", ""}) {
    EXPECT_TRUE(check_object_name(name).has_value()) << name;
  }
}

TEST(ObjectName, RejectsControlCharactersBackslashAndBadUtf8) {
  EXPECT_TRUE(check_object_name(std::string("a\0b", 3)).has_value());
  EXPECT_TRUE(check_object_name("a\nb").has_value());
  EXPECT_TRUE(check_object_name("a\x7f").has_value());
  EXPECT_TRUE(check_object_name("a\\b").has_value());
  EXPECT_TRUE(check_object_name("\xc0\xaf").has_value());
}

TEST(ObjectName, RejectsUnicodeControlsAndBidiOverrides) {
  EXPECT_TRUE(check_object_name("a\xc2\x85"
                                "b")
                  .has_value());  // U+0085 next line
  EXPECT_TRUE(check_object_name("a\xe2\x80\xa8"
                                "b")
                  .has_value());  // U+2028 line separator
  EXPECT_TRUE(check_object_name("txt.\xe2\x80\xae"
                                "exe")
                  .has_value());  // U+202E
  EXPECT_TRUE(check_identity_part("a\xe2\x81\xa6"
                                  "b",
                                  "subject")
                  .has_value());  // U+2066
  EXPECT_FALSE(check_object_name("caf\xc3\xa9\xe2\x80\x94"
                                 "menu")
                   .has_value());  // U+2014 dash
}

TEST(ObjectName, EnforcesByteLimit) {
  EXPECT_FALSE(check_object_name(std::string(kMaxNameBytes, 'a')).has_value());
  EXPECT_TRUE(check_object_name(std::string(kMaxNameBytes + 1, 'a')).has_value());
}

TEST(IdentityPart, RejectsSlashDotsAndControlCharacters) {
  EXPECT_FALSE(check_identity_part("alice", "subject").has_value());
  EXPECT_FALSE(check_identity_part("auth0|12345", "subject").has_value());
  EXPECT_EQ(check_identity_part("a/b", "subject").value(), "subject contains '/'");
  EXPECT_TRUE(check_identity_part("..", "subject").has_value());
  EXPECT_TRUE(check_identity_part(".", "subject").has_value());
  EXPECT_TRUE(check_identity_part("", "tenant").has_value());
  EXPECT_TRUE(check_identity_part("a\tb", "tenant").has_value());
  EXPECT_TRUE(
      check_identity_part(std::string(kMaxIdentityPartBytes + 1, 'x'), "tenant").has_value());
}

TEST(ObjectKey, JoinsTenantSubjectAndName) {
  EXPECT_EQ(make_object_key("acme", "alice", "a/b.txt"), "acme/alice/a/b.txt");
}

}  // namespace
}  // namespace satchel::app
