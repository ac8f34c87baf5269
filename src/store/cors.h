// CORS for browsers that PUT and GET with presigned URLs: preflight replies
// and the headers added to actual responses, from a fixed list of origins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/beast.h"

namespace satchel::store {

inline constexpr std::string_view kCorsAllowedMethods = "GET, PUT, HEAD, DELETE, POST";
inline constexpr std::string_view kCorsExposedHeaders =
    "ETag, x-amz-version-id, x-amz-delete-marker, x-amz-request-id";
inline constexpr int kCorsMaxAgeSeconds = 600;

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> allowed_origins);

  bool allows_origin(std::string_view origin) const;

  enum class PreflightResult {
    kAllowed,
    kIncomplete,  // Origin or Access-Control-Request-Method is missing
    kForbidden,   // origin, method or requested headers not allowed
  };
  // Checks a preflight's Origin, Access-Control-Request-Method and
  // Access-Control-Request-Headers.
  PreflightResult check_preflight(std::string_view origin, std::string_view method,
                                  std::string_view request_headers) const;

  // Adds the headers of an allowed preflight reply.
  void add_preflight_headers(http::bhttp::fields& fields, std::string_view origin,
                             std::string_view request_headers) const;
  // Adds Vary: Origin, and the allow and expose headers when the request's
  // Origin is allowed.
  void add_response_headers(http::bhttp::fields& fields, std::string_view origin) const;

 private:
  std::vector<std::string> allowed_origins_;
  bool allow_any_ = false;
};

}  // namespace satchel::store
