#include "obs/audit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/time_format.h"

namespace satchel::obs {
namespace {

AuditEvent event(int64_t unix_seconds, std::string tenant, std::string subject,
                 std::string action) {
  AuditEvent result;
  result.time = from_unix_seconds(unix_seconds);
  result.request_id = "r" + std::to_string(unix_seconds);
  result.tenant = std::move(tenant);
  result.subject = std::move(subject);
  result.action = std::move(action);
  result.decision = "allow";
  return result;
}

TEST(AuditEvent, FormatsAsOneJsonObject) {
  AuditEvent audited = event(1'700'000'000, "acme", "alice", "object:write");
  audited.key = "acme/alice/a \"b\".txt";
  audited.reason = "allowed by statement \"own-space-write\" (line 20)";
  audited.client_address = "127.0.0.1:5000";
  audited.user_agent = "curl/8.0\n";
  EXPECT_EQ(format_audit_event(audited),
            R"json({"time":"2023-11-14T22:13:20.000Z","request_id":"r1700000000",)json"
            R"json("subject":"alice","tenant":"acme","action":"object:write",)json"
            R"json("key":"acme/alice/a \"b\".txt","decision":"allow",)json"
            R"json("reason":"allowed by statement \"own-space-write\" (line 20)",)json"
            R"json("client_address":"127.0.0.1:5000","user_agent":"curl/8.0\n"})json");
}

TEST(MemoryAuditStore, ReturnsOnlyTheQueriedTenantNewestFirst) {
  MemoryAuditStore store;
  store.record(event(1, "acme", "alice", "object:write"));
  store.record(event(2, "globex", "gina", "object:write"));
  store.record(event(3, "acme", "bob", "object:read"));
  auto page = store.query({.tenant = "acme"});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].subject, "bob");
  EXPECT_EQ(page->events[1].subject, "alice");
  EXPECT_FALSE(page->next_cursor.has_value());
}

TEST(MemoryAuditStore, FiltersBySubjectActionAndTime) {
  MemoryAuditStore store;
  for (int i = 0; i < 10; ++i) {
    store.record(
        event(100 + i, "acme", i % 2 ? "alice" : "bob", i % 3 ? "object:read" : "object:delete"));
  }
  AuditQuery query{.tenant = "acme", .subject = "alice", .action = "object:read"};
  query.since = from_unix_seconds(103);
  query.until = from_unix_seconds(109);
  auto page = store.query(query);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].time, from_unix_seconds(107));
  EXPECT_EQ(page->events[1].time, from_unix_seconds(105));
}

TEST(MemoryAuditStore, PagesWithCursor) {
  MemoryAuditStore store;
  for (int i = 0; i < 5; ++i) store.record(event(i, "acme", "alice", "object:read"));
  AuditQuery query{.tenant = "acme", .limit = 2};
  std::vector<int64_t> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store.query(query);
    ASSERT_TRUE(page.has_value());
    for (const auto& item : page->events) seen.push_back(to_unix_seconds(item.time));
    if (!page->next_cursor) break;
    query.cursor = *page->next_cursor;
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{4, 3, 2, 1, 0}));
}

TEST(MemoryAuditStore, LastFullPageHasNoCursor) {
  MemoryAuditStore store;
  for (int i = 0; i < 2; ++i) store.record(event(i, "acme", "alice", "object:read"));
  auto page = store.query({.tenant = "acme", .limit = 2});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->events.size(), 2u);
  EXPECT_FALSE(page->next_cursor.has_value());
}

TEST(MemoryAuditStore, RejectsForeignCursor) {
  MemoryAuditStore store;
  auto page = store.query({.tenant = "acme", .cursor = "abc"});
  ASSERT_FALSE(page.has_value());
}

TEST(MemoryAuditStore, DropsOldestWhenFull) {
  MemoryAuditStore store(3);
  for (int i = 0; i < 5; ++i) store.record(event(i, "acme", "alice", "object:read"));
  auto page = store.query({.tenant = "acme"});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->events.size(), 3u);
  EXPECT_EQ(page->events.back().time, from_unix_seconds(2));
}

TEST(JsonLinesAuditSink, AppendsLinesToOwnerOnlyFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("satchel-audit-" + hex_encode(random_bytes(8)) + ".log");
  {
    auto sink = JsonLinesAuditSink::open(path.string());
    ASSERT_TRUE(sink.has_value()) << sink.error();
    (*sink)->record(event(1, "acme", "alice", "object:write"));
    (*sink)->record(event(2, "acme", "bob", "object:delete"));
  }
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::ifstream file(path);
  std::string first;
  std::string second;
  std::getline(file, first);
  std::getline(file, second);
  EXPECT_EQ(first, format_audit_event(event(1, "acme", "alice", "object:write")));
  EXPECT_EQ(second, format_audit_event(event(2, "acme", "bob", "object:delete")));
  std::filesystem::remove(path);
}

TEST(JsonLinesAuditSink, NamesUnwritablePath) {
  auto sink = JsonLinesAuditSink::open("/nonexistent/audit.log");
  ASSERT_FALSE(sink.has_value());
  EXPECT_TRUE(sink.error().starts_with("cannot open the audit log /nonexistent/audit.log: "))
      << sink.error();
}

}  // namespace
}  // namespace satchel::obs
