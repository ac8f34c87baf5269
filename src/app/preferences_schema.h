// The JSON Schema (draft-07) that preferences.json must match. The API
// serves it at GET /v1/schemas/preferences, so the web page can build its
// form from it, and complete rejects an uploaded preferences.json that does
// not match it. The default is config/preferences.schema.json, compiled in.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace satchel::app {

// The object name whose uploads are validated.
inline constexpr std::string_view kPreferencesName = "preferences.json";

// One failed schema check.
struct SchemaViolation {
  std::string path;     // JSON Pointer (RFC 6901) of the failing value; "" is the document
  std::string message;  // the validator's description
};

// The text of config/preferences.schema.json as it was at build time.
std::string_view default_preferences_schema_text();

// A parsed and compiled schema. Immutable, so one instance may validate on
// several threads at once.
class PreferencesSchema {
 public:
  // Parses and compiles a draft-07 schema. source names the text in error
  // messages, such as a file path. Fails when the text is not a JSON object,
  // declares a $schema other than draft-07, or is not a valid schema.
  static Expected<std::shared_ptr<const PreferencesSchema>, std::string> parse(
      std::string_view text, std::string_view source);
  // Reads and parses a schema file. Error messages name the file.
  static Expected<std::shared_ptr<const PreferencesSchema>, std::string> load_file(
      const std::filesystem::path& path);
  // The compiled default schema.
  static std::shared_ptr<const PreferencesSchema> builtin();

  ~PreferencesSchema();

  // The schema text as given, served to clients unchanged so that the
  // order of its properties (the order of the form's fields) is kept.
  const std::string& json() const { return json_; }

  // Validates a preferences document. Returns the violations in the order
  // found, with the deepest failure of each property first. An empty result
  // means the document is valid. Bytes that are not UTF-8 or not JSON give
  // one violation at path "".
  std::vector<SchemaViolation> validate(std::string_view document) const;

 private:
  struct Compiled;
  PreferencesSchema(std::string json, std::unique_ptr<Compiled> compiled);

  std::string json_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace satchel::app
