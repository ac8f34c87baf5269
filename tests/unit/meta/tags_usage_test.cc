// Object tags, per-owner usage and key redirects, run against every back end like
// repository_test.cc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "meta/usage_cursor.h"
#include "repository_test_fixture.h"

namespace satchel::meta {
namespace {

using namespace std::chrono_literals;
using test_support::kOwner;
using test_support::kTenant;
using test_support::RepositoryTest;

class TagsUsageTest : public RepositoryTest {
 protected:
  ObjectRecord commit(std::string_view owner, std::string_view name, std::uint64_t size,
                      ObjectTags tags = {}, std::string_view tenant = kTenant) {
    clock_.advance(1s);
    PendingUpload upload = make_upload(tenant, owner, name);
    upload.size = size;
    upload.tags = std::move(tags);
    auto committed = create_and_commit(upload);
    EXPECT_TRUE(committed.has_value()) << committed.error().message;
    return committed.has_value() ? *committed : ObjectRecord{};
  }

  std::vector<std::string> names_tagged(const ObjectTags& tags) {
    ObjectFilter filter;
    filter.tags = tags;
    auto page = repository_->list_objects(kTenant, "acme/", "", kMaxListLimit, filter);
    EXPECT_TRUE(page.has_value()) << page.error().message;
    std::vector<std::string> names;
    if (!page.has_value()) return names;
    for (const ObjectRecord& record : page->items) names.push_back(record.name);
    return names;
  }

  std::vector<SubjectUsage> usage(std::string_view prefix = "", std::string_view tenant = kTenant) {
    auto page = repository_->list_usage(tenant, prefix, "", kMaxListLimit);
    EXPECT_TRUE(page.has_value()) << page.error().message;
    return page.has_value() ? page->items : std::vector<SubjectUsage>{};
  }

  KeyRedirect redirect(std::string_view old_key, std::string_view new_key) {
    return KeyRedirect{.tenant = std::string(kTenant),
                       .old_key = std::string(old_key),
                       .new_key = std::string(new_key),
                       .cut_over_at = clock_.now() + 24h,
                       .created_at = clock_.now()};
  }
};

TEST_P(TagsUsageTest, CommittedTagsReadBack) {
  ObjectTags tags{{"team", "blue"}, {"größe", "groß"}, {"empty", ""}};
  ObjectRecord committed = commit(kOwner, "a.json", 10, tags);
  EXPECT_EQ(committed.tags, tags);
  auto fetched = repository_->get_object(kTenant, "acme/user-1/a.json");
  ASSERT_TRUE(fetched.has_value()) << fetched.error().message;
  EXPECT_EQ(fetched->tags, tags);
}

TEST_P(TagsUsageTest, PendingUploadKeepsTags) {
  PendingUpload upload = make_upload("a.json");
  upload.tags = {{"project", "apollo"}};
  ASSERT_TRUE(repository_->create_pending_upload(upload).has_value());
  auto found = repository_->find_pending_upload(kTenant, upload.id);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->tags, upload.tags);
}

TEST_P(TagsUsageTest, UploadWithTooManyTagsIsInvalid) {
  PendingUpload upload = make_upload("a.json");
  for (int i = 0; i < 11; ++i) upload.tags["k" + std::to_string(i)] = "v";
  auto created = repository_->create_pending_upload(upload);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, MetaErrorCode::kInvalid);
}

TEST_P(TagsUsageTest, HistoryCarriesTagsOfEachVersion) {
  commit(kOwner, "a.json", 10, {{"stage", "draft"}});
  commit(kOwner, "a.json", 10, {{"stage", "final"}});
  auto page = repository_->list_versions(kTenant, "acme/user-1/a.json", "", 10);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].tags, (ObjectTags{{"stage", "final"}}));
  EXPECT_EQ(page->items[1].tags, (ObjectTags{{"stage", "draft"}}));
}

