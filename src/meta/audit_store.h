// The audit store that keeps events in the metadata database, so they survive a restart and
// every API process sharing the database serves the same events.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

#include "meta/repository.h"
#include "obs/audit.h"

namespace satchel::meta {

// Bounds of DatabaseAuditStore's queue.
struct AuditQueueLimits {
  // How long the first event of an empty queue waits for others to join its batch.
  std::chrono::milliseconds flush_interval{5};
  // A queue this long is written at once, without waiting for flush_interval.
  std::size_t max_batch_events = 512;
  // Events beyond this many waiting to be written are not stored (see record()).
  std::size_t max_queued_events = 16'384;
};

class DatabaseAuditStore final : public obs::AuditStore {
 public:
  // repository and pool must outlive the store. The destructor writes the queued events.
  DatabaseAuditStore(Repository& repository, boost::asio::thread_pool& pool,
                     AuditQueueLimits limits = {});
  ~DatabaseAuditStore() override;
  DatabaseAuditStore(const DatabaseAuditStore&) = delete;
  DatabaseAuditStore& operator=(const DatabaseAuditStore&) = delete;

  // Queues the event and returns at once, so an I/O thread never waits for the database. The
  // pool writes the queue in batches of up to limits.max_batch_events, one transaction each,
  // in the order record() was called. A failed batch counts each of its events with
  // obs::count_audit_write_failures() and logs once until a batch succeeds again. When
  // limits.max_queued_events are already waiting, the event is not stored: it is counted the
  // same way, logged once until the queue has room again, and still reaches the audit log's
  // other sinks (the JSON lines on standard output).
  void record(const obs::AuditEvent& event) override;

  // Writes every event queued before the call on the calling thread, which therefore must not
  // be an I/O thread. A batch that a pool thread is writing is waited for up to
  // kMaxFlushWait, because it holds the database's write lock.
  void flush() override;

  // Flushes the queue, so a process lists the events it has just recorded, then reads one page
  // from the database on the calling thread.
  Expected<obs::AuditPage, obs::AuditQueryError> query(const obs::AuditQuery& query) const override;

  // Appends one event on the calling thread, without the queue, with the same failure handling
  // as record(). Returns whether the event was stored.
  bool append(const obs::AuditEvent& event);

  static constexpr std::chrono::milliseconds kMaxFlushWait{2000};

  class Queue;

 private:
  Repository& repository_;
  // Shared with the handlers queued on the pool, which may run after the store is gone.
  std::shared_ptr<Queue> queue_;
};

// Conversions between the audit log's event and the database record.
AuditRecord to_audit_record(const obs::AuditEvent& event);
obs::AuditEvent to_audit_event(const AuditRecord& record);

}  // namespace satchel::meta
