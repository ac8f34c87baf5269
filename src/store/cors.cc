#include "store/cors.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "s3/xml_reader.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

bool is_allowed_method(std::string_view method) {
  return method == "GET" || method == "PUT" || method == "HEAD" || method == "DELETE" ||
         method == "POST";
}

// Header names (RFC 9110 tokens) separated by commas and spaces. Anything
// else is rejected rather than echoed back.
bool is_header_name_list(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ',' || c == ' ' ||
           c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' ||
           c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
  });
}

// Matches text against a pattern with at most one '*', which stands for any
// run of characters.
bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto equal = [ignore_case](std::string_view a, std::string_view b) {
    return ignore_case ? boost::beast::iequals(a, b) : a == b;
  };
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return equal(pattern, text);
  std::string_view head = pattern.substr(0, star);
  std::string_view tail = pattern.substr(star + 1);
  return text.size() >= head.size() + tail.size() && equal(text.substr(0, head.size()), head) &&
         equal(text.substr(text.size() - tail.size()), tail);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool header_allowed(const CorsRule& rule, std::string_view header) {
  return std::any_of(
      rule.allowed_headers.begin(), rule.allowed_headers.end(),
      [&](const std::string& pattern) { return wildcard_match(pattern, header, true); });
}

bool headers_allowed(const CorsRule& rule, std::string_view request_headers) {
  while (!request_headers.empty()) {
    size_t comma = request_headers.find(',');
    std::string_view header = trim(request_headers.substr(0, comma));
    request_headers =
        comma == std::string_view::npos ? std::string_view{} : request_headers.substr(comma + 1);
    if (!header.empty() && !header_allowed(rule, header)) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::vector<std::string> texts(const s3::XmlElement& parent, std::string_view name) {
  std::vector<std::string> out;
  for (const s3::XmlElement* element : parent.children_named(name)) {
    out.emplace_back(s3::trim_xml_space(element->text));
  }
  return out;
}

bool has_at_most_one_star(const std::vector<std::string>& patterns) {
  return std::all_of(patterns.begin(), patterns.end(), [](const std::string& pattern) {
    return std::count(pattern.begin(), pattern.end(), '*') <= 1;
  });
}

constexpr CorsConfigError kMalformedCors{
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published "
    "schema."};

Expected<CorsRule, CorsConfigError> parse_cors_rule(const s3::XmlElement& element) {
  CorsRule rule;
  if (const s3::XmlElement* id = element.child("ID"))
    rule.id = std::string(s3::trim_xml_space(id->text));
  rule.allowed_origins = texts(element, "AllowedOrigin");
  rule.allowed_methods = texts(element, "AllowedMethod");
  rule.allowed_headers = texts(element, "AllowedHeader");
  rule.expose_headers = texts(element, "ExposeHeader");
  if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) {
    return Unexpected(kMalformedCors);
  }
  for (const auto& method : rule.allowed_methods) {
    if (!is_allowed_method(method)) {
      return Unexpected(CorsConfigError{
          "InvalidRequest",
          "Found unsupported HTTP method in CORS config: AllowedMethod must be GET, PUT, HEAD, "
          "POST or DELETE."});
    }
  }
  if (!has_at_most_one_star(rule.allowed_origins) || !has_at_most_one_star(rule.allowed_headers)) {
    return Unexpected(CorsConfigError{
        "InvalidRequest",
        "An AllowedOrigin or AllowedHeader can have at most one * wildcard character."});
  }
  if (const s3::XmlElement* max_age = element.child("MaxAgeSeconds")) {
    std::string_view text = s3::trim_xml_space(max_age->text);
    int64_t seconds = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || seconds < 0) {
      return Unexpected(kMalformedCors);
    }
    rule.max_age_seconds = seconds;
  }
  return rule;
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins)
    : allowed_origins_(std::move(allowed_origins)) {
  allow_any_ =
      std::find(allowed_origins_.begin(), allowed_origins_.end(), "*") != allowed_origins_.end();
}

bool CorsPolicy::allows_origin(std::string_view origin) const {
  if (origin.empty()) return false;
  if (allow_any_) return true;
  return std::find(allowed_origins_.begin(), allowed_origins_.end(), origin) !=
         allowed_origins_.end();
}

CorsPolicy::PreflightResult CorsPolicy::check_preflight(std::string_view origin,
                                                        std::string_view method,
                                                        std::string_view request_headers) const {
  if (origin.empty() || method.empty()) return PreflightResult::kIncomplete;
  if (!allows_origin(origin) || !is_allowed_method(method) ||
      !is_header_name_list(request_headers)) {
    return PreflightResult::kForbidden;
  }
  return PreflightResult::kAllowed;
}

