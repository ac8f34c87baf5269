// The routes of the original tutorial, kept so its client code works
// unchanged: POST /presign/upload and GET /presign/download, answering
// {"url", "key"}. They presign the caller's preferences.json by default.
//
// NOTE: these routes predate the metadata index, so an upload through them is
// not recorded and a download presigns the latest version in the store.
#include <nlohmann/json.hpp>

#include "app/api.h"
#include "app/handler_support.h"
#include "app/object_names.h"
#include "app/responses.h"
#include "http/url.h"

namespace satchel::app {
namespace {

constexpr std::string_view kDefaultName = "preferences.json";

}  // namespace

Api::Reply Api::tutorial_presign_upload(http::Request& request) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  auto body = co_await read_json_object(request, config_.max_json_body_bytes);
  if (!body) co_return std::move(body).error();
  auto filename = optional_string(*body, "filename");
  auto content_type = optional_string(*body, "contentType");
  if (!filename || !content_type) {
    co_return error_reply(request, http::Status::bad_request, "invalid_request",
                          !filename ? filename.error() : content_type.error());
  }
  std::string name = filename->value_or(std::string(kDefaultName));
  if (auto problem = check_object_name(name)) {
    co_return error_reply(request, http::Status::bad_request, "invalid_name", *problem);
  }
  if (auto limited = limit_presign(request, *principal)) co_return std::move(*limited);
  std::string key = make_object_key(principal->tenant, principal->subject, name);
  // NOTE: this route takes no size, so a size condition of the policy is not
  // tested and the presigned URL does not bound the upload's length.
  // The type is always signed, so the URL cannot store a type the policy
  // never saw; the original tutorial's clients send JSON.
  std::string type = content_type->value_or("application/json");
  policy::RequestAttributes attributes;
  attributes.content_type = type;
  attributes.url_ttl = config_.presign_ttl;
  auto decision = authorize(request, *principal, {policy::Action::kObjectWrite, key, attributes});
  if (!decision) co_return std::move(decision).error();

  PutConditions conditions{.content_type = type};
  auto presigned = store_.presign_put(key, conditions, config_.presign_ttl, clock_.now());
  audit(request, &*principal, "object:write", key, true, "upload presigned, " + decision->reason);
  co_return json_reply(request, http::Status::ok, {{"url", presigned.url}, {"key", key}});
}

Api::Reply Api::tutorial_presign_download(http::Request& request) {
  auto principal = co_await authenticate(request);
  if (!principal) co_return std::move(principal).error();
  auto params = http::parse_query(request.raw_query());
  if (!params) {
    co_return error_reply(request, http::Status::bad_request, "invalid_query",
                          "query string has a malformed percent escape");
  }
  if (auto limited = limit_presign(request, *principal)) co_return std::move(*limited);
  const std::string* requested = http::find_param(*params, "key");
  std::string key =
      requested ? *requested : make_object_key(principal->tenant, principal->subject, kDefaultName);
  // The key must be "{tenant}/{subject}/{valid name}" so that no '..' or
  // empty segment slips past the prefix check.
  std::string tenant_prefix = principal->tenant + "/";
  if (!key.starts_with(tenant_prefix)) {
    policy::Decision outside;
    outside.reason = "key belongs to another tenant";
    co_return forbidden_reply(request, outside);
  }
  std::string_view rest = std::string_view(key).substr(tenant_prefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || check_identity_part(rest.substr(0, slash), "subject") ||
      check_object_name(rest.substr(slash + 1))) {
    co_return error_reply(request, http::Status::bad_request, "invalid_key",
                          "key must be {tenant}/{subject}/{name} with a valid name");
  }
  policy::RequestAttributes attributes;
  attributes.url_ttl = config_.presign_ttl;
  auto decision = authorize(request, *principal, {policy::Action::kObjectRead, key, attributes});
  if (!decision) co_return std::move(decision).error();

  auto presigned = store_.presign_get(key, "", config_.presign_ttl, clock_.now());
  audit(request, &*principal, "object:read", key, true, "download presigned, " + decision->reason);
  co_return json_reply(request, http::Status::ok, {{"url", presigned.url}, {"key", key}});
}

}  // namespace satchel::app
