// The audit log: one event per decision that matters (sign-in failures,
// presigns, completed uploads, deletes, denials), written as JSON lines to a
// sink and kept in a store that admins query.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/expected.h"

namespace satchel::obs {

struct AuditEvent {
  SystemTime time{};
  std::string request_id;
  std::string subject;   // empty when no token was verified
  std::string tenant;    // empty when no token was verified
  std::string action;    // a policy action such as "object:write", or "auth:token"
  std::string key;       // the store key or resource, empty when none
  std::string decision;  // "allow" or "deny"
  std::string reason;
  std::string client_address;
  std::string user_agent;
};

// The event as one JSON object without a trailing newline. Members are in the
// struct's order, and time is ISO 8601 UTC with milliseconds.
std::string format_audit_event(const AuditEvent& event);

// Receives every audit event. Implementations are thread-safe.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void record(const AuditEvent& event) = 0;
};

// Writes each event as a JSON line and flushes it, under a mutex.
// NOTE: the write happens on the calling thread, which is an I/O thread in
// the API. A file write lands in the page cache and is not synced, but a
// stdout pipe whose reader stalls would block that thread.
class JsonLinesAuditSink final : public AuditSink {
 public:
  // "-" or "stdout" writes to standard output; anything else is a file
  // opened for appending and created with mode 0600.
  static Expected<std::unique_ptr<JsonLinesAuditSink>, std::string> open(const std::string& target);

  ~JsonLinesAuditSink() override;
  void record(const AuditEvent& event) override;

 private:
  JsonLinesAuditSink(std::FILE* file, bool owned) : file_(file), owned_(owned) {}

  std::mutex mutex_;
  std::FILE* file_;  // guarded by mutex_
  bool owned_;
};

inline constexpr size_t kMaxAuditPageSize = 1000;

struct AuditQuery {
  std::string tenant;  // required: events of other tenants are never returned
  std::optional<std::string> subject;
  std::optional<std::string> action;
  std::optional<SystemTime> since;  // inclusive
  std::optional<SystemTime> until;  // exclusive
  // From a previous page's next_cursor; empty for the newest events.
  std::string cursor;
  size_t limit = 100;  // clamped to 1..kMaxAuditPageSize
};

struct AuditPage {
  std::vector<AuditEvent> events;  // newest first
  std::optional<std::string> next_cursor;
};

// Why a query failed.
struct AuditQueryError {
  enum class Kind {
    kInvalidQuery,  // a cursor the store did not issue, or filter text it cannot store
    kUnavailable,   // the store cannot be read now
  };
  Kind kind = Kind::kInvalidQuery;
  std::string message;
};

// A queryable store of events. Implementations are thread-safe.
class AuditStore : public AuditSink {
 public:
  // May block on a database, so callers on an I/O thread move it to a worker thread.
  virtual Expected<AuditPage, AuditQueryError> query(const AuditQuery& query) const = 0;

  // Writes the events recorded so far before it returns, for a store that writes later than
  // record(). May block like query(). Stores that write in record() have nothing to do.
  virtual void flush() {}
};

// The most recent events in memory, oldest dropped first when full. Events
// are lost on restart.
class MemoryAuditStore final : public AuditStore {
 public:
  explicit MemoryAuditStore(size_t max_events = 100'000) : max_events_(max_events) {}

  void record(const AuditEvent& event) override;
  Expected<AuditPage, AuditQueryError> query(const AuditQuery& query) const override;

 private:
  struct Entry {
    uint64_t sequence;
    AuditEvent event;
  };

  const size_t max_events_;
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;   // guarded by mutex_, oldest first
  uint64_t next_sequence_ = 1;  // guarded by mutex_
};

// Counts audit events that a store could not keep. The request goes on
// either way, so operators watch this counter.
void count_audit_write_failures(std::uint64_t events);

// Sends each event to every sink and to the store, which also serves
// queries. Thread-safe.
class AuditLog {
 public:
  AuditLog(std::vector<std::shared_ptr<AuditSink>> sinks, std::shared_ptr<AuditStore> store);

  void record(const AuditEvent& event);
  // Flushes the store (see AuditStore::flush()), as a server does before it stops.
  void flush() { store_->flush(); }
  const AuditStore& store() const { return *store_; }

 private:
  std::vector<std::shared_ptr<AuditSink>> sinks_;
  std::shared_ptr<AuditStore> store_;
};

}  // namespace satchel::obs
