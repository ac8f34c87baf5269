// Pieces shared by the API's handlers: authentication, JSON body parsing,
// and the mapping of metadata errors to HTTP replies.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/api.h"
#include "common/expected.h"
#include "http/request.h"
#include "meta/meta_error.h"
#include "meta/records.h"
#include "policy/access.h"

namespace satchel::app {

using Generator = http::bhttp::message_generator;

// A rejected bearer token: the reason for the audit log and the 401 reply.
struct AuthRejection {
  std::string reason;
  Generator reply;
  std::string unverified_tenant;  // as in AuthFailure, empty when unknown
};

// Checks the bearer token and the identity claims it carries.
http::asio::awaitable<Expected<policy::Principal, AuthRejection>> authenticate(
    http::Request& request, const Authenticator& authenticator);

// Reads a JSON object body of at most max_bytes. On failure the error is the
// 400 or 413 reply to send. A member name repeated within one object is a
// 400, because parsers disagree on which of the values counts.
http::asio::awaitable<Expected<nlohmann::json, Generator>> read_json_object(http::Request& request,
                                                                            uint64_t max_bytes);

// Optional string member: nullopt when absent; error text when not a string.
Expected<std::optional<std::string>, std::string> optional_string(const nlohmann::json& object,
                                                                  const char* name);

// Reads the optional "tags" member: a JSON object of string values, checked
// with meta::validate_tags. Absent or null is no tags. Errors are the
// message of the 400 reply.
Expected<meta::ObjectTags, std::string> optional_tags(const nlohmann::json& object);

// The page size of a listing when the request names none.
inline constexpr size_t kDefaultPageSize = 100;

// Reads the limit parameter of a listing: kDefaultPageSize when text is null,
// nullopt when it is not an integer from 1 to meta::kMaxListLimit.
std::optional<size_t> parse_page_limit(const std::string* text);

// The record as the API shows it, with "tags" always present (an empty
// object when the record has none).
nlohmann::json record_json(const meta::ObjectRecord& record);

Generator meta_error_reply(http::Request& request, const meta::MetaError& error);

// 410 Gone with code object_missing for a record that reconcile marked missing from the store,
// naming when it was found missing, so no URL to absent bytes is handed out.
Generator missing_object_reply(http::Request& request, const meta::ObjectRecord& record);

Generator forbidden_reply(http::Request& request, const policy::Decision& decision);

// The subject whose space a request addresses: the caller, or for an admin
// the "subject" query parameter. Errors are the 400 reply to send.
Expected<std::string, Generator> target_subject(http::Request& request,
                                                const policy::Principal& principal);

}  // namespace satchel::app
