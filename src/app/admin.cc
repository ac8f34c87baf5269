// GET /v1/admin/audit and GET /v1/admin/usage: the audit events and the
// storage use of the caller's tenant, for callers the policy allows
// admin:audit or admin:usage (the admin role in the default policy).
#include <charconv>
#include <nlohmann/json.hpp>

#include "app/api.h"
#include "app/handler_support.h"
#include "app/responses.h"
#include "common/time_format.h"
#include "http/offload.h"
#include "http/url.h"
#include "obs/log.h"

namespace satchel::app {
namespace {

nlohmann::json event_json(const obs::AuditEvent& event) {
  return {{"time", format_iso8601(event.time)},
          {"request_id", event.request_id},
          {"subject", event.subject},
          {"tenant", event.tenant},
          {"action", event.action},
          {"key", event.key},
          {"decision", event.decision},
          {"reason", event.reason},
          {"client_address", event.client_address},
          {"user_agent", event.user_agent}};
}

// Reads the query parameters into a query for tenant. Errors are the message
// of the 400 reply.
Expected<obs::AuditQuery, std::string> parse_audit_query(const http::QueryParams& params,
                                                         const std::string& tenant) {
  obs::AuditQuery query;
  query.tenant = tenant;
  if (const std::string* subject = http::find_param(params, "subject")) query.subject = *subject;
  if (const std::string* action = http::find_param(params, "action")) query.action = *action;
  for (auto [name, target] : {std::pair{"since", &query.since}, std::pair{"until", &query.until}}) {
    const std::string* text = http::find_param(params, name);
    if (text == nullptr) continue;
    auto time = parse_iso8601(*text);
    if (!time) {
      return Unexpected(std::string(name) +
                        " must be an ISO 8601 UTC time such as 2024-05-01T00:00:00Z");
    }
    *target = *time;
  }
  if (const std::string* cursor = http::find_param(params, "cursor")) query.cursor = *cursor;
  if (const std::string* limit = http::find_param(params, "limit")) {
    size_t value = 0;
    auto [end, error] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (error != std::errc{} || end != limit->data() + limit->size() || value == 0 ||
        value > obs::kMaxAuditPageSize) {
      return Unexpected("limit must be an integer from 1 to " +
                        std::to_string(obs::kMaxAuditPageSize));
    }
    query.limit = value;
  }
  return query;
}

}  // namespace

Api::Reply Api::get_usage(http::Request& request) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  auto params = http::parse_query(request.raw_query());
  if (!params) {
    co_return error_reply(request, http::Status::bad_request, "invalid_query",
                          "query string has a malformed percent escape");
  }
  auto decision =
      authorize(request, *principal, {policy::Action::kAdminUsage, principal->tenant + "/", {}});
  if (!decision) co_return std::move(decision).error();

  const std::string* prefix = http::find_param(*params, "prefix");
  const std::string* cursor = http::find_param(*params, "cursor");
  auto limit = parse_page_limit(http::find_param(*params, "limit"));
  if (!limit) {
    co_return error_reply(
        request, http::Status::bad_request, "invalid_limit",
        "limit must be an integer from 1 to " + std::to_string(meta::kMaxListLimit));
  }
  // Only the caller's tenant is ever counted: the tenant comes from the
  // verified token, never from the query.
  auto page = co_await http::offload(workers_, [&] {
    return repository_.list_usage(principal->tenant, prefix ? *prefix : "", cursor ? *cursor : "",
                                  *limit);
  });
  if (!page) co_return meta_error_reply(request, page.error());
  nlohmann::json subjects = nlohmann::json::array();
  for (const meta::SubjectUsage& usage : page->items) {
    subjects.push_back(
        {{"subject", usage.owner}, {"objects", usage.object_count}, {"bytes", usage.total_bytes}});
  }
  nlohmann::json reply = {
      {"tenant", principal->tenant}, {"subjects", std::move(subjects)}, {"next_cursor", nullptr}};
  if (page->next_cursor) reply["next_cursor"] = *page->next_cursor;
  co_return json_reply(request, http::Status::ok, reply);
}

Api::Reply Api::list_audit_events(http::Request& request) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  auto params = http::parse_query(request.raw_query());
  if (!params) {
    co_return error_reply(request, http::Status::bad_request, "invalid_query",
                          "query string has a malformed percent escape");
  }
  auto decision =
      authorize(request, *principal, {policy::Action::kAdminAudit, principal->tenant + "/", {}});
  if (!decision) co_return std::move(decision).error();

  auto query = parse_audit_query(*params, principal->tenant);
  if (!query) {
    co_return error_reply(request, http::Status::bad_request, "invalid_query", query.error());
  }
  // The store may read a database, so the query runs on a worker thread.
  const obs::AuditStore& store = audit_->store();
  auto page = co_await http::offload(workers_, [&store, &query] { return store.query(*query); });
  if (!page && page.error().kind == obs::AuditQueryError::Kind::kUnavailable) {
    obs::warn("cannot read the audit log",
              {{"request_id", request.request_id()}, {"error", page.error().message}});
    co_return error_reply(request, http::Status::service_unavailable, "audit_unavailable",
                          "the audit log cannot be read now; retry later");
  }
  // The store rejects a malformed cursor and filter values it cannot hold
  // (such as a subject that is not UTF-8); its message names which.
  if (!page) {
    co_return error_reply(request, http::Status::bad_request, "invalid_query",
                          page.error().message);
  }
  nlohmann::json events = nlohmann::json::array();
  for (const obs::AuditEvent& event : page->events) events.push_back(event_json(event));
  nlohmann::json reply = {{"events", std::move(events)}, {"next_cursor", nullptr}};
  if (page->next_cursor) reply["next_cursor"] = *page->next_cursor;
  co_return json_reply(request, http::Status::ok, reply);
}

}  // namespace satchel::app
