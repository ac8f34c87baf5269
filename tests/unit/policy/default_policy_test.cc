// The shipped default policy: each user owns "{tenant}/{subject}/", the
// admin role reads and lists its own tenant, uploads have size and type
// limits, and nobody crosses tenants.
#include <gtest/gtest.h>

#include "policy/policy.h"

namespace satchel::policy {
namespace {

Principal principal(std::string subject, std::string tenant, std::vector<std::string> roles = {}) {
  Principal result;
  result.subject = std::move(subject);
  result.tenant = std::move(tenant);
  result.roles = std::move(roles);
  return result;
}

const Principal kAlice = principal("alice", "acme");
const Principal kAdmin = principal("root", "acme", {"admin"});

Decision decide(const Principal& principal, Action action, std::string resource,
                RequestAttributes attributes = {}) {
  return Policy::default_policy().evaluate(principal,
                                           {action, std::move(resource), std::move(attributes)});
}

RequestAttributes upload(std::string content_type, uint64_t size) {
  RequestAttributes attributes;
  attributes.content_type = std::move(content_type);
  attributes.size_bytes = size;
  attributes.url_ttl = std::chrono::seconds{60};
  return attributes;
}

TEST(DefaultPolicy, ParsesShippedText) {
  auto policy = Policy::parse(default_policy_text(), "config/policy.toml");
  ASSERT_TRUE(policy.has_value()) << policy.error();
  EXPECT_EQ(policy->statement_count(), 5u);
}

TEST(DefaultPolicy, UserMayDoAnythingInOwnSpace) {
  for (Action action :
       {Action::kObjectRead, Action::kObjectDelete, Action::kObjectList, Action::kObjectRestore}) {
    auto decision = decide(kAlice, action, "acme/alice/preferences.json");
    EXPECT_TRUE(decision.allowed) << to_string(action);
    EXPECT_EQ(decision.statement, "own-space") << to_string(action);
  }
  auto write = decide(kAlice, Action::kObjectWrite, "acme/alice/preferences.json",
                      upload("application/json", 100));
  EXPECT_TRUE(write.allowed) << write.reason;
  EXPECT_EQ(write.statement, "own-space-write");
}

TEST(DefaultPolicy, UserMayNotTouchAnotherUser) {
  auto decision = decide(kAlice, Action::kObjectRead, "acme/bob/preferences.json");
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.statement, "");
  EXPECT_EQ(decision.reason,
            "no statement allows object:read on acme/bob/preferences.json; statement "
            "\"tenant-admin-read\" (line 33) covers it, but it requires one of the roles admin");
}

TEST(DefaultPolicy, PrefixMustEndAtSegmentBoundary) {
  EXPECT_FALSE(decide(kAlice, Action::kObjectRead, "acme/alice2/x").allowed);
  EXPECT_FALSE(decide(principal("alice", "acm"), Action::kObjectRead, "acme/alice/x").allowed);
}

TEST(DefaultPolicy, AdminReadsAndListsOwnTenantOnly) {
  EXPECT_TRUE(decide(kAdmin, Action::kObjectRead, "acme/bob/a.txt").allowed);
  EXPECT_TRUE(decide(kAdmin, Action::kObjectList, "acme/bob/").allowed);
  EXPECT_FALSE(
      decide(kAdmin, Action::kObjectWrite, "acme/bob/a.txt", upload("text/plain", 1)).allowed);
  EXPECT_FALSE(decide(kAdmin, Action::kObjectDelete, "acme/bob/a.txt").allowed);
  auto other = decide(kAdmin, Action::kObjectRead, "globex/bob/a.txt");
  EXPECT_FALSE(other.allowed);
  EXPECT_EQ(other.statement, "tenant-boundary");
}

TEST(DefaultPolicy, AdminReadsOwnTenantAuditOnly) {
  EXPECT_TRUE(decide(kAdmin, Action::kAdminAudit, "acme/").allowed);
  EXPECT_FALSE(decide(kAlice, Action::kAdminAudit, "acme/").allowed);
  EXPECT_FALSE(decide(kAdmin, Action::kAdminAudit, "globex/").allowed);
}

TEST(DefaultPolicy, EmptySubjectOrTenantIsDenied) {
  EXPECT_FALSE(decide(principal("", "acme"), Action::kObjectRead, "acme//x").allowed);
  EXPECT_FALSE(decide(principal("alice", ""), Action::kObjectRead, "/alice/x").allowed);
}

TEST(DefaultPolicy, RejectsUploadOverSizeLimit) {
  auto decision = decide(kAlice, Action::kObjectWrite, "acme/alice/big.bin",
                         upload("application/octet-stream", 104857601));
  EXPECT_FALSE(decision.allowed);
  EXPECT_NE(decision.reason.find("over its maximum of 104857600 bytes"), std::string::npos)
      << decision.reason;
}

TEST(DefaultPolicy, RejectsUploadOfUnlistedType) {
  auto decision =
      decide(kAlice, Action::kObjectWrite, "acme/alice/page.html", upload("text/html", 10));
  EXPECT_FALSE(decision.allowed);
  EXPECT_NE(decision.reason.find("content type text/html"), std::string::npos) << decision.reason;
}

TEST(DefaultPolicy, AcceptsTypeFamilyWithParameters) {
  EXPECT_TRUE(
      decide(kAlice, Action::kObjectWrite, "acme/alice/a.png", upload("Image/PNG", 10)).allowed);
  EXPECT_TRUE(decide(kAlice, Action::kObjectWrite, "acme/alice/a.txt",
                     upload("text/plain; charset=utf-8", 10))
                  .allowed);
}

}  // namespace
}  // namespace satchel::policy
