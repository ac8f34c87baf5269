#include "policy/access.h"

#include <gtest/gtest.h>

namespace satchel::policy {
namespace {

const Principal kAlice{"alice", "acme", {}};
const Principal kAdmin{"root", "acme", {"admin"}};

TEST(DefaultPolicy, UserMayDoAnythingInOwnSpace) {
  for (Action action :
       {Action::kObjectWrite, Action::kObjectRead, Action::kObjectDelete, Action::kObjectList}) {
    EXPECT_TRUE(decide(kAlice, action, "acme/alice/preferences.json").allowed) << to_string(action);
  }
}

TEST(DefaultPolicy, UserMayNotTouchAnotherUser) {
  auto decision = decide(kAlice, Action::kObjectRead, "acme/bob/preferences.json");
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.reason, "key belongs to another user");
}

TEST(DefaultPolicy, PrefixMustEndAtSegmentBoundary) {
  EXPECT_FALSE(decide(kAlice, Action::kObjectRead, "acme/alice2/x").allowed);
  EXPECT_FALSE(decide(Principal{"alice", "acm", {}}, Action::kObjectRead, "acme/alice/x").allowed);
}

TEST(DefaultPolicy, AdminReadsAndListsOwnTenantOnly) {
  EXPECT_TRUE(decide(kAdmin, Action::kObjectRead, "acme/bob/a.txt").allowed);
  EXPECT_TRUE(decide(kAdmin, Action::kObjectList, "acme/bob/").allowed);
  EXPECT_FALSE(decide(kAdmin, Action::kObjectWrite, "acme/bob/a.txt").allowed);
  EXPECT_FALSE(decide(kAdmin, Action::kObjectDelete, "acme/bob/a.txt").allowed);
  auto other = decide(kAdmin, Action::kObjectRead, "globex/bob/a.txt");
  EXPECT_FALSE(other.allowed);
  EXPECT_EQ(other.reason, "key belongs to another tenant");
}

TEST(DefaultPolicy, EmptySubjectOrTenantIsDenied) {
  EXPECT_FALSE(decide(Principal{"", "acme", {}}, Action::kObjectRead, "acme//x").allowed);
  EXPECT_FALSE(decide(Principal{"alice", "", {}}, Action::kObjectRead, "/alice/x").allowed);
}

}  // namespace
}  // namespace satchel::policy
