#include "meta/audit_store.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <exception>
#include <iterator>
#include <mutex>
#include <vector>

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

// The events waiting to be written and the one writer that drains them. At most one thread
// writes at a time (writing_), and it takes events from the front, so the database receives
// them in the order they were queued.
class DatabaseAuditStore::Queue : public std::enable_shared_from_this<Queue> {
 public:
  Queue(Repository& repository, boost::asio::thread_pool& pool, AuditQueueLimits limits)
      : repository_(repository),
        executor_(pool.get_executor()),
        limits_(limits),
        timer_(pool.get_executor()) {}

  void push(AuditRecord record) {
    std::unique_lock lock(mutex_);
    if (pending_.size() >= limits_.max_queued_events) {
      const bool first = !overflowing_;
      overflowing_ = true;
      lock.unlock();
      obs::count_audit_write_failures(1);
      if (first) {
        obs::error(
            "audit queue is full, so audit events are not written to the metadata database. "
            "They are counted in satchel_audit_write_failures_total and not logged until the "
            "queue has room again",
            {{"request_id", record.request_id},
             {"max_queued_events", static_cast<std::int64_t>(limits_.max_queued_events)}});
      }
      return;
    }
    pending_.push_back(std::move(record));
    if (writing_) return;  // the writer takes this event before it stops
    if (pending_.size() >= limits_.max_batch_events) {
      if (!write_posted_) {
        write_posted_ = true;
        boost::asio::post(executor_, [self = shared_from_this()] { self->write_posted(); });
      }
    } else if (!timer_armed_) {
      timer_armed_ = true;
      timer_.expires_after(limits_.flush_interval);
      timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (!error) self->write_posted();
      });
    }
  }

  void flush() {
    std::unique_lock lock(mutex_);
    if (!writer_done_.wait_for(lock, kMaxFlushWait, [this] { return !writing_; })) {
      obs::warn(
          "audit flush timed out waiting for a batch being written; the writer keeps the rest",
          {{"wait_ms", static_cast<std::int64_t>(kMaxFlushWait.count())}});
      return;
    }
    write_batches(lock);
  }

  // Cancels the pending timer, so the pool does not wait for it.
  void cancel_timer() {
    std::lock_guard lock(mutex_);
    timer_.cancel();
    timer_armed_ = false;
  }

  // Records whether the last write succeeded, and returns whether it changed.
  bool set_failing(bool failing) { return failing_.exchange(failing) != failing; }

 private:
  void write_posted() {
    std::unique_lock lock(mutex_);
    write_posted_ = false;
    timer_armed_ = false;
    if (!writing_) write_batches(lock);
  }

  // Writes batches until the queue is empty. Called with lock held and writing_ false, and
  // releases the lock while the database works.
  void write_batches(std::unique_lock<std::mutex>& lock) {
    writing_ = true;
    while (!pending_.empty()) {
      if (pending_.size() <= limits_.max_batch_events) {
        // The swap hands the batch's emptied buffer back to the queue, so steady traffic reuses
        // two allocations.
        batch_.clear();
        batch_.swap(pending_);
      } else {
        auto end = pending_.begin() + static_cast<std::ptrdiff_t>(limits_.max_batch_events);
        batch_.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(end));
        pending_.erase(pending_.begin(), end);
      }
      // The queue has room again, so the next overflow logs again.
      overflowing_ = false;
      lock.unlock();
      write_batch();
      lock.lock();
    }
    writing_ = false;
    writer_done_.notify_all();
  }

  // Writes batch_ in one transaction. A batch that the repository rejects as invalid is
  // written again one event at a time, so only the invalid events are lost.
  void write_batch() {
    Expected<void, MetaError> written;
    try {
      written = repository_.append_audit_events(batch_);
      if (!written && written.error().code == MetaErrorCode::kInvalid) {
        write_one_by_one();
        return;
      }
    } catch (const std::exception& exception) {
      // An exception escaping a pool thread would end the process.
      written = Unexpected(MetaError{MetaErrorCode::kUnavailable, exception.what(), std::nullopt});
    }
    if (written) {
      if (set_failing(false)) obs::info("audit events reach the metadata database again");
      return;
    }
    obs::count_audit_write_failures(batch_.size());
    if (set_failing(true)) {
      obs::error(
          "cannot write audit events to the metadata database. Further failures are counted in "
          "satchel_audit_write_failures_total and not logged until a write succeeds",
          {{"events", static_cast<std::int64_t>(batch_.size())},
           {"first_request_id", batch_.front().request_id},
           {"error", written.error().message}});
    }
  }

  void write_one_by_one() {
    for (const AuditRecord& record : batch_) {
      auto appended = repository_.append_audit_event(record);
      if (appended) continue;
      obs::count_audit_write_failures(1);
      obs::error("cannot write an audit event to the metadata database",
                 {{"request_id", record.request_id}, {"error", appended.error().message}});
    }
  }

  Repository& repository_;
  boost::asio::thread_pool::executor_type executor_;
  const AuditQueueLimits limits_;
  std::mutex mutex_;
  std::condition_variable writer_done_;
  std::vector<AuditRecord> pending_;  // guarded by mutex_
  std::vector<AuditRecord> batch_;    // used only by the thread that set writing_
  boost::asio::steady_timer timer_;   // guarded by mutex_
  bool timer_armed_ = false;          // guarded by mutex_
  bool write_posted_ = false;         // guarded by mutex_
  bool writing_ = false;              // guarded by mutex_
  bool overflowing_ = false;          // guarded by mutex_
  // True after a failed write until one succeeds, so a database outage logs one line.
  std::atomic<bool> failing_{false};
};

DatabaseAuditStore::DatabaseAuditStore(Repository& repository, boost::asio::thread_pool& pool,
                                       AuditQueueLimits limits)
    : repository_(repository), queue_(std::make_shared<Queue>(repository, pool, limits)) {}

DatabaseAuditStore::~DatabaseAuditStore() {
  queue_->flush();
  queue_->cancel_timer();
}

void DatabaseAuditStore::record(const obs::AuditEvent& event) {
  queue_->push(to_audit_record(event));
}

void DatabaseAuditStore::flush() {
  queue_->flush();
  queue_->cancel_timer();
}

bool DatabaseAuditStore::append(const obs::AuditEvent& event) {
  auto appended = repository_.append_audit_event(to_audit_record(event));
  if (appended) {
    if (queue_->set_failing(false)) obs::info("audit events reach the metadata database again");
    return true;
  }
  obs::count_audit_write_failures(1);
  if (queue_->set_failing(true)) {
    obs::error(
        "cannot write an audit event to the metadata database. Further failures are counted in "
        "satchel_audit_write_failures_total and not logged until a write succeeds",
        {{"request_id", event.request_id}, {"error", appended.error().message}});
  }
  return false;
}

Expected<obs::AuditPage, obs::AuditQueryError> DatabaseAuditStore::query(
    const obs::AuditQuery& query) const {
  queue_->flush();
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
