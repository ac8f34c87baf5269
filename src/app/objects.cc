// Listing, reading, downloading and deleting objects of the caller's space.
#include <nlohmann/json.hpp>

#include "app/api.h"
#include "app/handler_support.h"
#include "app/object_names.h"
#include "app/responses.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "http/offload.h"
#include "http/url.h"
#include "meta/object_tags.h"
#include "obs/catalog.h"
#include "obs/log.h"

namespace satchel::app {
namespace {

// Reads every "tag=key:value" parameter of a listing. The key ends at the
// first ':', so a value may contain ':' and a key may not. Errors are the
// message of the 400 reply.
Expected<meta::ObjectTags, std::string> parse_tag_filter(const http::QueryParams& params) {
  meta::ObjectTags tags;
  for (const auto& [name, value] : params) {
    if (name != "tag") continue;
    std::size_t colon = value.find(':');
    if (colon == std::string::npos) {
      return Unexpected("tag must look like key:value, such as tag=team:blue, not \"" + value +
                        "\"");
    }
    std::string key = value.substr(0, colon);
    std::string tag_value = value.substr(colon + 1);
    auto [existing, inserted] = tags.emplace(key, tag_value);
    if (!inserted && existing->second != tag_value) {
      return Unexpected("tag \"" + key + "\" is given with two different values");
    }
  }
  if (auto valid = meta::validate_tag_filter(tags); !valid) {
    return Unexpected(valid.error().message);
  }
  return tags;
}

// The owner and name of an object key "{tenant}/{owner}/{name}" in tenant,
// or nullopt when key is not one.
struct KeyParts {
  std::string owner;
  std::string name;
};
std::optional<KeyParts> split_object_key(std::string_view key, std::string_view tenant) {
  if (!key.starts_with(tenant) || key.size() <= tenant.size() || key[tenant.size()] != '/') {
    return std::nullopt;
  }
  std::string_view rest = key.substr(tenant.size() + 1);
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return std::nullopt;
  }
  return KeyParts{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

// The API path of an object, for the Location of a moved key. The subject
// parameter names the owner when it is not the caller.
std::string object_location(const KeyParts& parts, std::string_view caller) {
  std::string location = "/v1/objects/" + uri_encode(parts.name, true);
  if (parts.owner != caller) location += "?subject=" + uri_encode(parts.owner);
  return location;
}

bool wants_redirect(http::Request& request) {
  auto params = http::parse_query(request.raw_query());
  const std::string* download = params ? http::find_param(*params, "download") : nullptr;
  return download && (*download == "1" || *download == "true");
}

}  // namespace

Api::Reply Api::list_objects(http::Request& request) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  auto subject = target_subject(request, *principal);
  if (!subject) co_return std::move(subject).error();

  auto params = http::parse_query(request.raw_query());
  const std::string* prefix = http::find_param(*params, "prefix");
  const std::string* cursor = http::find_param(*params, "cursor");
  auto limit = parse_page_limit(http::find_param(*params, "limit"));
  if (!limit) {
    co_return error_reply(
        request, http::Status::bad_request, "invalid_limit",
        "limit must be an integer from 1 to " + std::to_string(meta::kMaxListLimit));
  }
  meta::ObjectFilter filter;
  if (const std::string* type = http::find_param(*params, "content_type")) {
    filter.content_type = *type;
  }
  if (const std::string* since = http::find_param(*params, "updated_since")) {
    filter.updated_since = parse_iso8601(*since);
    if (!filter.updated_since) {
      co_return error_reply(request, http::Status::bad_request, "invalid_updated_since",
                            "updated_since must be an ISO 8601 UTC time such as "
                            "2026-01-31T12:00:00Z");
    }
  }
  if (const std::string* search = http::find_param(*params, "search")) {
    filter.name_contains = *search;
  }
  auto tags = parse_tag_filter(*params);
  if (!tags) {
    co_return error_reply(request, http::Status::bad_request, "invalid_tag_filter", tags.error());
  }
  filter.tags = std::move(*tags);
  filter.unexpired_at = clock_.now();
  std::string key_prefix = make_object_key(principal->tenant, *subject, prefix ? *prefix : "");
  auto decision = authorize(request, *principal, {policy::Action::kObjectList, key_prefix, {}});
  if (!decision) co_return std::move(decision).error();

  auto page = co_await http::offload(workers_, [&] {
    return repository_.list_objects(principal->tenant, key_prefix, cursor ? *cursor : "", *limit,
                                    filter);
  });
  if (!page) co_return meta_error_reply(request, page.error());
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& record : page->items) objects.push_back(record_json(record));
  nlohmann::json reply = {{"objects", std::move(objects)}, {"next_cursor", nullptr}};
  if (page->next_cursor) reply["next_cursor"] = *page->next_cursor;
  co_return json_reply(request, http::Status::ok, reply);
}

