#include "app/preferences_schema.h"

// valijson reports an invalid schema by throwing; without this it aborts.
#define VALIJSON_USE_EXCEPTIONS 1

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "common/encoding.h"

namespace satchel::app {
namespace {

// The $schema values of draft-07, the only draft the validator implements
// here, with and without the empty fragment.
constexpr std::string_view kDraft07Uris[] = {"http://json-schema.org/draft-07/schema#",
                                             "http://json-schema.org/draft-07/schema"};

// Schema files are small; a larger one is a wrong path rather than a schema.
constexpr std::uintmax_t kMaxSchemaFileBytes = 1 << 20;

// Documents nested deeper than this are rejected before validation, because
// valijson recurses once per level and a worker thread's stack is finite.
constexpr size_t kMaxDocumentDepth = 64;

// Strings (values and member names) longer than this are rejected before
// validation, because libstdc++'s std::regex, which valijson applies for
// "pattern", recurses once per character: 30,000 characters overflowed a
// worker thread's stack.
constexpr size_t kMaxStringBytes = 1024;

// Appends "/" and token to a JSON Pointer, escaping "~" and "/" (RFC 6901).
void append_pointer_token(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

// Returns the JSON Pointer of the first string in value longer than
// kMaxStringBytes, or nullopt when there is none. Recursion is bounded by
// kMaxDocumentDepth, checked before.
std::optional<std::string> overlong_string(const nlohmann::json& value, const std::string& path) {
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().size() > kMaxStringBytes) return path;
  } else if (value.is_object()) {
    for (const auto& [name, member] : value.items()) {
      std::string member_path = path;
      append_pointer_token(member_path, name);
      if (name.size() > kMaxStringBytes) return member_path;
      if (auto found = overlong_string(member, member_path)) return found;
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      if (auto found = overlong_string(value[i], path + "/" + std::to_string(i))) return found;
    }
  }
  return std::nullopt;
}

// Returns the deepest nesting of arrays and objects in JSON text, counting
// only brackets outside strings.
size_t nesting_depth(std::string_view text) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// Returns an error message for the first "pattern" or "patternProperties"
// regular expression that std::regex (ECMAScript grammar, which valijson
// uses) cannot compile, because valijson compiles them only while validating.
std::optional<std::string> find_invalid_pattern(const nlohmann::json& schema) {
  if (schema.is_array()) {
    for (const auto& item : schema) {
      if (auto problem = find_invalid_pattern(item)) return problem;
    }
    return std::nullopt;
  }
  if (!schema.is_object()) return std::nullopt;
  std::vector<std::string> patterns;
  if (auto pattern = schema.find("pattern"); pattern != schema.end() && pattern->is_string()) {
    patterns.push_back(pattern->get<std::string>());
  }
  if (auto properties = schema.find("patternProperties");
      properties != schema.end() && properties->is_object()) {
    for (const auto& [pattern, ignored] : properties->items()) patterns.push_back(pattern);
  }
  for (const std::string& pattern : patterns) {
    try {
      std::regex compiled(pattern);
    } catch (const std::regex_error& error) {
      return "invalid regular expression \"" + pattern + "\": " + error.what();
    }
  }
  for (const auto& [name, value] : schema.items()) {
    if (auto problem = find_invalid_pattern(value)) return problem;
  }
  return std::nullopt;
}

// Turns valijson's context, such as {"<root>", "[items]", "[0]"}, into the
// JSON Pointer "/items/0", escaping '~' and '/' as RFC 6901 section 3
// requires.
std::string json_pointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (size_t i = 1; i < context.size(); ++i) {
    std::string_view token = context[i];
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') {
      token = token.substr(1, token.size() - 2);
    }
    append_pointer_token(pointer, token);
  }
  return pointer;
}

// True when ancestor names a value that contains the value at path.
bool is_ancestor(std::string_view ancestor, std::string_view path) {
  return path.size() > ancestor.size() && path.starts_with(ancestor) &&
         path[ancestor.size()] == '/';
}

