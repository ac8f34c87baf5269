#include "policy/policy.h"

#include <gtest/gtest.h>

namespace satchel::policy {
namespace {

Principal principal(std::string subject, std::string tenant, std::vector<std::string> roles = {}) {
  Principal result;
  result.subject = std::move(subject);
  result.tenant = std::move(tenant);
  result.roles = std::move(roles);
  return result;
}

AccessRequest request(Action action, std::string resource) {
  return AccessRequest{action, std::move(resource), {}};
}

using std::chrono::seconds;

Policy parse_ok(std::string_view text) {
  auto policy = Policy::parse(text, "test.toml");
  if (!policy) throw std::runtime_error(policy.error());
  return std::move(*policy);
}

std::string parse_error(std::string_view text) {
  auto policy = Policy::parse(text, "test.toml");
  return policy ? "" : policy.error();
}

Principal with_claims(Principal principal, nlohmann::json claims) {
  principal.claims = std::move(claims);
  return principal;
}

const Principal kAlice = with_claims(principal("alice", "acme", {"staff"}),
                                     {{"department", "eng"}, {"site", {{"code", "ber"}}}});

// ---- Evaluation -----------------------------------------------------------

TEST(Policy, DenyWinsOverAllow) {
  Policy policy = parse_ok(R"(
[[statements]]
id = "everything"
effect = "allow"
actions = ["object:*"]
resources = ["${org}/*"]

[[statements]]
id = "no-secrets"
effect = "deny"
actions = ["object:read"]
resources = ["${org}/*/secrets/*"]
)");
  EXPECT_TRUE(policy.evaluate(kAlice, request(Action::kObjectRead, "acme/bob/notes.txt")).allowed);
  auto denied = policy.evaluate(kAlice, request(Action::kObjectRead, "acme/bob/secrets/key"));
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.statement, "no-secrets");
  EXPECT_EQ(denied.line, 8);
  EXPECT_EQ(denied.reason, "denied by statement \"no-secrets\" (line 8)");
}

TEST(Policy, DefaultDenyWhenNothingAllows) {
  Policy policy = parse_ok(R"(
[[statements]]
effect = "allow"
actions = ["object:read"]
resources = ["${org}/${sub}/*"]
)");
  auto decision = policy.evaluate(kAlice, request(Action::kObjectWrite, "acme/alice/x"));
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.statement, "");
  EXPECT_EQ(decision.line, 0);
}

TEST(Policy, StatementWithoutIdIsNamedByPosition) {
  Policy policy = parse_ok(R"(
[[statements]]
effect = "allow"
actions = ["object:read"]
resources = ["*"]
)");
  auto decision = policy.evaluate(kAlice, request(Action::kObjectRead, "anything"));
  EXPECT_EQ(decision.statement, "#1");
  EXPECT_EQ(decision.line, 2);
}

TEST(Policy, ClaimVariableNamesResource) {
  Policy policy = parse_ok(R"(
[[statements]]
effect = "allow"
actions = ["object:read"]
resources = ["${org}/shared/${claim:department}/*", "${org}/sites/${claim:site.code}/*"]
)");
  EXPECT_TRUE(
      policy.evaluate(kAlice, request(Action::kObjectRead, "acme/shared/eng/plan.pdf")).allowed);
  EXPECT_TRUE(
      policy.evaluate(kAlice, request(Action::kObjectRead, "acme/sites/ber/map.png")).allowed);
  EXPECT_FALSE(
      policy.evaluate(kAlice, request(Action::kObjectRead, "acme/shared/ops/plan.pdf")).allowed);
}

TEST(Policy, MissingOrUnsafeClaimMatchesNothing) {
  Policy policy = parse_ok(R"(
[[statements]]
effect = "allow"
actions = ["object:read"]
resources = ["${org}/shared/${claim:team}/*"]
)");
  Principal without = kAlice;
  EXPECT_FALSE(policy.evaluate(without, request(Action::kObjectRead, "acme/shared//x")).allowed);
  Principal slashed = kAlice;
  slashed.claims["team"] = "eng/secret";
  EXPECT_FALSE(
      policy.evaluate(slashed, request(Action::kObjectRead, "acme/shared/eng/secret/x")).allowed);
  Principal starred = kAlice;
  starred.claims["team"] = "*";
  EXPECT_FALSE(policy.evaluate(starred, request(Action::kObjectRead, "acme/shared/ops/x")).allowed);
}

