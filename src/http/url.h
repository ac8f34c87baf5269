// Splitting request targets and parsing endpoint URLs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace satchel::http {

// A request target split at the first '?'. Both parts stay as sent.
struct Target {
  std::string_view path;
  std::string_view query;
};
Target split_target(std::string_view target);

// Query parameters decoded once ('+' stays '+', as S3 expects), in the
// order sent. Returns nullopt on a malformed percent escape.
using QueryParams = std::vector<std::pair<std::string, std::string>>;
std::optional<QueryParams> parse_query(std::string_view query);
const std::string* find_param(const QueryParams& params, std::string_view name);

// Parses application/x-www-form-urlencoded ('+' is a space).
std::optional<QueryParams> parse_form(std::string_view body);

// An absolute http or https URL without user info or fragment.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  uint16_t port = 0;   // explicit or the scheme's default
  std::string path;    // "/" when empty; as given, still percent-encoded
  std::string query;   // without '?'

  bool default_port() const;
  // host[:port], with the port only when it is not the scheme's default.
  std::string authority() const;
  // scheme://authority
  std::string origin() const;
};
std::optional<Url> parse_url(std::string_view text);

}  // namespace satchel::http
