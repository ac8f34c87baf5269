// The audit table, run against every back end like repository_test.cc, and the audit store that
// writes to it from a worker pool.
#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>
#include <string>
#include <vector>

#include "meta/audit_cursor.h"
#include "meta/audit_store.h"
#include "obs/metrics.h"
#include "repository_test_fixture.h"

namespace satchel::meta {
namespace {

using namespace std::chrono_literals;
using test_support::RepositoryTest;

class AuditEventsTest : public RepositoryTest {
 protected:
  AuditRecord make_event(std::string_view tenant, std::string_view subject,
                         std::string_view action) {
    clock_.advance(1s);
    AuditRecord record;
    record.time = clock_.now();
    record.request_id = "request-" + std::to_string(++event_count_);
    record.subject = subject;
    record.tenant = tenant;
    record.action = action;
    record.key = std::string(tenant) + "/" + std::string(subject) + "/notes.txt";
    record.decision = "allow";
    record.reason = "upload presigned";
    record.client_address = "127.0.0.1";
    record.user_agent = "curl/7.88";
    return record;
  }

  std::int64_t append(const AuditRecord& record) {
    auto appended = repository_->append_audit_event(record);
    EXPECT_TRUE(appended.has_value()) << appended.error().message;
    return appended.has_value() ? *appended : 0;
  }

  std::vector<std::string> request_ids(std::string_view tenant, const AuditFilter& filter = {}) {
    auto page = repository_->list_audit_events(tenant, filter, "", kMaxListLimit);
    EXPECT_TRUE(page.has_value()) << page.error().message;
    std::vector<std::string> ids;
    if (!page.has_value()) return ids;
    for (const AuditRecord& record : page->items) ids.push_back(record.request_id);
    return ids;
  }

  int event_count_ = 0;
};

TEST_P(AuditEventsTest, AppendedEventReadsBackWhole) {
  AuditRecord record = make_event("acme", "alice", "object:write");
  record.reason = "größe: ok";
  std::int64_t id = append(record);
  auto page = repository_->list_audit_events("acme", {}, "", 10);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  record.id = id;
  EXPECT_EQ(page->items[0], record);
  EXPECT_FALSE(page->next_cursor.has_value());
}

TEST_P(AuditEventsTest, IdsIncrease) {
  std::int64_t first = append(make_event("acme", "alice", "object:write"));
  std::int64_t second = append(make_event("acme", "alice", "object:write"));
  EXPECT_GT(second, first);
}

TEST_P(AuditEventsTest, ListsOnlyTenantNewestFirst) {
  append(make_event("acme", "alice", "object:write"));
  append(make_event("globex", "bob", "object:write"));
  append(make_event("acme", "carol", "object:read"));
  EXPECT_EQ(request_ids("acme"), (std::vector<std::string>{"request-3", "request-1"}));
  EXPECT_EQ(request_ids("globex"), std::vector<std::string>{"request-2"});
  EXPECT_TRUE(request_ids("initech").empty());
}

TEST_P(AuditEventsTest, FiltersBySubjectAndAction) {
  append(make_event("acme", "alice", "object:write"));
  append(make_event("acme", "bob", "object:write"));
  append(make_event("acme", "alice", "object:delete"));
  EXPECT_EQ(request_ids("acme", {.subject = "alice"}),
            (std::vector<std::string>{"request-3", "request-1"}));
  EXPECT_EQ(request_ids("acme", {.action = "object:write"}),
            (std::vector<std::string>{"request-2", "request-1"}));
  EXPECT_EQ(request_ids("acme", {.subject = "alice", .action = "object:write"}),
            std::vector<std::string>{"request-1"});
}

TEST_P(AuditEventsTest, FiltersByTimeRange) {
  std::vector<SystemTime> times;
  for (int i = 0; i < 4; ++i) {
    AuditRecord record = make_event("acme", "alice", "object:read");
    times.push_back(record.time);
    append(record);
  }
  // since is inclusive and until exclusive.
  EXPECT_EQ(request_ids("acme", {.since = times[1], .until = times[3]}),
            (std::vector<std::string>{"request-3", "request-2"}));
  EXPECT_EQ(request_ids("acme", {.since = times[3]}), std::vector<std::string>{"request-4"});
  EXPECT_EQ(request_ids("acme", {.until = times[0]}), std::vector<std::string>{});
}

TEST_P(AuditEventsTest, PagesWithCursor) {
  for (int i = 0; i < 5; ++i) append(make_event("acme", "alice", "object:read"));
  append(make_event("globex", "bob", "object:read"));
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = repository_->list_audit_events("acme", {}, cursor, 2);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    ASSERT_LE(page->items.size(), 2u);
    for (const AuditRecord& record : page->items) seen.push_back(record.request_id);
    cursor = page->next_cursor.value_or("");
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"request-5", "request-4", "request-3", "request-2",
                                            "request-1"}));
}

TEST_P(AuditEventsTest, LastFullPageHasNoCursor) {
  for (int i = 0; i < 2; ++i) append(make_event("acme", "alice", "object:read"));
  auto page = repository_->list_audit_events("acme", {}, "", 2);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_FALSE(page->next_cursor.has_value());
}

