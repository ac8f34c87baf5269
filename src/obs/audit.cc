#include "obs/audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "obs/log.h"
#include "obs/metrics.h"

namespace satchel::obs {
namespace {

void append_member(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":\"";
  append_json_escaped(out, value);
  out += '"';
}

// Appends the event's JSON object to out.
void append_audit_event(std::string& out, const AuditEvent& event) {
  // The member names, punctuation and time take 159 bytes, and escaping rarely adds more.
  out.reserve(out.size() + 160 + event.request_id.size() + event.subject.size() +
              event.tenant.size() + event.action.size() + event.key.size() + event.decision.size() +
              event.reason.size() + event.client_address.size() + event.user_agent.size());
  out += R"({"time":")";
  append_iso8601_millis(out, event.time);
  out += '"';
  append_member(out, "request_id", event.request_id);
  append_member(out, "subject", event.subject);
  append_member(out, "tenant", event.tenant);
  append_member(out, "action", event.action);
  append_member(out, "key", event.key);
  append_member(out, "decision", event.decision);
  append_member(out, "reason", event.reason);
  append_member(out, "client_address", event.client_address);
  append_member(out, "user_agent", event.user_agent);
  out += '}';
}

bool matches(const AuditEvent& event, const AuditQuery& query) {
  return event.tenant == query.tenant && (!query.subject || event.subject == *query.subject) &&
         (!query.action || event.action == *query.action) &&
         (!query.since || event.time >= *query.since) &&
         (!query.until || event.time < *query.until);
}

}  // namespace

std::string format_audit_event(const AuditEvent& event) {
  std::string out;
  append_audit_event(out, event);
  return out;
}

Expected<std::unique_ptr<JsonLinesAuditSink>, std::string> JsonLinesAuditSink::open(
    const std::string& target) {
  if (target == "-" || target == "stdout") {
    return std::unique_ptr<JsonLinesAuditSink>(new JsonLinesAuditSink(stdout, false));
  }
  // The audit log names users and keys, so only its owner may read it.
  const int descriptor = ::open(target.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (descriptor < 0) {
    return Unexpected("cannot open the audit log " + target + ": " + std::strerror(errno));
  }
  std::FILE* file = ::fdopen(descriptor, "a");
  if (file == nullptr) {
    ::close(descriptor);
    return Unexpected("cannot open the audit log " + target + ": " + std::strerror(errno));
  }
  return std::unique_ptr<JsonLinesAuditSink>(new JsonLinesAuditSink(file, true));
}

JsonLinesAuditSink::~JsonLinesAuditSink() {
  if (owned_) std::fclose(file_);
}

void JsonLinesAuditSink::record(const AuditEvent& event) {
  // Each thread reuses its buffer, so a line costs no allocation once the buffer has grown.
  thread_local std::string line;
  line.clear();
  append_audit_event(line, event);
  line += '\n';
  std::lock_guard lock(mutex_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    // Logged, not raised: a full disk must not fail the request it audits.
    error("cannot write the audit log",
          {{"request_id", event.request_id}, {"error", std::strerror(errno)}});
  }
}

void MemoryAuditStore::record(const AuditEvent& event) {
  std::lock_guard lock(mutex_);
  entries_.push_back({next_sequence_++, event});
  while (entries_.size() > max_events_) entries_.pop_front();
}

Expected<AuditPage, AuditQueryError> MemoryAuditStore::query(const AuditQuery& query) const {
  uint64_t before = UINT64_MAX;
  if (!query.cursor.empty()) {
    auto [end, error] =
        std::from_chars(query.cursor.data(), query.cursor.data() + query.cursor.size(), before);
    if (error != std::errc{} || end != query.cursor.data() + query.cursor.size()) {
      return Unexpected(AuditQueryError{AuditQueryError::Kind::kInvalidQuery,
                                        "invalid cursor: pass the next_cursor of a previous page"});
    }
  }
  const size_t limit = std::clamp<size_t>(query.limit, 1, kMaxAuditPageSize);
  AuditPage page;
  std::lock_guard lock(mutex_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->sequence >= before || !matches(it->event, query)) continue;
    if (page.events.size() == limit) {
      // One more match exists, so the page is not the last.
      page.next_cursor = std::to_string(before);
      break;
    }
    page.events.push_back(it->event);
    before = it->sequence;
  }
  return page;
}

void count_audit_write_failures(std::uint64_t events) {
  static CounterFamily& failures = default_registry().counter(
      "satchel_audit_write_failures_total",
      "Audit events that could not be written to the metadata database.");
  failures.labels({}).increment(events);
}

AuditLog::AuditLog(std::vector<std::shared_ptr<AuditSink>> sinks, std::shared_ptr<AuditStore> store)
    : sinks_(std::move(sinks)), store_(std::move(store)) {}

void AuditLog::record(const AuditEvent& event) {
  for (const auto& sink : sinks_) sink->record(event);
  store_->record(event);
}

}  // namespace satchel::obs