TEST_P(TagsUsageTest, RestoreBringsBackVersionTags) {
  ObjectRecord first = commit(kOwner, "a.json", 10, {{"stage", "draft"}});
  ObjectRecord second = commit(kOwner, "a.json", 10, {{"stage", "final"}});
  RestoreRequest request;
  request.tenant = kTenant;
  request.key = first.key;
  request.source_version_id = first.version_id;
  request.observed.version_id = "copy";
  request.observed.size = 10;
  request.observed.etag = std::string(test_support::kEtag);
  request.observed.content_type = "application/json";
  request.expected_revision = second.revision;
  auto restored = repository_->restore_version(request, clock_.now());
  ASSERT_TRUE(restored.has_value()) << restored.error().message;
  EXPECT_EQ(restored->tags, (ObjectTags{{"stage", "draft"}}));
}

TEST_P(TagsUsageTest, FilterMatchesEveryRequiredTag) {
  commit(kOwner, "a.json", 1, {{"team", "blue"}, {"stage", "final"}});
  commit(kOwner, "b.json", 1, {{"team", "blue"}});
  commit(kOwner, "c.json", 1, {{"team", "red"}, {"stage", "final"}});
  commit(kOwner, "d.json", 1);
  EXPECT_EQ(names_tagged({{"team", "blue"}}), (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_EQ(names_tagged({{"team", "blue"}, {"stage", "final"}}),
            std::vector<std::string>{"a.json"});
  EXPECT_EQ(names_tagged({{"stage", "final"}}), (std::vector<std::string>{"a.json", "c.json"}));
  EXPECT_TRUE(names_tagged({{"team", "green"}}).empty());
}

TEST_P(TagsUsageTest, FilterComparesExactly) {
  commit(kOwner, "a.json", 1, {{"team", "Blue"}});
  commit(kOwner, "b.json", 1, {{"team", ""}});
  EXPECT_TRUE(names_tagged({{"team", "blue"}}).empty());
  EXPECT_TRUE(names_tagged({{"Team", "Blue"}}).empty());
  EXPECT_EQ(names_tagged({{"team", "Blue"}}), std::vector<std::string>{"a.json"});
  EXPECT_EQ(names_tagged({{"team", ""}}), std::vector<std::string>{"b.json"});
}

TEST_P(TagsUsageTest, FilterWithInvalidTagIsInvalid) {
  ObjectFilter filter;
  filter.tags = {{"a:b", "c"}};
  auto page = repository_->list_objects(kTenant, "acme/", "", 10, filter);
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code, MetaErrorCode::kInvalid);
}

TEST_P(TagsUsageTest, FilterPagesThroughMatches) {
  for (int i = 0; i < 5; ++i) {
    commit(kOwner, "tagged-" + std::to_string(i) + ".json", 1, {{"keep", "yes"}});
    commit(kOwner, "plain-" + std::to_string(i) + ".json", 1);
  }
  ObjectFilter filter;
  filter.tags = {{"keep", "yes"}};
  std::vector<std::string> names;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = repository_->list_objects(kTenant, "acme/", cursor, 2, filter);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    for (const ObjectRecord& record : page->items) names.push_back(record.name);
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"tagged-0.json", "tagged-1.json", "tagged-2.json",
                                             "tagged-3.json", "tagged-4.json"}));
}

TEST_P(TagsUsageTest, UsageCountsObjectsAndBytesPerOwner) {
  commit("alice", "a.json", 10);
  commit("alice", "b.json", 5);
  commit("bob", "a.json", 7);
  commit("alice", "a.json", 20);  // replaces the first version, which no longer counts
  EXPECT_EQ(usage(), (std::vector<SubjectUsage>{{"alice", 2, 25}, {"bob", 1, 7}}));
}

TEST_P(TagsUsageTest, UsageLeavesOutDeletedObjects) {
  ObjectRecord record = commit("alice", "a.json", 10);
  commit("alice", "b.json", 3);
  ASSERT_TRUE(
      repository_->delete_object(kTenant, record.key, std::nullopt, "", clock_.now()).has_value());
  EXPECT_EQ(usage(), (std::vector<SubjectUsage>{{"alice", 1, 3}}));
}