TEST_P(AuditEventsTest, RejectsForeignCursor) {
  for (std::string_view cursor : {"abc", "cmV2aXNpb246Mw"}) {  // the second is "revision:3"
    auto page = repository_->list_audit_events("acme", {}, cursor, 10);
    ASSERT_FALSE(page.has_value());
    EXPECT_EQ(page.error().code, MetaErrorCode::kInvalid);
  }
}

TEST_P(AuditEventsTest, RejectsTextThatIsNotUtf8) {
  AuditRecord record = make_event("acme", "alice", "object:read");
  record.user_agent = "agent\xff";
  auto appended = repository_->append_audit_event(record);
  ASSERT_FALSE(appended.has_value());
  EXPECT_EQ(appended.error().code, MetaErrorCode::kInvalid);
  EXPECT_NE(appended.error().message.find("user_agent"), std::string::npos);
  EXPECT_TRUE(request_ids("acme").empty());
}

TEST_P(AuditEventsTest, KeepsEventsWithoutSubjectOrTenant) {
  AuditRecord record = make_event("", "", "auth:token");
  record.key = "";
  record.decision = "deny";
  append(record);
  EXPECT_EQ(request_ids(""), std::vector<std::string>{"request-1"});
}

TEST_P(AuditEventsTest, BatchAppendKeepsOrder) {
  std::vector<AuditRecord> records;
  for (int i = 0; i < 3; ++i) records.push_back(make_event("acme", "alice", "object:write"));
  auto appended = repository_->append_audit_events(records);
  ASSERT_TRUE(appended.has_value()) << appended.error().message;
  EXPECT_EQ(request_ids("acme"), (std::vector<std::string>{"request-3", "request-2", "request-1"}));
  // A later single append still gets a higher id than the whole batch.
  append(make_event("acme", "alice", "object:write"));
  EXPECT_EQ(request_ids("acme").front(), "request-4");
}

TEST_P(AuditEventsTest, BatchAppendReadsBackSpecialText) {
  // Quotes, backslashes, braces, commas, the word NULL and empty text must survive any
  // encoding the back end uses for a batch.
  std::vector<AuditRecord> records;
  records.push_back(make_event("acme", "alice", "object:write"));
  records[0].reason = R"(say "hi", {a,b} \ \" end\)";
  records[0].user_agent = "NULL";
  records[0].key = "";
  records.push_back(make_event("acme", "bob", "object:read"));
  records[1].reason = "größe: ok\n";
  records[1].client_address = "{}";
  ASSERT_TRUE(repository_->append_audit_events(records).has_value());
  auto page = repository_->list_audit_events("acme", {}, "", 10);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  AuditRecord newest = page->items[0];
  AuditRecord oldest = page->items[1];
  EXPECT_GT(newest.id, oldest.id);
  records[1].id = newest.id;
  records[0].id = oldest.id;
  EXPECT_EQ(newest, records[1]);
  EXPECT_EQ(oldest, records[0]);
}

TEST_P(AuditEventsTest, BatchAppendRejectsInvalidAndWritesNothing) {
  std::vector<AuditRecord> records;
  for (int i = 0; i < 3; ++i) records.push_back(make_event("acme", "alice", "object:write"));
  records[1].subject = "alice\xff";
  auto appended = repository_->append_audit_events(records);
  ASSERT_FALSE(appended.has_value());
  EXPECT_EQ(appended.error().code, MetaErrorCode::kInvalid);
  EXPECT_NE(appended.error().message.find("audit record 1"), std::string::npos);
  EXPECT_NE(appended.error().message.find("subject"), std::string::npos);
  EXPECT_TRUE(request_ids("acme").empty());
}

TEST_P(AuditEventsTest, BatchAppendOfNothingSucceeds) {
  auto appended = repository_->append_audit_events({});
  ASSERT_TRUE(appended.has_value()) << appended.error().message;
  EXPECT_TRUE(request_ids("acme").empty());
}

TEST_P(AuditEventsTest, StoreWritesOnPoolAndQueries) {
  boost::asio::thread_pool pool(2);
  DatabaseAuditStore store(*repository_, pool);
  for (int i = 0; i < 3; ++i) store.record(to_audit_event(make_event("acme", "alice", "x:y")));
  pool.join();
  auto page = store.query({.tenant = "acme", .limit = 2});
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].subject, "alice");
  ASSERT_TRUE(page->next_cursor.has_value());
  auto rest = store.query({.tenant = "acme", .cursor = *page->next_cursor});
  ASSERT_TRUE(rest.has_value()) << rest.error().message;
  EXPECT_EQ(rest->events.size(), 1u);
}

TEST_P(AuditEventsTest, StoreReportsInvalidCursorAsInvalidQuery) {
  boost::asio::thread_pool pool(1);
  DatabaseAuditStore store(*repository_, pool);
  auto page = store.query({.tenant = "acme", .cursor = "abc"});
  ASSERT_FALSE(page.has_value());
  EXPECT_EQ(page.error().kind, obs::AuditQueryError::Kind::kInvalidQuery);
}

