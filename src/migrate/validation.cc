#include "migrate/validation.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/encoding.h"
#include "media/sniff.h"

namespace satchel::migrate {
namespace {

constexpr std::string_view kOctetStream = "application/octet-stream";

std::string lower_ascii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// The media type without parameters, in lower case.
std::string essence(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return lower_ascii(type);
}

bool is_json_type(std::string_view type) {
  return type == "application/json" || type.ends_with("+json");
}

}  // namespace

std::string content_type_for_name(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes = {{
      {".json", "application/json"},
      {".txt", "text/plain"},
      {".csv", "text/csv"},
      {".md", "text/markdown"},
      {".html", "text/html"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".pdf", "application/pdf"},
      {".xml", "application/xml"},
      {".zip", "application/zip"},
      {".bin", kOctetStream},
  }};
  std::string_view file = name.substr(name.rfind('/') + 1);
  size_t dot = file.rfind('.');
  if (dot == std::string_view::npos) return std::string(kOctetStream);
  std::string extension = lower_ascii(file.substr(dot));
  for (const auto& [known, type] : kTypes) {
    if (extension == known) return std::string(type);
  }
  return std::string(kOctetStream);
}

std::string choose_content_type(std::string_view declared, std::string_view name) {
  std::string declared_essence = essence(declared);
  if (declared_essence.empty() || declared_essence == kOctetStream ||
      declared_essence == "binary/octet-stream") {
    return content_type_for_name(name);
  }
  return std::string(declared);
}

std::optional<std::string> check_object_content(std::string_view target_name,
                                                std::string_view content_type,
                                                std::string_view bytes,
                                                const app::PreferencesSchema& schema) {
  std::string type = essence(content_type);
  if (media::is_sniffed_type(type)) {
    media::SniffResult sniffed = media::check_declared_type(type, bytes);
    if (sniffed.verdict == media::SniffVerdict::kMismatch) {
      std::string detected = sniffed.detected_type.empty() ? "unknown" : sniffed.detected_type;
      return "content type mismatch: expected " + type + ", libmagic detected " + detected;
    }
    if (sniffed.verdict == media::SniffVerdict::kUnavailable) {
      return std::string("content type check failed: libmagic is unavailable");
    }
  }
  const bool json = is_json_type(type);
  if ((json || type.starts_with("text/")) && !is_valid_utf8(bytes)) {
    return std::string("text is not valid UTF-8");
  }
  if (json && !nlohmann::json::accept(bytes)) return std::string("invalid JSON");
  // The API validates only the object named exactly preferences.json, so
  // the import does the same.
  if (target_name == app::kPreferencesName) {
    std::vector<app::SchemaViolation> violations = schema.validate(bytes);
    if (!violations.empty()) {
      const app::SchemaViolation& first = violations.front();
      std::string path = first.path.empty() ? "(document)" : first.path;
      return "preferences do not match the schema at " + path + ": " + first.message;
    }
  }
  return std::nullopt;
}

}  // namespace satchel::migrate