TEST_P(TagsUsageTest, UsageNeverCrossesTenants) {
  commit("alice", "a.json", 10);
  commit("mallory", "a.json", 99, {}, "globex");
  EXPECT_EQ(usage(), (std::vector<SubjectUsage>{{"alice", 1, 10}}));
  EXPECT_EQ(usage("", "globex"), (std::vector<SubjectUsage>{{"mallory", 1, 99}}));
  EXPECT_TRUE(usage("", "initech").empty());
}

TEST_P(TagsUsageTest, UsageFiltersByNamePrefix) {
  commit("alice", "photos/a.jpg", 100);
  commit("alice", "photos/b.jpg", 50);
  commit("alice", "notes.txt", 1);
  commit("bob", "notes.txt", 2);
  commit("carol", "photos/c.jpg", 30);
  EXPECT_EQ(usage("photos/"), (std::vector<SubjectUsage>{{"alice", 2, 150}, {"carol", 1, 30}}));
  EXPECT_EQ(usage("photo"), (std::vector<SubjectUsage>{{"alice", 2, 150}, {"carol", 1, 30}}));
  EXPECT_TRUE(usage("videos/").empty());
}

TEST_P(TagsUsageTest, UsagePrefixComparesBytes) {
  commit("alice", "Ärger.txt", 1);
  commit("alice", "ärger.txt", 2);
  commit("alice", "a%.txt", 4);
  commit("alice", "ab.txt", 8);
  EXPECT_EQ(usage("ä"), (std::vector<SubjectUsage>{{"alice", 1, 2}}));
  EXPECT_EQ(usage("a%"), (std::vector<SubjectUsage>{{"alice", 1, 4}}));
}

TEST_P(TagsUsageTest, UsageOrdersOwnersByBytes) {
  for (std::string owner : {"b", "B", "a", "é", "z"}) commit(owner, "x.txt", 1);
  std::vector<std::string> owners;
  for (const SubjectUsage& row : usage()) owners.push_back(row.owner);
  EXPECT_EQ(owners, (std::vector<std::string>{"B", "a", "b", "z", "é"}));
}

TEST_P(TagsUsageTest, UsagePagesReturnEveryOwnerOnce) {
  for (int i = 0; i < 7; ++i) {
    commit("user-" + std::to_string(i), "a.txt", static_cast<std::uint64_t>(i + 1));
  }
  std::vector<std::string> owners;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = repository_->list_usage(kTenant, "", cursor, 3);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    EXPECT_LE(page->items.size(), 3u);
    for (const SubjectUsage& row : page->items) owners.push_back(row.owner);
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ(owners, (std::vector<std::string>{"user-0", "user-1", "user-2", "user-3", "user-4",
                                              "user-5", "user-6"}));
}

TEST_P(TagsUsageTest, UsageRejectsMalformedCursor) {
  // The last one carries "usage:" with no owner after it.
  const std::vector<std::string> cursors{"not a cursor", encode_usage_cursor("alice") + "!",
                                         "dXNhZ2U6"};
  for (const std::string& cursor : cursors) {
    auto page = repository_->list_usage(kTenant, "", cursor, 10);
    ASSERT_FALSE(page.has_value()) << cursor;
    EXPECT_EQ(page.error().code, MetaErrorCode::kInvalid) << cursor;
  }
}

TEST_P(TagsUsageTest, RecordedRedirectReadsBack) {
  KeyRedirect moved = redirect("acme/user-1/old.json", "acme/user-1/new.json");
  auto recorded = repository_->record_key_redirect(moved);
  ASSERT_TRUE(recorded.has_value()) << recorded.error().message;
  EXPECT_EQ(*recorded, moved);
  auto found = repository_->find_key_redirect(kTenant, "acme/user-1/old.json");
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(*found, moved);
}