Api::Reply Api::get_object(http::Request& request, const http::PathParams& params) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  auto subject = target_subject(request, *principal);
  if (!subject) co_return std::move(subject).error();
  const std::string& name = params.find("name")->second;
  if (auto problem = check_object_name(name)) {
    co_return error_reply(request, http::Status::bad_request, "invalid_name", *problem);
  }
  std::string key = make_object_key(principal->tenant, *subject, name);
  const bool redirect = wants_redirect(request);
  if (redirect) {
    if (auto limited = limit_presign(request, *principal)) co_return std::move(*limited);
  }
  policy::RequestAttributes attributes;
  if (redirect) attributes.url_ttl = config_.presign_ttl;
  auto decision = authorize(request, *principal, {policy::Action::kObjectRead, key, attributes});
  if (!decision) co_return std::move(decision).error();

  auto record = co_await find_unexpired_object(principal->tenant, key);
  if (!record && record.error().code == meta::MetaErrorCode::kNotFound) {
    if (auto moved = co_await redirect_moved_key(request, *principal, key, "get_object")) {
      co_return std::move(*moved);
    }
  }
  if (!record) co_return meta_error_reply(request, record.error());
  if (record->missing_since) co_return missing_object_reply(request, *record);
  if (!redirect) co_return json_reply(request, http::Status::ok, record_json(*record));

  auto presigned =
      store_.presign_get(record->key, record->version_id, config_.presign_ttl, clock_.now());
  audit(request, &*principal, "object:read", key, true, "download presigned, " + decision->reason);
  http::Response response{http::Status::found, 11};
  response.set(http::Field::location, presigned.url);
  response.set(http::Field::cache_control, "no-store");
  co_return http::respond(request, std::move(response));
}

http::asio::awaitable<std::optional<Api::Generator>> Api::redirect_moved_key(
    http::Request& request, const policy::Principal& principal, const std::string& old_key,
    std::string_view route) {
  auto moved = co_await http::offload(
      workers_, [&] { return repository_.find_key_redirect(principal.tenant, old_key); });
  if (!moved) {
    if (moved.error().code == meta::MetaErrorCode::kNotFound) co_return std::nullopt;
    co_return meta_error_reply(request, moved.error());
  }
  if (!moved->is_active(clock_.now())) co_return std::nullopt;
  std::optional<KeyParts> target = split_object_key(moved->new_key, principal.tenant);
  if (!target) {
    obs::warn("ignoring a key redirect whose new key is not an object key",
              {{"request_id", request.request_id()}, {"tenant", principal.tenant}});
    co_return std::nullopt;
  }
  // The new key is named only to a caller who may read it, so a redirect
  // never reveals a key the caller could not list.
  if (!policy_->evaluate(principal, {policy::Action::kObjectRead, moved->new_key, {}}).allowed) {
    co_return std::nullopt;
  }
  std::string location = object_location(*target, principal.subject);
  std::string_view query = request.raw_query();
  if (auto params = http::parse_query(query); params && http::find_param(*params, "download")) {
    location += location.find('?') == std::string::npos ? "?" : "&";
    location += "download=" + uri_encode(*http::find_param(*params, "download"));
  }
  obs::info("moved key redirected", {{"request_id", request.request_id()},
                                     {"tenant", principal.tenant},
                                     {"subject", principal.subject},
                                     {"route", std::string(route)},
                                     {"old_key", old_key},
                                     {"new_key", moved->new_key}});
  obs::catalog::moved_key_requests()
      .labels({obs::catalog::tenant_label(principal.tenant), route})
      .increment();
  audit(request, &principal, "object:read", old_key, true, "redirected to " + moved->new_key);
  co_return error_reply(request, http::Status::permanent_redirect, "moved",
                        "the object moved to a new name; follow the Location header",
                        {{"location", location},
                         {"key", moved->new_key},
                         {"name", target->name},
                         {"subject", target->owner},
                         {"cut_over_at", format_iso8601(moved->cut_over_at)}},
                        {{"Location", location}, {"Cache-Control", "no-store"}});
}

