#include "meta/audit_store.h"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "obs/log.h"

namespace satchel::meta {

AuditRecord to_audit_record(const obs::AuditEvent& event) {
  return AuditRecord{.time = event.time,
                     .request_id = event.request_id,
                     .subject = event.subject,
                     .tenant = event.tenant,
                     .action = event.action,
                     .key = event.key,
                     .decision = event.decision,
                     .reason = event.reason,
                     .client_address = event.client_address,
                     .user_agent = event.user_agent};
}

obs::AuditEvent to_audit_event(const AuditRecord& record) {
  return obs::AuditEvent{.time = record.time,
                         .request_id = record.request_id,
                         .subject = record.subject,
                         .tenant = record.tenant,
                         .action = record.action,
                         .key = record.key,
                         .decision = record.decision,
                         .reason = record.reason,
                         .client_address = record.client_address,
                         .user_agent = record.user_agent};
}

DatabaseAuditStore::DatabaseAuditStore(Repository& repository, boost::asio::thread_pool& pool)
    : repository_(repository), appends_(boost::asio::make_strand(pool.get_executor())) {}

void DatabaseAuditStore::record(const obs::AuditEvent& event) {
  {
    std::lock_guard lock(mutex_);
    ++queued_count_;
  }
  boost::asio::post(appends_, [this, event] {
    try {
      append(event);
    } catch (const std::exception& exception) {
      // An exception escaping a pool thread would end the process.
      obs::count_audit_write_failure();
      obs::error("cannot write an audit event to the metadata database",
                 {{"request_id", event.request_id}, {"error", exception.what()}});
    }
    {
      std::lock_guard lock(mutex_);
      ++finished_count_;
    }
    append_finished_.notify_all();
  });
}

void DatabaseAuditStore::wait_for_queued_appends() const {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = queued_count_;
  append_finished_.wait_for(lock, kMaxQueuedAppendWait, [&] { return finished_count_ >= target; });
}

bool DatabaseAuditStore::append(const obs::AuditEvent& event) {
  auto appended = repository_.append_audit_event(to_audit_record(event));
  if (appended) {
    if (failing_.exchange(false)) obs::info("audit events reach the metadata database again");
    return true;
  }
  obs::count_audit_write_failure();
  if (!failing_.exchange(true)) {
    obs::error(
        "cannot write an audit event to the metadata database. Further failures are counted in "
        "satchel_audit_write_failures_total and not logged until a write succeeds",
        {{"request_id", event.request_id}, {"error", appended.error().message}});
  }
  return false;
}

Expected<obs::AuditPage, obs::AuditQueryError> DatabaseAuditStore::query(
    const obs::AuditQuery& query) const {
  wait_for_queued_appends();
  AuditFilter filter{
      .subject = query.subject, .action = query.action, .since = query.since, .until = query.until};
  auto listed = repository_.list_audit_events(query.tenant, filter, query.cursor,
                                              std::min(query.limit, obs::kMaxAuditPageSize));
  if (!listed) {
    const MetaError& error = listed.error();
    auto kind = error.code == MetaErrorCode::kInvalid ? obs::AuditQueryError::Kind::kInvalidQuery
                                                      : obs::AuditQueryError::Kind::kUnavailable;
    return Unexpected(obs::AuditQueryError{kind, error.message});
  }
  obs::AuditPage page;
  page.events.reserve(listed->items.size());
  for (const AuditRecord& record : listed->items) page.events.push_back(to_audit_event(record));
  page.next_cursor = std::move(listed->next_cursor);
  return page;
}

}  // namespace satchel::meta
