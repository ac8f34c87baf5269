// CORS for browsers that PUT and GET with presigned URLs: preflight replies
// and the headers added to actual responses, from the store's fixed list of
// origins and from each bucket's CORS configuration (PutBucketCors).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "http/beast.h"
#include "store/records.h"

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

// Finds the bucket CORS rule S3 would apply: the first whose AllowedOrigin
// and AllowedMethod match the request and whose AllowedHeader patterns cover
// every header of Access-Control-Request-Headers. That list is
// comma-separated, and empty for actual requests. Origins compare
// case-sensitively, header names case-insensitively, and each pattern may
// contain one '*'.
const CorsRule* find_cors_rule(const std::vector<CorsRule>& rules, std::string_view origin,
                               std::string_view method, std::string_view request_headers);

// Adds the headers of a preflight reply allowed by rule.
void add_rule_preflight_headers(http::bhttp::fields& fields, const CorsRule& rule,
                                std::string_view origin, std::string_view request_headers);
// Adds the headers of an actual response allowed by rule.
void add_rule_response_headers(http::bhttp::fields& fields, const CorsRule& rule,
                               std::string_view origin);

// Why a PutBucketCors document was rejected: an S3 error code and message.
struct CorsConfigError {
  std::string_view code;
  std::string_view message;
};

inline constexpr size_t kMaxCorsRules = 100;

// Reads a CORSConfiguration document: 1 to kMaxCorsRules CORSRule elements,
// each with at least one AllowedOrigin and AllowedMethod (GET, PUT, HEAD,
// POST or DELETE), at most one '*' per AllowedOrigin and AllowedHeader, and
// a non-negative MaxAgeSeconds.
Expected<std::vector<CorsRule>, CorsConfigError> parse_cors_document(std::string_view body);

// The GetBucketCors reply.
std::string cors_document(const std::vector<CorsRule>& rules);

}  // namespace satchel::store