TEST_P(TagsUsageTest, RedirectIsActiveUntilCutOver) {
  KeyRedirect moved = redirect("acme/user-1/old.json", "acme/user-1/new.json");
  EXPECT_TRUE(moved.is_active(moved.cut_over_at - 1us));
  EXPECT_FALSE(moved.is_active(moved.cut_over_at));
}

TEST_P(TagsUsageTest, RecordingRedirectAgainReplacesIt) {
  ASSERT_TRUE(repository_->record_key_redirect(redirect("acme/u/old", "acme/u/first")));
  clock_.advance(1h);
  KeyRedirect second = redirect("acme/u/old", "acme/u/second");
  ASSERT_TRUE(repository_->record_key_redirect(second));
  auto found = repository_->find_key_redirect(kTenant, "acme/u/old");
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(*found, second);
}

TEST_P(TagsUsageTest, MissingRedirectIsNotFound) {
  ASSERT_TRUE(repository_->record_key_redirect(redirect("acme/u/old", "acme/u/new")));
  auto other_key = repository_->find_key_redirect(kTenant, "acme/u/other");
  ASSERT_FALSE(other_key.has_value());
  EXPECT_EQ(other_key.error().code, MetaErrorCode::kNotFound);
  auto other_tenant = repository_->find_key_redirect("globex", "acme/u/old");
  ASSERT_FALSE(other_tenant.has_value());
  EXPECT_EQ(other_tenant.error().code, MetaErrorCode::kNotFound);
}

TEST_P(TagsUsageTest, RedirectOutOfTenantIsInvalid) {
  for (const KeyRedirect& bad :
       {redirect("acme/u/old", "globex/u/new"), redirect("globex/u/old", "acme/u/new"),
        redirect("acme/u/same", "acme/u/same"), redirect("acme/", "acme/u/new")}) {
    auto recorded = repository_->record_key_redirect(bad);
    ASSERT_FALSE(recorded.has_value()) << bad.old_key << " -> " << bad.new_key;
    EXPECT_EQ(recorded.error().code, MetaErrorCode::kInvalid);
  }
}

TEST_P(TagsUsageTest, ListsTenantsInByteOrder) {
  commit("u", "a.txt", 1, {}, "globex");
  commit("u", "a.txt", 1, {}, "acme");
  commit("v", "b.txt", 1, {}, "acme");
  commit("u", "a.txt", 1, {}, "acme-west");
  // A tenant whose only object was deleted still has history, so it is listed.
  commit("u", "gone.txt", 1, {}, "initech");
  auto deleted =
      repository_->delete_object("initech", "initech/u/gone.txt", std::nullopt, "", clock_.now());
  ASSERT_TRUE(deleted.has_value()) << deleted.error().message;

  auto page = repository_->list_tenants("", kMaxListLimit);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->items, (std::vector<std::string>{"acme", "acme-west", "globex", "initech"}));
  EXPECT_FALSE(page->next_cursor.has_value());
}

TEST_P(TagsUsageTest, PagesTenantsWithCursor) {
  for (std::string_view tenant : {"t1", "t2", "t3"}) commit("u", "a.txt", 1, {}, tenant);
  auto first = repository_->list_tenants("", 2);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->items, (std::vector<std::string>{"t1", "t2"}));
  ASSERT_TRUE(first->next_cursor.has_value());
  auto second = repository_->list_tenants(*first->next_cursor, 2);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->items, (std::vector<std::string>{"t3"}));
  EXPECT_FALSE(second->next_cursor.has_value());
}

TEST_P(TagsUsageTest, EmptyIndexHasNoTenants) {
  auto page = repository_->list_tenants("", kMaxListLimit);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->next_cursor.has_value());
}

TEST_P(TagsUsageTest, RejectsForeignTenantCursor) {
  auto page = repository_->list_tenants(encode_usage_cursor("acme"), kMaxListLimit);
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().code, MetaErrorCode::kInvalid);
}

INSTANTIATE_BACKEND_TESTS(TagsUsageTest);

}  // namespace
}  // namespace satchel::meta
