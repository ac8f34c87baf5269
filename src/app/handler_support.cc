#include "app/handler_support.h"

#include <charconv>
#include <set>
#include <vector>

#include "app/object_names.h"
#include "app/responses.h"
#include "common/time_format.h"
#include "http/url.h"
#include "meta/object_tags.h"

namespace satchel::app {
namespace {

constexpr std::string_view kBearerPrefix = "Bearer ";
constexpr std::string_view kBareChallenge = R"(Bearer realm="satchel")";

// Parses text as JSON and reports the first member name that repeats
// within one object, which nlohmann::json would otherwise overwrite.
struct ParsedBody {
  nlohmann::json value;
  std::optional<std::string> repeated_name;
};

ParsedBody parse_json_body(std::string_view text) {
  ParsedBody parsed;
  // One set of names per object that is open at the current position.
  std::vector<std::set<std::string>> open_objects;
  auto check_names = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& value) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end && !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty()) {
      std::string name = value.get<std::string>();
      if (!open_objects.back().insert(name).second && !parsed.repeated_name) {
        parsed.repeated_name = std::move(name);
      }
    }
    return true;
  };
  parsed.value = nlohmann::json::parse(text, check_names, false);
  return parsed;
}

}  // namespace

http::asio::awaitable<Expected<policy::Principal, AuthRejection>> authenticate(
    http::Request& request, const Authenticator& authenticator) {
  auto reject = [&](std::string_view reason, std::string_view challenge) {
    return Unexpected(
        AuthRejection{std::string(reason), unauthorized_reply(request, reason, challenge)});
  };
  // Authorization is a single-value field (RFC 9110 section 11.6.2), and
  // two of them leave it unclear which credentials the request carries.
  if (request.header().count(http::Field::authorization) > 1) {
    co_return Unexpected(
        AuthRejection{"repeated_authorization",
                      error_reply(request, http::Status::bad_request, "invalid_request",
                                  "the request has more than one Authorization header")});
  }
  std::string_view header = request.header_value(http::Field::authorization);
  if (header.empty()) co_return reject("missing_token", kBareChallenge);
  if (header.size() <= kBearerPrefix.size() ||
      !http::beast::iequals(header.substr(0, kBearerPrefix.size()), kBearerPrefix)) {
    co_return reject(
        "not_bearer",
        R"(Bearer realm="satchel", error="invalid_request", error_description="expected the Bearer scheme")");
  }
  auto principal = co_await authenticator(std::string(header.substr(kBearerPrefix.size())));
  if (!principal) {
    const AuthFailure& failure = principal.error();
    co_return Unexpected(AuthRejection{
        failure.reason, unauthorized_reply(request, failure.reason, failure.www_authenticate),
        failure.unverified_tenant});
  }
  for (auto [part, what] : {std::pair{std::string_view(principal->tenant), "tenant claim"},
                            std::pair{std::string_view(principal->subject), "subject claim"}}) {
    if (auto problem = check_identity_part(part, what)) {
      co_return reject(
          "unusable_identity",
          R"(Bearer realm="satchel", error="invalid_token", error_description="the token's subject or tenant cannot name a storage space")");
    }
  }
  co_return std::move(*principal);
}

http::asio::awaitable<Expected<nlohmann::json, Generator>> read_json_object(http::Request& request,
                                                                            uint64_t max_bytes) {
  auto body = co_await request.read_body(max_bytes);
  if (!body) co_return Unexpected(body_error_reply(request, body.error()));
  if (body->empty()) co_return nlohmann::json::object();
  ParsedBody parsed = parse_json_body(*body);
  if (parsed.value.is_discarded() || !parsed.value.is_object()) {
    co_return Unexpected(error_reply(request, http::Status::bad_request, "invalid_json",
                                     "body must be a JSON object"));
  }
  if (parsed.repeated_name) {
    co_return Unexpected(error_reply(
        request, http::Status::bad_request, "invalid_json",
        "the member \"" + *parsed.repeated_name + "\" appears twice in one JSON object"));
  }
  co_return std::move(parsed.value);
}

Expected<std::optional<std::string>, std::string> optional_string(const nlohmann::json& object,
                                                                  const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return Unexpected(std::string(name) + " must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

std::optional<size_t> parse_page_limit(const std::string* text) {
  if (text == nullptr) return kDefaultPageSize;
  size_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc{} || end != text->data() + text->size() || value == 0 ||
      value > meta::kMaxListLimit) {
    return std::nullopt;
  }
  return value;
}

Expected<meta::ObjectTags, std::string> optional_tags(const nlohmann::json& object) {
  auto it = object.find("tags");
  if (it == object.end() || it->is_null()) return meta::ObjectTags{};
  if (!it->is_object()) {
    return Unexpected(std::string(R"(tags must be a JSON object such as {"team": "blue"})"));
  }
  meta::ObjectTags tags;
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) {
      return Unexpected("the value of tag \"" + key + "\" must be a string");
    }
    tags.emplace(key, value.get<std::string>());
  }
  if (auto valid = meta::validate_tags(tags); !valid) return Unexpected(valid.error().message);
  return tags;
}