Api::Reply Api::create_download(http::Request& request) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  auto body = co_await read_json_object(request, config_.max_json_body_bytes);
  if (!body) co_return std::move(body).error();
  auto name = optional_string(*body, "name");
  if (!name)
    co_return error_reply(request, http::Status::bad_request, "invalid_request", name.error());
  if (auto problem = check_object_name(name->value_or(""))) {
    co_return error_reply(request, http::Status::bad_request, "invalid_name", *problem);
  }
  auto subject = optional_string(*body, "subject");
  if (!subject) {
    co_return error_reply(request, http::Status::bad_request, "invalid_request", subject.error());
  }
  std::string owner = subject->value_or(principal->subject);
  if (auto problem = check_identity_part(owner, "subject")) {
    co_return error_reply(request, http::Status::bad_request, "invalid_subject", *problem);
  }
  if (auto limited = limit_presign(request, *principal)) co_return std::move(*limited);
  std::string key = make_object_key(principal->tenant, owner, **name);
  policy::RequestAttributes attributes;
  attributes.url_ttl = config_.presign_ttl;
  auto decision = authorize(request, *principal, {policy::Action::kObjectRead, key, attributes});
  if (!decision) co_return std::move(decision).error();

  auto record = co_await find_unexpired_object(principal->tenant, key);
  if (!record && record.error().code == meta::MetaErrorCode::kNotFound) {
    if (auto moved = co_await redirect_moved_key(request, *principal, key, "create_download")) {
      co_return std::move(*moved);
    }
  }
  if (!record) co_return meta_error_reply(request, record.error());
  if (record->missing_since) co_return missing_object_reply(request, *record);
  // The URL names the committed version, so bytes from an upload that was
  // never completed, or lost a race, are never served.
  auto presigned =
      store_.presign_get(record->key, record->version_id, config_.presign_ttl, clock_.now());
  audit(request, &*principal, "object:read", key, true, "download presigned, " + decision->reason);
  nlohmann::json reply = {{"url", presigned.url},
                          {"expires_at", format_iso8601(presigned.expires_at)},
                          {"object", record_json(*record)}};
  co_return json_reply(request, http::Status::ok, reply);
}

Api::Reply Api::delete_object(http::Request& request, const http::PathParams& params) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  const std::string& name = params.find("name")->second;
  if (auto problem = check_object_name(name)) {
    co_return error_reply(request, http::Status::bad_request, "invalid_name", *problem);
  }
  std::string key = make_object_key(principal->tenant, principal->subject, name);
  auto decision = authorize(request, *principal, {policy::Action::kObjectDelete, key, {}});
  if (!decision) co_return std::move(decision).error();

  auto record = co_await find_unexpired_object(principal->tenant, key);
  if (!record) co_return meta_error_reply(request, record.error());
  if (auto retained = check_retention(request, *principal, *record)) {
    co_return std::move(*retained);
  }

  // The store first: if it fails, the record stays and the delete can be
  // retried. The versioned bucket keeps the old bytes behind a delete marker.
  auto removed = co_await store_.remove(key);
  if (!removed) {
    co_return error_reply(request, http::Status::bad_gateway, "store_unavailable",
                          removed.error().message);
  }
  auto deleted = co_await http::offload(workers_, [&] {
    return repository_.delete_object(principal->tenant, key, record->revision, *removed,
                                     clock_.now());
  });
  if (!deleted) co_return meta_error_reply(request, deleted.error());
  audit(request, &*principal, "object:delete", key, true, "object deleted, " + decision->reason);
  obs::info("object deleted", {{"request_id", request.request_id()},
                               {"tenant", principal->tenant},
                               {"subject", principal->subject},
                               {"revision", deleted->revision}});
  http::Response response{http::Status::no_content, 11};
  co_return http::respond(request, std::move(response));
}

http::asio::awaitable<Expected<meta::ObjectRecord, meta::MetaError>> Api::find_unexpired_object(
    const std::string& tenant, const std::string& key) {
  auto record =
      co_await http::offload(workers_, [&] { return repository_.get_object(tenant, key); });
  if (record && record->expires_at && *record->expires_at <= clock_.now()) {
    co_return Unexpected(meta::MetaError{meta::MetaErrorCode::kNotFound,
                                         "object " + key + " expired", std::nullopt});
  }
  co_return record;
}

std::optional<Api::Generator> Api::check_retention(http::Request& request,
                                                   const policy::Principal& principal,
                                                   const meta::ObjectRecord& record) {
  auto rule = policy_->retention_for(record.tenant, record.owner, record.key);
  if (!rule) return std::nullopt;
  // The retention counts from the commit of the current version.
  SystemTime retained_until = record.updated_at + rule->period;
  if (clock_.now() >= retained_until) return std::nullopt;
  std::string reason = "retention rule \"" + rule->id + "\" (line " + std::to_string(rule->line) +
                       ") keeps the object until " + format_iso8601(retained_until);
  audit(request, &principal, "object:delete", record.key, false, reason);
  return error_reply(
      request, http::Status::forbidden, "retention_required",
      "the object cannot be deleted yet: " + reason,
      {{"retained_until", format_iso8601(retained_until)},
       {"retention_rule", rule->id},
       {"retention_days", std::chrono::duration_cast<std::chrono::days>(rule->period).count()}});
}

}  // namespace satchel::app
