#include "store/cors.h"

#include <algorithm>
#include <cctype>

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

}  // namespace satchel::store