nlohmann::json record_json(const meta::ObjectRecord& record) {
  nlohmann::json json = {
      {"name", record.name},
      {"key", record.key},
      {"owner", record.owner},
      {"size", record.size},
      {"etag", record.etag},
      {"content_type", record.content_type},
      {"version_id", record.version_id},
      {"revision", record.revision},
      {"created_at", format_iso8601(record.created_at)},
      {"updated_at", format_iso8601(record.updated_at)},
  };
  if (record.sha256) json["sha256"] = *record.sha256;
  json["expires_at"] = nullptr;
  if (record.expires_at) json["expires_at"] = format_iso8601(*record.expires_at);
  json["tags"] = nlohmann::json::object();
  for (const auto& [key, value] : record.tags) json["tags"][key] = value;
  json["missing"] = record.missing_since.has_value();
  json["missing_since"] = nullptr;
  if (record.missing_since) json["missing_since"] = format_iso8601(*record.missing_since);
  return json;
}

Generator missing_object_reply(http::Request& request, const meta::ObjectRecord& record) {
  const std::string since = record.missing_since ? format_iso8601(*record.missing_since) : "";
  return error_reply(request, http::Status::gone, "object_missing",
                     "the store lost the bytes of this object (found missing at " + since +
                         "); upload it again or restore an older version",
                     {{"missing_since", since}, {"version_id", record.version_id}});
}

Generator meta_error_reply(http::Request& request, const meta::MetaError& error) {
  using meta::MetaErrorCode;
  switch (error.code) {
    case MetaErrorCode::kNotFound:
      return error_reply(request, http::Status::not_found, "not_found", "no such object or upload");
    case MetaErrorCode::kConflict: {
      nlohmann::json details = nlohmann::json::object();
      if (error.current) details["current"] = record_json(*error.current);
      return error_reply(request, http::Status::conflict, "conflict",
                         "the object changed since the upload started", details);
    }
    case MetaErrorCode::kAlreadyCompleted:
      return error_reply(request, http::Status::conflict, "already_completed",
                         "the upload was already completed");
    case MetaErrorCode::kExpired:
      return error_reply(request, http::Status::gone, "upload_expired",
                         "the upload expired or was aborted; start a new one");
    case MetaErrorCode::kInvalid:
      return error_reply(request, http::Status::bad_request, "invalid_request", error.message);
    case MetaErrorCode::kUnavailable:
      break;
  }
  return error_reply(request, http::Status::service_unavailable, "metadata_unavailable",
                     "the metadata index is unavailable: " + error.message);
}

Generator forbidden_reply(http::Request& request, const policy::Decision& decision) {
  return error_reply(request, http::Status::forbidden, "forbidden", decision.reason);
}

Expected<std::string, Generator> target_subject(http::Request& request,
                                                const policy::Principal& principal) {
  auto params = http::parse_query(request.raw_query());
  if (!params) {
    return Unexpected(error_reply(request, http::Status::bad_request, "invalid_query",
                                  "query string has a malformed percent escape"));
  }
  const std::string* subject = http::find_param(*params, "subject");
  if (!subject || *subject == principal.subject) return principal.subject;
  if (auto problem = check_identity_part(*subject, "subject parameter")) {
    return Unexpected(error_reply(request, http::Status::bad_request, "invalid_subject", *problem));
  }
  return *subject;
}

}  // namespace satchel::app