// The value of the unlabelled counter in the default registry, 0 before its first increment.
double counter_value(std::string_view name) {
  std::string text = obs::default_registry().render();
  std::string prefix = "\n" + std::string(name) + " ";
  auto position = text.find(prefix);
  if (position == std::string::npos) return 0;
  return std::stod(text.substr(position + prefix.size()));
}

TEST_P(AuditEventsTest, StoreCountsFailedWrites) {
  boost::asio::thread_pool pool(1);
  DatabaseAuditStore store(*repository_, pool);
  double before = counter_value("satchel_audit_write_failures_total");
  obs::AuditEvent event = to_audit_event(make_event("acme", "alice", "object:read"));
  event.user_agent = "agent\xff";
  EXPECT_FALSE(store.append(event));
  store.record(event);
  pool.join();
  EXPECT_EQ(counter_value("satchel_audit_write_failures_total"), before + 2);
  event.user_agent = "agent";
  EXPECT_TRUE(store.append(event));
}

TEST_P(AuditEventsTest, StoreWritesQueueAfterInterval) {
  boost::asio::thread_pool pool(1);
  DatabaseAuditStore store(*repository_, pool, {.flush_interval = 1ms});
  for (int i = 0; i < 3; ++i) store.record(to_audit_event(make_event("acme", "alice", "x:y")));
  // join() returns once the timer has fired and its batch is written.
  pool.join();
  EXPECT_EQ(request_ids("acme"), (std::vector<std::string>{"request-3", "request-2", "request-1"}));
}

TEST_P(AuditEventsTest, StoreFlushWritesAllInOrder) {
  boost::asio::thread_pool pool(2);
  // A long interval leaves the writing to the full batches and to flush().
  DatabaseAuditStore store(*repository_, pool,
                           {.flush_interval = 1h, .max_batch_events = 7, .max_queued_events = 100});
  std::vector<std::string> expected;
  for (int i = 0; i < 50; ++i) {
    AuditRecord record = make_event("acme", "alice", "x:y");
    expected.insert(expected.begin(), record.request_id);
    store.record(to_audit_event(record));
  }
  store.flush();
  EXPECT_EQ(request_ids("acme"), expected);
  pool.join();
}

TEST_P(AuditEventsTest, StoreWritesQueueOnDestruction) {
  boost::asio::thread_pool pool(1);
  {
    DatabaseAuditStore store(*repository_, pool, {.flush_interval = 1h});
    for (int i = 0; i < 2; ++i) store.record(to_audit_event(make_event("acme", "bob", "x:y")));
  }
  EXPECT_EQ(request_ids("acme"), (std::vector<std::string>{"request-2", "request-1"}));
  pool.join();
}

TEST_P(AuditEventsTest, StoreCountsEventsBeyondFullQueue) {
  boost::asio::thread_pool pool(1);
  DatabaseAuditStore store(*repository_, pool,
                           {.flush_interval = 1h, .max_batch_events = 100, .max_queued_events = 3});
  double before = counter_value("satchel_audit_write_failures_total");
  for (int i = 0; i < 5; ++i) store.record(to_audit_event(make_event("acme", "alice", "x:y")));
  EXPECT_EQ(counter_value("satchel_audit_write_failures_total"), before + 2);
  store.flush();
  // The queue keeps the oldest events and rejects the newest.
  EXPECT_EQ(request_ids("acme"), (std::vector<std::string>{"request-3", "request-2", "request-1"}));
  // After the flush the queue has room again.
  store.record(to_audit_event(make_event("acme", "alice", "x:y")));
  store.flush();
  EXPECT_EQ(request_ids("acme").front(), "request-6");
  EXPECT_EQ(counter_value("satchel_audit_write_failures_total"), before + 2);
  pool.join();
}

TEST_P(AuditEventsTest, StoreKeepsValidEventsOfInvalidBatch) {
  boost::asio::thread_pool pool(1);
  DatabaseAuditStore store(*repository_, pool, {.flush_interval = 1h});
  double before = counter_value("satchel_audit_write_failures_total");
  for (int i = 0; i < 3; ++i) {
    obs::AuditEvent event = to_audit_event(make_event("acme", "alice", "x:y"));
    if (i == 1) event.user_agent = "agent\xff";
    store.record(event);
  }
  store.flush();
  EXPECT_EQ(request_ids("acme"), (std::vector<std::string>{"request-3", "request-1"}));
  EXPECT_EQ(counter_value("satchel_audit_write_failures_total"), before + 1);
  pool.join();
}

INSTANTIATE_BACKEND_TESTS(AuditEventsTest);

TEST(AuditCursor, RoundTrips) {
  auto decoded = decode_audit_cursor(encode_audit_cursor(42));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, 42);
}

TEST(AuditCursor, RejectsZeroAndGarbage) {
  EXPECT_FALSE(decode_audit_cursor(encode_audit_cursor(0)).has_value());
  EXPECT_FALSE(decode_audit_cursor("!!").has_value());
}

}  // namespace
}  // namespace satchel::meta