TEST(Policy, VariableValueIsNotAWildcard) {
  Policy policy = parse_ok(R"(
[[statements]]
effect = "allow"
actions = ["object:read"]
resources = ["${org}/${sub}/*"]
)");
  Principal principal = policy::principal("a?c", "acme");
  EXPECT_TRUE(policy.evaluate(principal, request(Action::kObjectRead, "acme/a?c/x")).allowed);
  EXPECT_FALSE(policy.evaluate(principal, request(Action::kObjectRead, "acme/abc/x")).allowed);
}

TEST(Policy, WildcardMatchesAcrossSegmentsAndInMiddle) {
  Policy policy = parse_ok(R"(
[[statements]]
effect = "allow"
actions = ["object:read"]
resources = ["${org}/*/photos/*.jpg"]
)");
  EXPECT_TRUE(
      policy.evaluate(kAlice, request(Action::kObjectRead, "acme/bob/photos/a/b.jpg")).allowed);
  EXPECT_FALSE(
      policy.evaluate(kAlice, request(Action::kObjectRead, "acme/bob/photos/b.png")).allowed);
  EXPECT_FALSE(policy.evaluate(kAlice, request(Action::kObjectRead, "acme/photos.jpg")).allowed);
}

TEST(Policy, RoleConditionRequiresOneOfTheRoles) {
  Policy policy = parse_ok(R"(
[[statements]]
id = "auditors"
effect = "allow"
actions = ["admin:audit"]
resources = ["${org}/"]
conditions = { roles = ["auditor", "admin"] }
)");
  auto denied = policy.evaluate(kAlice, request(Action::kAdminAudit, "acme/"));
  EXPECT_FALSE(denied.allowed);
  EXPECT_NE(denied.reason.find("requires one of the roles auditor, admin"), std::string::npos)
      << denied.reason;
  Principal auditor = kAlice;
  auditor.roles = {"auditor"};
  EXPECT_TRUE(policy.evaluate(auditor, request(Action::kAdminAudit, "acme/")).allowed);
}

TEST(Policy, WriteConditionsBoundUploads) {
  Policy policy = parse_ok(R"(
[[statements]]
id = "uploads"
effect = "allow"
actions = ["object:write"]
resources = ["${org}/${sub}/*"]
[statements.conditions]
content_types = ["image/*", "application/json"]
max_size_bytes = 1000
max_url_ttl_seconds = 300
max_expiry_seconds = 86400
)");
  auto request = [](RequestAttributes attributes) {
    return AccessRequest{Action::kObjectWrite, "acme/alice/a", std::move(attributes)};
  };
  RequestAttributes good;
  good.content_type = "image/png";
  good.size_bytes = 1000;
  good.url_ttl = seconds{300};
  good.expiry = seconds{86400};
  EXPECT_TRUE(policy.evaluate(kAlice, request(good)).allowed);
  RequestAttributes big = good;
  big.size_bytes = 1001;
  EXPECT_FALSE(policy.evaluate(kAlice, request(big)).allowed);
  RequestAttributes text = good;
  text.content_type = "text/plain";
  EXPECT_FALSE(policy.evaluate(kAlice, request(text)).allowed);
  RequestAttributes long_url = good;
  long_url.url_ttl = seconds{301};
  EXPECT_FALSE(policy.evaluate(kAlice, request(long_url)).allowed);
  RequestAttributes long_expiry = good;
  long_expiry.expiry = seconds{86401};
  auto decision = policy.evaluate(kAlice, request(long_expiry));
  EXPECT_FALSE(decision.allowed);
  EXPECT_NE(decision.reason.find("statement \"uploads\" (line 2) covers it, but expiry 86401 s"),
            std::string::npos)
      << decision.reason;
}

TEST(Policy, UnsetAttributeIsNotTested) {
  Policy policy = parse_ok(R"(
[[statements]]
effect = "allow"
actions = ["object:write"]
resources = ["*"]
conditions = { max_size_bytes = 10 }
)");
  EXPECT_TRUE(policy.evaluate(kAlice, request(Action::kObjectWrite, "acme/alice/a")).allowed);
}

