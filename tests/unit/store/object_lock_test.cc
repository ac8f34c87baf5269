#include "store/object_lock.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace satchel::store {
namespace {

using std::chrono::hours;

const SystemTime kNow = from_unix_seconds(1767225600);  // 2026-01-01

ObjectLock retained(RetentionMode mode, SystemTime until) {
  return ObjectLock{Retention{mode, until}, std::nullopt};
}

TEST(ObjectLockRemoval, AllowsUnlockedAndExpiredVersions) {
  EXPECT_TRUE(check_version_removal(ObjectLock{}, kNow, false));
  EXPECT_TRUE(check_version_removal(retained(RetentionMode::kCompliance, kNow), kNow, false));
  EXPECT_TRUE(check_version_removal(ObjectLock{std::nullopt, false}, kNow, false));
}

TEST(ObjectLockRemoval, GovernanceYieldsOnlyToBypass) {
  auto lock = retained(RetentionMode::kGovernance, kNow + hours(1));
  auto denied = check_version_removal(lock, kNow, false);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error(), StoreError::kObjectLocked);
  EXPECT_TRUE(check_version_removal(lock, kNow, true));
}

TEST(ObjectLockRemoval, ComplianceAndLegalHoldNeverYield) {
  EXPECT_FALSE(
      check_version_removal(retained(RetentionMode::kCompliance, kNow + hours(1)), kNow, true));
  EXPECT_FALSE(check_version_removal(ObjectLock{std::nullopt, true}, kNow, true));
}

TEST(ObjectLockRetentionChange, ExtendsInSameModeWithoutBypass) {
  for (auto mode : {RetentionMode::kGovernance, RetentionMode::kCompliance}) {
    Retention current{mode, kNow + hours(10)};
    EXPECT_TRUE(check_retention_change(current, Retention{mode, kNow + hours(20)}, kNow, false));
    EXPECT_TRUE(check_retention_change(current, current, kNow, false));
  }
}

TEST(ObjectLockRetentionChange, ShorteningGovernanceNeedsBypass) {
  Retention current{RetentionMode::kGovernance, kNow + hours(10)};
  Retention shorter{RetentionMode::kGovernance, kNow + hours(1)};
  EXPECT_FALSE(check_retention_change(current, shorter, kNow, false));
  EXPECT_TRUE(check_retention_change(current, shorter, kNow, true));
  EXPECT_FALSE(check_retention_change(current, std::nullopt, kNow, false));
  EXPECT_TRUE(check_retention_change(current, std::nullopt, kNow, true));
  Retention compliance{RetentionMode::kCompliance, kNow + hours(20)};
  EXPECT_FALSE(check_retention_change(current, compliance, kNow, false));
  EXPECT_TRUE(check_retention_change(current, compliance, kNow, true));
}

TEST(ObjectLockRetentionChange, ComplianceCannotShortenOrChange) {
  Retention current{RetentionMode::kCompliance, kNow + hours(10)};
  EXPECT_FALSE(check_retention_change(
      current, Retention{RetentionMode::kCompliance, kNow + hours(5)}, kNow, true));
  EXPECT_FALSE(check_retention_change(
      current, Retention{RetentionMode::kGovernance, kNow + hours(50)}, kNow, true));
  EXPECT_FALSE(check_retention_change(current, std::nullopt, kNow, true));
  // Once the date has passed, the retention no longer binds.
  EXPECT_TRUE(check_retention_change(current, std::nullopt, kNow + hours(10), false));
}

TEST(ObjectLockDocument, ParsesAndWritesDefaultRetention) {
  auto parsed = parse_object_lock_document(
      "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>"
      "<DefaultRetention><Mode>COMPLIANCE</Mode><Years>2</Years></DefaultRetention></Rule>"
      "</ObjectLockConfiguration>");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_TRUE(parsed->default_retention);
  EXPECT_EQ(parsed->default_retention->mode, RetentionMode::kCompliance);
  EXPECT_EQ(parsed->default_retention->years, 2);
  EXPECT_EQ(parsed->default_retention->days, 0);
  auto again = parse_object_lock_document(object_lock_document(*parsed));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *parsed);

  auto without_rule = parse_object_lock_document(
      "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>"
      "</ObjectLockConfiguration>");
  ASSERT_TRUE(without_rule);
  EXPECT_FALSE(without_rule->default_retention);
}

