// GET /v1/objects/{name}/versions and POST /v1/objects/{name}/restore.
//
// The router's "{name...}" capture takes the rest of the path, so these share
// the routes of /v1/objects/{name...}: a path whose last raw segment is
// "versions" (GET) or "restore" (POST) addresses the name before it. An object
// whose name ends in "/versions" stays reachable with its last slash
// percent-encoded ("a%2Fversions"), because the suffix is matched before
// decoding.
#include <nlohmann/json.hpp>

#include "app/api.h"
#include "app/handler_support.h"
#include "app/object_names.h"
#include "app/responses.h"
#include "common/time_format.h"
#include "http/offload.h"
#include "http/url.h"
#include "obs/log.h"

namespace satchel::app {
namespace {

constexpr std::string_view kVersionsSuffix = "/versions";
constexpr std::string_view kRestoreSuffix = "/restore";

// The name that a path ending in suffix addresses, or nullopt when the raw
// path does not end in it or nothing comes before it.
std::optional<std::string> name_before_suffix(std::string_view raw_path, const std::string& name,
                                              std::string_view suffix) {
  if (!raw_path.ends_with(suffix) || !name.ends_with(suffix) || name.size() <= suffix.size()) {
    return std::nullopt;
  }
  return name.substr(0, name.size() - suffix.size());
}

nlohmann::json version_json(const meta::ObjectVersion& version) {
  nlohmann::json json = {
      {"name", version.name},
      {"revision", version.revision},
      {"version_id", version.version_id},
      {"committed_at", format_iso8601(version.committed_at)},
      {"deleted", version.deleted},
  };
  if (!version.deleted) {
    json["size"] = version.size;
    json["etag"] = version.etag;
    json["content_type"] = version.content_type;
    if (version.sha256) json["sha256"] = *version.sha256;
    json["tags"] = nlohmann::json::object();
    for (const auto& [key, value] : version.tags) json["tags"][key] = value;
  }
  if (version.restored_from) json["restored_from"] = *version.restored_from;
  // A purged version's bytes are gone from the store, so clients must not offer to restore it.
  json["restorable"] = !version.deleted && !version.purged_at.has_value();
  if (version.purged_at) json["purged_at"] = format_iso8601(*version.purged_at);
  return json;
}

std::string unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

}  // namespace

Api::Reply Api::get_object_or_versions(http::Request& request, const http::PathParams& params) {
  const std::string& name = params.find("name")->second;
  if (auto object_name = name_before_suffix(request.path(), name, kVersionsSuffix)) {
    co_return co_await list_versions(request, *object_name);
  }
  co_return co_await get_object(request, params);
}

Api::Reply Api::post_object_action(http::Request& request, const http::PathParams& params) {
  const std::string& name = params.find("name")->second;
  if (auto object_name = name_before_suffix(request.path(), name, kRestoreSuffix)) {
    co_return co_await restore_object(request, *object_name);
  }
  co_return error_reply(request, http::Status::not_found, "not_found",
                        "POST under /v1/objects/ accepts only {name}/restore");
}

Api::Reply Api::list_versions(http::Request& request, std::string name) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  auto subject = target_subject(request, *principal);
  if (!subject) co_return std::move(subject).error();
  if (auto problem = check_object_name(name)) {
    co_return error_reply(request, http::Status::bad_request, "invalid_name", *problem);
  }
  auto params = http::parse_query(request.raw_query());
  const std::string* cursor = http::find_param(*params, "cursor");
  auto limit = parse_page_limit(http::find_param(*params, "limit"));
  if (!limit) {
    co_return error_reply(
        request, http::Status::bad_request, "invalid_limit",
        "limit must be an integer from 1 to " + std::to_string(meta::kMaxListLimit));
  }
  std::string key = make_object_key(principal->tenant, *subject, name);
  auto decision = authorize(request, *principal, {policy::Action::kObjectRead, key, {}});
  if (!decision) co_return std::move(decision).error();

  auto page = co_await http::offload(workers_, [&] {
    return repository_.list_versions(principal->tenant, key, cursor ? *cursor : "", *limit);
  });
  if (!page) co_return meta_error_reply(request, page.error());
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& version : page->items) versions.push_back(version_json(version));
  nlohmann::json reply = {{"versions", std::move(versions)}, {"next_cursor", nullptr}};
  if (page->next_cursor) reply["next_cursor"] = *page->next_cursor;
  co_return json_reply(request, http::Status::ok, reply);
}

