// The audit store that keeps events in the metadata database, so they survive a restart and
// every API process sharing the database serves the same events.
#pragma once

#include <atomic>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "meta/repository.h"
#include "obs/audit.h"

namespace satchel::meta {

class DatabaseAuditStore final : public obs::AuditStore {
 public:
  // repository and pool must outlive the store and every append it has queued.
  DatabaseAuditStore(Repository& repository, boost::asio::thread_pool& pool);

  // Queues the append on the pool and returns at once, so an I/O thread never waits for the
  // database. Appends run one at a time in the order they were queued. A failed append is
  // counted with obs::count_audit_write_failure(), logged once until an append succeeds again,
  // and not reported to the caller.
  void record(const obs::AuditEvent& event) override;

  // Reads one page from the database on the calling thread, which therefore must not be an I/O
  // thread. It first waits up to kMaxQueuedAppendWait for the appends queued before it, so a
  // process lists the events it has just recorded. The wait is bounded because the query may
  // occupy the pool thread that an append needs.
  Expected<obs::AuditPage, obs::AuditQueryError> query(const obs::AuditQuery& query) const override;

  // Appends on the calling thread with the same failure handling as record(). Returns whether
  // the event was stored.
  bool append(const obs::AuditEvent& event);

  static constexpr std::chrono::milliseconds kMaxQueuedAppendWait{2000};

 private:
  void wait_for_queued_appends() const;

  Repository& repository_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> appends_;
  mutable std::mutex mutex_;
  mutable std::condition_variable append_finished_;
  std::uint64_t queued_count_ = 0;    // guarded by mutex_
  std::uint64_t finished_count_ = 0;  // guarded by mutex_
  // True after a failed append until one succeeds, so a database outage logs one line.
  std::atomic<bool> failing_{false};
};

// Conversions between the audit log's event and the database record.
AuditRecord to_audit_record(const obs::AuditEvent& event);
obs::AuditEvent to_audit_event(const AuditRecord& record);

}  // namespace satchel::meta