// valijson adds a summary error on each enclosing value after the error of a
// nested one ("Failed to validate against schema associated with property
// name 'theme'"). Those add nothing to the nested error, so only errors with
// no error below them are kept.
std::vector<SchemaViolation> deepest_only(std::vector<SchemaViolation> all) {
  std::vector<SchemaViolation> kept;
  for (const SchemaViolation& candidate : all) {
    bool has_nested = false;
    for (const SchemaViolation& other : all) {
      if (is_ancestor(candidate.path, other.path)) {
        has_nested = true;
        break;
      }
    }
    if (!has_nested) kept.push_back(candidate);
  }
  return kept;
}

}  // namespace

struct PreferencesSchema::Compiled {
  valijson::Schema schema;
};

PreferencesSchema::PreferencesSchema(std::string json, std::unique_ptr<Compiled> compiled)
    : json_(std::move(json)), compiled_(std::move(compiled)) {}

PreferencesSchema::~PreferencesSchema() = default;

Expected<std::shared_ptr<const PreferencesSchema>, std::string> PreferencesSchema::parse(
    std::string_view text, std::string_view source) {
  auto fail = [source](std::string_view problem) {
    return Unexpected(std::string(source) + ": " + std::string(problem));
  };
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) return fail("not valid JSON");
  if (!document.is_object()) return fail("a JSON Schema must be a JSON object");
  if (auto declared = document.find("$schema"); declared != document.end()) {
    bool draft07 =
        declared->is_string() && std::find(std::begin(kDraft07Uris), std::end(kDraft07Uris),
                                           declared->get<std::string>()) != std::end(kDraft07Uris);
    if (!draft07) {
      return fail("$schema must be " + std::string(kDraft07Uris[0]) +
                  ", because only draft-07 schemas are supported");
    }
  }

  if (auto problem = find_invalid_pattern(document)) return fail(*problem);

  auto compiled = std::make_unique<Compiled>();
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    parser.populateSchema(adapter, compiled->schema);
  } catch (const std::exception& error) {
    return fail(std::string("invalid JSON Schema: ") + error.what());
  }
  return std::shared_ptr<const PreferencesSchema>(
      new PreferencesSchema(std::string(text), std::move(compiled)));
}

Expected<std::shared_ptr<const PreferencesSchema>, std::string> PreferencesSchema::load_file(
    const std::filesystem::path& path) {
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return Unexpected(path.string() + ": cannot read the file: " + error.message());
  if (size > kMaxSchemaFileBytes) {
    return Unexpected(path.string() + ": the file is larger than " +
                      std::to_string(kMaxSchemaFileBytes) + " bytes");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) return Unexpected(path.string() + ": cannot open the file");
  std::ostringstream text;
  if (size > 0) text << file.rdbuf();
  return parse(text.str(), path.string());
}

std::shared_ptr<const PreferencesSchema> PreferencesSchema::builtin() {
  static const std::shared_ptr<const PreferencesSchema> schema = [] {
    auto parsed = parse(default_preferences_schema_text(), "config/preferences.schema.json");
    // The file is checked by the unit tests, so a failure here is a build
    // that skipped them.
    if (!parsed) throw std::logic_error(parsed.error());
    return *parsed;
  }();
  return schema;
}

std::vector<SchemaViolation> PreferencesSchema::validate(std::string_view document) const {
  if (!is_valid_utf8(document)) return {{"", "the document is not valid UTF-8"}};
  if (nesting_depth(document) > kMaxDocumentDepth) {
    return {{"", "the document nests arrays and objects deeper than " +
                     std::to_string(kMaxDocumentDepth) + " levels"}};
  }
  nlohmann::json parsed = nlohmann::json::parse(document, nullptr, false);
  if (parsed.is_discarded()) return {{"", "the document is not valid JSON"}};
  if (auto path = overlong_string(parsed, "")) {
    return {{*path, "the string is longer than " + std::to_string(kMaxStringBytes) + " bytes"}};
  }

  // A Validator keeps a cache of compiled patterns, so each call makes its
  // own and the schema stays shared and read-only.
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(parsed);
  try {
    if (validator.validate(compiled_->schema, adapter, &results)) return {};
  } catch (const std::exception& error) {
    // Not expected after the checks in parse, but a throw must not leave
    // the worker thread.
    return {{"", std::string("the schema could not be applied: ") + error.what()}};
  }

  std::vector<SchemaViolation> violations;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    violations.push_back({json_pointer(error.context), error.description});
  }
  return deepest_only(std::move(violations));
}

}  // namespace satchel::app
