// Settings of the product API, with their defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "policy/rate_limiter.h"

namespace satchel::app {

class PreferencesSchema;

struct ApiConfig {
  // How long a presigned URL stays valid. S3 accepts 1 s to 7 days; short
  // keeps a leaked URL nearly useless.
  std::chrono::seconds presign_ttl{60};
  // How long an upload may stay pending before complete is refused.
  std::chrono::seconds upload_ttl{15 * 60};
  uint64_t max_upload_bytes = 100ULL << 20;
  // Accepted content types; an entry ending in "/*" matches a whole family.
  std::vector<std::string> allowed_content_types = {
      "application/json", "text/plain", "text/csv", "application/pdf",
      "image/*",          "audio/*",    "video/*",  "application/octet-stream",
      "application/zip"};
  uint64_t max_json_body_bytes = 64 * 1024;
  // Per-subject token bucket shared by every endpoint that returns a
  // presigned URL.
  policy::RateLimit presign_rate_limit;
  // Origins whose pages may call the API and the dev provider from a browser.
  std::vector<std::string> web_origins;
  // The OpenID provider the web page signs in with.
  std::string issuer;
  std::string web_client_id = "satchel-web";
  // The store origin the page loads images from and uploads to, for the
  // Content-Security-Policy.
  std::string store_origin;
  // The schema an uploaded preferences.json must match; null means the
  // built-in one (PreferencesSchema::builtin).
  std::shared_ptr<const PreferencesSchema> preferences_schema;
  // Largest avatar upload that complete decodes into a thumbnail; larger
  // ones get 413.
  uint64_t max_avatar_bytes = 10ULL << 20;
  // Keep the uploaded avatar as the object "avatar.original" beside the
  // thumbnail, metadata and all. Off, the original is deleted.
  bool keep_avatar_original = false;
};

}  // namespace satchel::app
