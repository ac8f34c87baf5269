#include "http/url.h"

#include <charconv>

#include "common/encoding.h"

namespace satchel::http {
namespace {

std::optional<QueryParams> parse_pairs(std::string_view text, bool plus_as_space) {
  QueryParams params;
  while (!text.empty()) {
    size_t end = text.find('&');
    std::string_view pair = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    auto name = percent_decode(pair.substr(0, equals), plus_as_space);
    auto value = percent_decode(
        equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1),
        plus_as_space);
    if (!name || !value) return std::nullopt;
    params.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

}  // namespace

Target split_target(std::string_view target) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

std::optional<QueryParams> parse_query(std::string_view query) { return parse_pairs(query, false); }

std::optional<QueryParams> parse_form(std::string_view body) { return parse_pairs(body, true); }

const std::string* find_param(const QueryParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

bool Url::default_port() const {
  return (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
}

std::string Url::authority() const {
  // An IPv6 address is bracketed, so its colons are not read as the port's.
  std::string out;
  if (host.find(':') != std::string::npos) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out = host;
  }
  if (!default_port()) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string Url::origin() const { return scheme + "://" + authority(); }

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") return std::nullopt;
  text.remove_prefix(scheme_end + 3);

  size_t authority_end = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, authority_end);
  text = authority_end == std::string_view::npos ? std::string_view{} : text.substr(authority_end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view port_text;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::nullopt;

  url.port = url.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return std::nullopt;
    }
    url.port = static_cast<uint16_t>(value);
  }

  size_t fragment = text.find('#');
  if (fragment != std::string_view::npos) text = text.substr(0, fragment);
  Target target = split_target(text);
  url.path = target.path.empty() ? "/" : std::string(target.path);
  url.query = std::string(target.query);
  return url;
}

}  // namespace satchel::http
