#include "migrate/plan.h"

#include <gtest/gtest.h>

namespace satchel::migrate {
namespace {

MappingRules rules_for_org(std::string org) {
  MappingRules rules;
  rules.mappings.push_back(*parse_mapping("legacy/{user}/prefs.json={org}/{sub}/preferences.json"));
  rules.mappings.push_back(*parse_mapping("legacy/{user}/{file*}={org}/{sub}/files/{file}"));
  rules.org = std::move(org);
  return rules;
}

TEST(PlanObject, MapsWithOrgAndUserAsSubject) {
  auto planned = plan_object({"legacy/alice/prefs.json", 17}, rules_for_org("acme"));
  ASSERT_TRUE(planned) << planned.error().reason;
  EXPECT_EQ(planned->tenant, "acme");
  EXPECT_EQ(planned->owner, "alice");
  EXPECT_EQ(planned->name, "preferences.json");
  EXPECT_EQ(planned->key, "acme/alice/preferences.json");
  EXPECT_EQ(planned->old_key, "acme/alice/prefs.json");
}

TEST(PlanObject, MapsThroughUsersTable) {
  MappingRules rules = rules_for_org("");
  rules.users = UserTable{{"alice", {"beta", "u-17"}}};
  auto planned = plan_object({"legacy/alice/docs/a.txt", 3}, rules);
  ASSERT_TRUE(planned) << planned.error().reason;
  EXPECT_EQ(planned->key, "beta/u-17/files/docs/a.txt");
  EXPECT_EQ(planned->old_key, "beta/u-17/docs/a.txt");
}

TEST(PlanObject, UnknownUserFails) {
  MappingRules rules = rules_for_org("");
  rules.users = UserTable{{"alice", {"beta", "u-17"}}};
  auto planned = plan_object({"legacy/mallory/prefs.json", 3}, rules);
  ASSERT_FALSE(planned);
  EXPECT_EQ(planned.error().outcome, Outcome::kFailed);
  EXPECT_NE(planned.error().reason.find("mallory"), std::string::npos);
}

TEST(PlanObject, UnmatchedKeyHasNoMapping) {
  auto planned = plan_object({"readme.txt", 3}, rules_for_org("acme"));
  ASSERT_FALSE(planned);
  EXPECT_EQ(planned.error().outcome, Outcome::kNoMapping);
  EXPECT_EQ(planned.error().reason, "no mapping");
  EXPECT_EQ(planned.error().size_bytes, 3u);
}

TEST(PlanObject, InvalidTargetNameFails) {
  auto planned = plan_object({"legacy/alice/a/../b", 3}, rules_for_org("acme"));
  ASSERT_FALSE(planned);
  EXPECT_EQ(planned.error().outcome, Outcome::kFailed);
  EXPECT_NE(planned.error().reason.find("invalid target name"), std::string::npos);
}

TEST(PlanObject, TargetOutsideTenantFails) {
  MappingRules rules;
  rules.mappings.push_back(*parse_mapping("legacy/{user}/{f}=other/{sub}/{f}"));
  rules.org = "acme";
  auto planned = plan_object({"legacy/alice/a.txt", 1}, rules);
  ASSERT_FALSE(planned);
  EXPECT_NE(planned.error().reason.find("tenant"), std::string::npos);
}

TEST(PlanObject, NoRedirectWhenNameUnchanged) {
  MappingRules rules;
  rules.mappings.push_back(*parse_mapping("legacy/{user}/{f*}={org}/{sub}/{f}"));
  rules.org = "acme";
  auto planned = plan_object({"legacy/alice/a.txt", 1}, rules);
  ASSERT_TRUE(planned);
  EXPECT_EQ(planned->old_key, "");
}

TEST(PlanId, ChangesWithMappingsAndOrg) {
  MappingRules acme = rules_for_org("acme");
  MappingRules beta = rules_for_org("beta");
  std::string base = make_plan_id("dir:/a", {"x=y"}, acme);
  EXPECT_EQ(base, make_plan_id("dir:/a", {"x=y"}, acme));
  EXPECT_NE(base, make_plan_id("dir:/b", {"x=y"}, acme));
  EXPECT_NE(base, make_plan_id("dir:/a", {"x=z"}, acme));
  EXPECT_NE(base, make_plan_id("dir:/a", {"x=y"}, beta));
  EXPECT_EQ(base.size(), 64u);
}

}  // namespace
}  // namespace satchel::migrate
