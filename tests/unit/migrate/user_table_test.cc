#include "migrate/user_table.h"

#include <gtest/gtest.h>

#include "migrate/csv.h"

namespace satchel::migrate {
namespace {

TEST(ParseCsv, HandlesQuotesAndLineEnds) {
  auto rows = parse_csv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\nd,,\"line\nbreak\"");
  ASSERT_TRUE(rows) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0], (CsvRow{"a", "b,c", "say \"hi\""}));
  EXPECT_EQ((*rows)[1], (CsvRow{"d", "", "line\nbreak"}));
}

TEST(ParseCsv, RejectsUnclosedQuote) {
  auto rows = parse_csv("a,\"b\n");
  ASSERT_FALSE(rows);
  EXPECT_NE(rows.error().find("line 1"), std::string::npos);
}

TEST(ParseCsv, RejectsTextAfterClosingQuote) { EXPECT_FALSE(parse_csv("\"a\"b,c\n")); }

TEST(CsvField, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
}

TEST(UserTable, ReadsColumnsInAnyOrder) {
  auto table = parse_user_table("sub,email,legacy_user,org\nu-1,a@x,alice,acme\nu-2,,bob,beta\n");
  ASSERT_TRUE(table) << table.error();
  ASSERT_EQ(table->size(), 2u);
  EXPECT_EQ(table->at("alice").org, "acme");
  EXPECT_EQ(table->at("alice").sub, "u-1");
  EXPECT_EQ(table->at("bob").org, "beta");
  EXPECT_EQ(table->at("bob").sub, "u-2");
}

TEST(UserTable, RejectsMissingColumn) {
  auto table = parse_user_table("legacy_user,org\nalice,acme\n");
  ASSERT_FALSE(table);
  EXPECT_NE(table.error().find("'sub'"), std::string::npos);
}

TEST(UserTable, RejectsRepeatedUser) {
  auto table = parse_user_table("legacy_user,org,sub\nalice,acme,1\nalice,acme,2\n");
  ASSERT_FALSE(table);
  EXPECT_NE(table.error().find("row 3"), std::string::npos);
}

TEST(UserTable, RejectsShortRow) {
  EXPECT_FALSE(parse_user_table("legacy_user,org,sub\nalice,acme\n"));
}

TEST(UserTable, RejectsIdentityWithSlash) {
  auto table = parse_user_table("legacy_user,org,sub\nalice,acme,a/b\n");
  ASSERT_FALSE(table);
  EXPECT_NE(table.error().find("sub"), std::string::npos);
}

TEST(UserTable, RejectsEmptyFile) { EXPECT_FALSE(parse_user_table("")); }

}  // namespace
}  // namespace satchel::migrate
