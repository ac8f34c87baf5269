#include "store/conditions.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace satchel::store {
namespace {

const SystemTime kModified = from_unix_seconds(1700000000);

ReadDecision decide(ReadConditions conditions) {
  return evaluate_read_conditions(conditions, "abc", kModified);
}

TEST(EtagList, AcceptsQuotedUnquotedAndWeak) {
  EXPECT_EQ(parse_etag_list("\"a\", b ,W/\"c\""), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(parse_etag_list("*"), (std::vector<std::string>{"*"}));
  EXPECT_TRUE(parse_etag_list("").empty());
}

TEST(ReadConditions, IfMatchFailsOnOtherEtag) {
  EXPECT_EQ(decide({.if_match = "\"abc\""}), ReadDecision::kProceed);
  EXPECT_EQ(decide({.if_match = "*"}), ReadDecision::kProceed);
  EXPECT_EQ(decide({.if_match = "\"xyz\""}), ReadDecision::kPreconditionFailed);
}

TEST(ReadConditions, IfMatchOverridesIfUnmodifiedSince) {
  std::string earlier = format_http_date(kModified - std::chrono::hours(1));
  EXPECT_EQ(decide({.if_match = "abc", .if_unmodified_since = earlier}), ReadDecision::kProceed);
  EXPECT_EQ(decide({.if_unmodified_since = earlier}), ReadDecision::kPreconditionFailed);
}

TEST(ReadConditions, IfNoneMatchOverridesIfModifiedSince) {
  std::string earlier = format_http_date(kModified - std::chrono::hours(1));
  EXPECT_EQ(decide({.if_none_match = "\"xyz\"", .if_modified_since = earlier}),
            ReadDecision::kProceed);
  EXPECT_EQ(decide({.if_none_match = "\"abc\""}), ReadDecision::kNotModified);
  EXPECT_EQ(decide({.if_modified_since = format_http_date(kModified)}), ReadDecision::kNotModified);
  EXPECT_EQ(decide({.if_modified_since = earlier}), ReadDecision::kProceed);
}

TEST(ReadConditions, SubSecondModificationComparesAtSeconds) {
  auto modified = kModified + std::chrono::milliseconds(700);
  std::string since = format_http_date(kModified);
  ReadConditions conditions{.if_modified_since = since};
  EXPECT_EQ(evaluate_read_conditions(conditions, "abc", modified), ReadDecision::kNotModified);
}

TEST(ReadConditions, InvalidDateIsIgnored) {
  EXPECT_EQ(decide({.if_modified_since = "yesterday"}), ReadDecision::kProceed);
  EXPECT_EQ(decide({.if_unmodified_since = "yesterday"}), ReadDecision::kProceed);
}

}  // namespace
}  // namespace satchel::store