// Copies the version to the latest inside the store, then commits the copy as
// a new revision. A commit that loses a race leaves the copy in the store as
// a version no record names, which is never served.
Api::Reply Api::restore_object(http::Request& request, std::string name) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  if (auto problem = check_object_name(name)) {
    co_return error_reply(request, http::Status::bad_request, "invalid_name", *problem);
  }
  auto body = co_await read_json_object(request, config_.max_json_body_bytes);
  if (!body) co_return std::move(body).error();
  auto version_id = optional_string(*body, "version_id");
  if (!version_id || !*version_id || (*version_id)->empty()) {
    co_return error_reply(request, http::Status::bad_request, "invalid_request",
                          "version_id must be a non-empty string");
  }
  auto if_match = optional_string(*body, "if_match");
  if (!if_match) {
    co_return error_reply(request, http::Status::bad_request, "invalid_request", if_match.error());
  }
  std::string key = make_object_key(principal->tenant, principal->subject, name);

  auto source = co_await http::offload(
      workers_, [&] { return repository_.find_version(principal->tenant, key, **version_id); });
  if (!source) {
    if (source.error().code == meta::MetaErrorCode::kNotFound) {
      co_return error_reply(request, http::Status::not_found, "version_not_found",
                            "the object has no version " + **version_id);
    }
    co_return meta_error_reply(request, source.error());
  }
  if (source->deleted) {
    co_return error_reply(request, http::Status::bad_request, "invalid_request",
                          "version " + **version_id + " is a delete marker and has no bytes");
  }
  if (source->purged_at) {
    co_return error_reply(
        request, http::Status::conflict, "version_purged",
        "version " + **version_id +
            " was removed from the store by the noncurrent version retention at " +
            format_iso8601(*source->purged_at) + " and cannot be restored");
  }
  policy::RequestAttributes attributes;
  attributes.content_type = source->content_type;
  attributes.size_bytes = source->size;
  auto decision = authorize(request, *principal, {policy::Action::kObjectWrite, key, attributes});
  if (!decision) co_return std::move(decision).error();

  auto current = co_await http::offload(
      workers_, [&] { return repository_.get_object(principal->tenant, key); });
  if (!current && current.error().code != meta::MetaErrorCode::kNotFound) {
    co_return meta_error_reply(request, current.error());
  }
  if (*if_match) {
    if (!current) {
      co_return error_reply(request, http::Status::precondition_failed, "precondition_failed",
                            "if_match was given but the object does not exist");
    }
    if (unquote_etag(current->etag) != unquote_etag(**if_match)) {
      co_return error_reply(request, http::Status::conflict, "conflict",
                            "the object changed: its ETag is no longer the one in if_match",
                            {{"current", record_json(*current)}});
    }
  }

  auto copy = co_await store_.copy_version(key, **version_id);
  if (!copy) {
    if (copy.error().code == StoreErrorCode::kNotFound) {
      co_return error_reply(request, http::Status::conflict, "version_missing",
                            "the store no longer has version " + **version_id);
    }
    co_return error_reply(request, http::Status::bad_gateway, "store_unavailable",
                          copy.error().message);
  }
  meta::RestoreRequest restore{
      .tenant = principal->tenant,
      .key = key,
      .source_version_id = **version_id,
      .observed = {.version_id = copy->version_id,
                   .size = copy->size,
                   .etag = copy->etag,
                   .content_type = copy->content_type},
      .expected_revision = current ? std::optional<std::int64_t>(current->revision) : std::nullopt};
  auto restored = co_await http::offload(
      workers_, [&] { return repository_.restore_version(restore, clock_.now()); });
  if (!restored) co_return meta_error_reply(request, restored.error());
  audit(request, &*principal, "object:restore", key, true,
        "version " + **version_id + " restored, " + decision->reason);
  obs::info("object restored", {{"request_id", request.request_id()},
                                {"tenant", principal->tenant},
                                {"subject", principal->subject},
                                {"source_version_id", **version_id},
                                {"revision", restored->revision}});
  co_return json_reply(request, http::Status::ok, record_json(*restored));
}

}  // namespace satchel::app