TEST(ObjectLockDocument, RejectsInvalidConfigurations) {
  auto body = [](std::string_view retention) {
    return "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>"
           "<DefaultRetention>" +
           std::string(retention) + "</DefaultRetention></Rule></ObjectLockConfiguration>";
  };
  EXPECT_EQ(
      parse_object_lock_document(body("<Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>"))
          .error()
          .code,
      "MalformedXML");
  EXPECT_EQ(parse_object_lock_document(body("<Mode>STRICT</Mode><Days>1</Days>")).error().code,
            "MalformedXML");
  EXPECT_EQ(parse_object_lock_document(body("<Mode>GOVERNANCE</Mode><Days>0</Days>")).error().code,
            "InvalidArgument");
  EXPECT_EQ(
      parse_object_lock_document(body("<Mode>COMPLIANCE</Mode><Years>101</Years>")).error().code,
      "InvalidArgument");
  EXPECT_EQ(parse_object_lock_document(body("<Mode>COMPLIANCE</Mode><Days>99999999999</Days>"))
                .error()
                .code,
            "InvalidArgument");
  EXPECT_TRUE(parse_object_lock_document(body("<Mode>COMPLIANCE</Mode><Years>100</Years>")));
  EXPECT_TRUE(parse_object_lock_document(body("<Mode>COMPLIANCE</Mode><Days>36500</Days>")));
  EXPECT_EQ(parse_object_lock_document("<ObjectLockConfiguration><ObjectLockEnabled>Disabled"
                                       "</ObjectLockEnabled></ObjectLockConfiguration>")
                .error()
                .code,
            "MalformedXML");
}

TEST(ObjectLockDocument, ParsesRetentionAndLegalHold) {
  auto retention = parse_retention_document(
      "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2026-03-01T00:00:00.000Z"
      "</RetainUntilDate></Retention>");
  ASSERT_TRUE(retention);
  ASSERT_TRUE(*retention);
  EXPECT_EQ((*retention)->mode, RetentionMode::kGovernance);
  EXPECT_EQ((*retention)->retain_until, *parse_iso8601("2026-03-01T00:00:00Z"));
  auto offset = parse_retention_document(
      "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2026-03-01T00:00:00+00:00"
      "</RetainUntilDate></Retention>");
  ASSERT_TRUE(offset);
  EXPECT_TRUE(*offset);
  auto removal = parse_retention_document("<Retention></Retention>");
  ASSERT_TRUE(removal);
  EXPECT_FALSE(*removal);
  EXPECT_FALSE(parse_retention_document("<Retention><Mode>GOVERNANCE</Mode></Retention>"));

  auto on = parse_legal_hold_document("<LegalHold><Status>ON</Status></LegalHold>");
  ASSERT_TRUE(on);
  EXPECT_TRUE(*on);
  auto off = parse_legal_hold_document("<LegalHold><Status>OFF</Status></LegalHold>");
  ASSERT_TRUE(off);
  EXPECT_FALSE(*off);
  EXPECT_FALSE(parse_legal_hold_document("<LegalHold><Status>on</Status></LegalHold>"));
  EXPECT_NE(legal_hold_document(true).find("<Status>ON</Status>"), std::string::npos);
}

TEST(ObjectLockDefaults, CountsYearsAs365Days) {
  DefaultRetention years{RetentionMode::kGovernance, 0, 1};
  EXPECT_EQ(default_retain_until(years, kNow), kNow + hours(24 * 365));
  DefaultRetention days{RetentionMode::kGovernance, 3, 0};
  EXPECT_EQ(default_retain_until(days, kNow), kNow + hours(72));
}

}  // namespace
}  // namespace satchel::store