TEST(Policy, NotResourcesAppliesOutsideThePatterns) {
  Policy policy = parse_ok(R"(
[[statements]]
effect = "allow"
actions = ["object:read"]
resources = ["*"]

[[statements]]
id = "boundary"
effect = "deny"
actions = ["object:*"]
not_resources = ["${org}/*"]
)");
  EXPECT_TRUE(policy.evaluate(kAlice, request(Action::kObjectRead, "acme/x")).allowed);
  auto denied = policy.evaluate(kAlice, request(Action::kObjectRead, "globex/x"));
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.statement, "boundary");
}

// ---- Errors name the line -------------------------------------------------

TEST(PolicyParse, RejectsUnknownAction) {
  EXPECT_EQ(parse_error("[[statements]]\neffect = \"allow\"\nactions = [\"object:read\",\n"
                        "  \"object:wirte\"]\nresources = [\"*\"]\n"),
            "test.toml line 4: unknown action \"object:wirte\"");
}

TEST(PolicyParse, RejectsUnknownVariable) {
  EXPECT_EQ(parse_error("[[statements]]\neffect = \"allow\"\nactions = [\"object:read\"]\n"
                        "resources = [\"${tenant}/*\"]\n"),
            "test.toml line 4: unknown variable ${tenant}; use ${org}, ${sub} or ${claim:NAME}");
}

TEST(PolicyParse, RejectsUnknownCondition) {
  EXPECT_EQ(parse_error("[[statements]]\neffect = \"allow\"\nactions = [\"object:read\"]\n"
                        "resources = [\"*\"]\n[statements.conditions]\nmin_size_bytes = 1\n"),
            "test.toml line 6: unknown condition \"min_size_bytes\"; use roles, content_types, "
            "max_size_bytes, max_url_ttl_seconds or max_expiry_seconds");
}

TEST(PolicyParse, RejectsUnknownStatementKey) {
  EXPECT_EQ(parse_error("[[statements]]\nefect = \"allow\"\n"),
            "test.toml line 2: unknown statement key \"efect\"");
}

TEST(PolicyParse, RejectsBadEffect) {
  EXPECT_EQ(parse_error("[[statements]]\neffect = \"permit\"\nactions = [\"object:read\"]\n"
                        "resources = [\"*\"]\n"),
            "test.toml line 2: effect must be \"allow\" or \"deny\"");
}

TEST(PolicyParse, RejectsConditionForOtherAction) {
  EXPECT_EQ(parse_error("[[statements]]\neffect = \"allow\"\n"
                        "actions = [\"object:write\", \"object:read\"]\nresources = [\"*\"]\n"
                        "conditions = { max_size_bytes = 5 }\n"),
            "test.toml line 5: condition max_size_bytes applies only to object:write; put the "
            "other actions in a statement of their own");
}

TEST(PolicyParse, RejectsMaximumInDenyStatement) {
  auto error = parse_error(
      "[[statements]]\neffect = \"deny\"\nactions = [\"object:write\"]\n"
      "resources = [\"*\"]\nconditions = { max_size_bytes = 5 }\n");
  EXPECT_TRUE(error.starts_with("test.toml line 5: max_size_bytes limits what an allow")) << error;
}

TEST(PolicyParse, RejectsBadContentTypePattern) {
  auto error = parse_error(
      "[[statements]]\neffect = \"allow\"\nactions = [\"object:write\"]\n"
      "resources = [\"*\"]\nconditions = { content_types = [\"image\"] }\n");
  EXPECT_TRUE(error.starts_with("test.toml line 5: content type \"image\"")) << error;
}

TEST(PolicyParse, RejectsBothResourceKinds) {
  auto error = parse_error(
      "[[statements]]\neffect = \"allow\"\nactions = [\"object:read\"]\n"
      "resources = [\"*\"]\nnot_resources = [\"a\"]\n");
  EXPECT_EQ(error,
            "test.toml line 1: the statement needs exactly one of resources and "
            "not_resources");
}

TEST(PolicyParse, RejectsEmptyPolicy) {
  EXPECT_EQ(parse_error("version = 1\n"), "test.toml: the policy has no [[statements]]");
}

TEST(PolicyParse, RejectsOtherVersion) {
  EXPECT_EQ(parse_error("version = 2\n[[statements]]\n"),
            "test.toml line 1: unsupported policy version; this Satchel reads version 1");
}

TEST(PolicyParse, ReportsTomlSyntaxErrorLine) {
  auto error = parse_error("version = 1\n\n[[statements]\n");
  EXPECT_TRUE(error.starts_with("test.toml line 3: ")) << error;
}