void CorsPolicy::add_preflight_headers(http::bhttp::fields& fields, std::string_view origin,
                                       std::string_view request_headers) const {
  fields.set(http::bhttp::field::access_control_allow_origin, origin);
  fields.set(http::bhttp::field::access_control_allow_methods, kCorsAllowedMethods);
  if (!request_headers.empty()) {
    fields.set(http::bhttp::field::access_control_allow_headers, request_headers);
  }
  fields.set(http::bhttp::field::access_control_max_age, std::to_string(kCorsMaxAgeSeconds));
  fields.set(http::bhttp::field::vary, "Origin");
}

void CorsPolicy::add_response_headers(http::bhttp::fields& fields, std::string_view origin) const {
  fields.set(http::bhttp::field::vary, "Origin");
  if (!allows_origin(origin)) return;
  fields.set(http::bhttp::field::access_control_allow_origin, origin);
  fields.set(http::bhttp::field::access_control_expose_headers, kCorsExposedHeaders);
}

const CorsRule* find_cors_rule(const std::vector<CorsRule>& rules, std::string_view origin,
                               std::string_view method, std::string_view request_headers) {
  if (origin.empty() || method.empty()) return nullptr;
  for (const auto& rule : rules) {
    bool origin_allowed = std::any_of(
        rule.allowed_origins.begin(), rule.allowed_origins.end(),
        [&](const std::string& pattern) { return wildcard_match(pattern, origin, false); });
    bool method_allowed = std::find(rule.allowed_methods.begin(), rule.allowed_methods.end(),
                                    method) != rule.allowed_methods.end();
    if (origin_allowed && method_allowed && headers_allowed(rule, request_headers)) return &rule;
  }
  return nullptr;
}

void add_rule_preflight_headers(http::bhttp::fields& fields, const CorsRule& rule,
                                std::string_view origin, std::string_view request_headers) {
  using http::bhttp::field;
  fields.set(field::access_control_allow_origin, origin);
  fields.set(field::access_control_allow_methods, join(rule.allowed_methods));
  if (!request_headers.empty()) fields.set(field::access_control_allow_headers, request_headers);
  if (!rule.expose_headers.empty()) {
    fields.set(field::access_control_expose_headers, join(rule.expose_headers));
  }
  if (rule.max_age_seconds) {
    fields.set(field::access_control_max_age, std::to_string(*rule.max_age_seconds));
  }
  fields.set(field::vary, "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
}

void add_rule_response_headers(http::bhttp::fields& fields, const CorsRule& rule,
                               std::string_view origin) {
  using http::bhttp::field;
  fields.set(field::access_control_allow_origin, origin);
  fields.set(field::access_control_allow_methods, join(rule.allowed_methods));
  if (!rule.expose_headers.empty()) {
    fields.set(field::access_control_expose_headers, join(rule.expose_headers));
  }
  if (rule.max_age_seconds) {
    fields.set(field::access_control_max_age, std::to_string(*rule.max_age_seconds));
  }
  fields.set(field::vary, "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
}

Expected<std::vector<CorsRule>, CorsConfigError> parse_cors_document(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "CORSConfiguration") return Unexpected(kMalformedCors);
  auto elements = root->children_named("CORSRule");
  if (elements.empty()) return Unexpected(kMalformedCors);
  if (elements.size() > kMaxCorsRules) {
    return Unexpected(
        CorsConfigError{"InvalidRequest", "A CORS configuration can have at most 100 rules."});
  }
  std::vector<CorsRule> rules;
  for (const s3::XmlElement* element : elements) {
    auto rule = parse_cors_rule(*element);
    if (!rule) return Unexpected(rule.error());
    rules.push_back(std::move(*rule));
  }
  return rules;
}

std::string cors_document(const std::vector<CorsRule>& rules) {
  XmlWriter xml("CORSConfiguration");
  for (const auto& rule : rules) {
    xml.open("CORSRule");
    if (!rule.id.empty()) xml.element("ID", rule.id);
    for (const auto& origin : rule.allowed_origins) xml.element("AllowedOrigin", origin);
    for (const auto& method : rule.allowed_methods) xml.element("AllowedMethod", method);
    for (const auto& header : rule.allowed_headers) xml.element("AllowedHeader", header);
    for (const auto& header : rule.expose_headers) xml.element("ExposeHeader", header);
    if (rule.max_age_seconds) xml.element("MaxAgeSeconds", std::to_string(*rule.max_age_seconds));
    xml.close("CORSRule");
  }
  return xml.finish();
}

}  // namespace satchel::store