TEST(PolicyParse, LoadNamesMissingFile) {
  auto policy = Policy::load("/nonexistent/policy.toml");
  ASSERT_FALSE(policy.has_value());
  EXPECT_EQ(policy.error(), "cannot read the policy file /nonexistent/policy.toml");
}

// ---- Retention rules ------------------------------------------------------

constexpr std::string_view kOneStatement =
    "[[statements]]\neffect = \"allow\"\nactions = [\"object:read\"]\nresources = [\"*\"]\n";

TEST(PolicyRetention, LongestMatchingRuleApplies) {
  Policy policy = parse_ok(std::string(kOneStatement) + R"(
[[retention]]
id = "records"
resources = ["${org}/*/records/*"]
days = 30

[[retention]]
id = "tax"
resources = ["${org}/*/records/tax/*", "${org}/${sub}/ledger.csv"]
days = 3650
)");
  auto records = policy.retention_for("acme", "alice", "acme/alice/records/a.csv");
  ASSERT_TRUE(records.has_value());
  EXPECT_EQ(records->id, "records");
  EXPECT_EQ(records->line, 6);
  EXPECT_EQ(records->period, std::chrono::days(30));
  auto tax = policy.retention_for("acme", "alice", "acme/alice/records/tax/2026.pdf");
  ASSERT_TRUE(tax.has_value());
  EXPECT_EQ(tax->id, "tax");
  EXPECT_EQ(tax->period, std::chrono::days(3650));
  auto ledger = policy.retention_for("acme", "alice", "acme/alice/ledger.csv");
  ASSERT_TRUE(ledger.has_value());
  EXPECT_EQ(ledger->id, "tax");
}

TEST(PolicyRetention, VariablesNameTheObjectsOwnerAndTenant) {
  Policy policy = parse_ok(std::string(kOneStatement) +
                           "[[retention]]\nresources = [\"${org}/${sub}/keep/*\"]\ndays = 1\n");
  EXPECT_TRUE(policy.retention_for("acme", "alice", "acme/alice/keep/x").has_value());
  EXPECT_FALSE(policy.retention_for("acme", "bob", "acme/alice/keep/x").has_value());
  EXPECT_FALSE(policy.retention_for("globex", "alice", "acme/alice/keep/x").has_value());
  EXPECT_FALSE(policy.retention_for("acme", "alice", "acme/alice/other").has_value());
  auto unnamed = policy.retention_for("acme", "alice", "acme/alice/keep/x");
  ASSERT_TRUE(unnamed.has_value());
  EXPECT_EQ(unnamed->id, "retention #1");
}

TEST(PolicyRetention, NoRulesRetainNothing) {
  Policy policy = parse_ok(kOneStatement);
  EXPECT_FALSE(policy.retention_for("acme", "alice", "acme/alice/records/a").has_value());
  EXPECT_FALSE(Policy::default_policy().retention_for("acme", "a", "acme/a/records/b"));
}

TEST(PolicyRetention, RejectsClaimVariable) {
  auto error = parse_error(std::string(kOneStatement) +
                           "[[retention]]\nresources = [\"${claim:team}/*\"]\ndays = 1\n");
  EXPECT_EQ(error,
            "test.toml line 6: retention resources may use ${org} and ${sub} but no "
            "${claim:...}, because expiry is checked without a token");
}

TEST(PolicyRetention, RejectsBadDays) {
  EXPECT_EQ(parse_error(std::string(kOneStatement) + "[[retention]]\nresources = [\"*\"]\n"),
            "test.toml line 5: the retention rule has no days");
  EXPECT_EQ(
      parse_error(std::string(kOneStatement) + "[[retention]]\nresources = [\"*\"]\ndays = 0\n"),
      "test.toml line 7: days must be a positive integer");
  EXPECT_EQ(parse_error(std::string(kOneStatement) +
                        "[[retention]]\nresources = [\"*\"]\ndays = 36501\n"),
            "test.toml line 7: days must be at most 36500");
}

TEST(PolicyRetention, RejectsUnknownKeyAndMissingResources) {
  EXPECT_EQ(parse_error(std::string(kOneStatement) + "[[retention]]\nyears = 1\n"),
            "test.toml line 6: unknown retention key \"years\"; use id, resources and days");
  EXPECT_EQ(parse_error(std::string(kOneStatement) + "[[retention]]\ndays = 1\n"),
            "test.toml line 5: the retention rule has no resources");
}

}  // namespace
}  // namespace satchel::policy
