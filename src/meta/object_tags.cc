#include "meta/object_tags.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "fmt/format.h"

namespace satchel::meta {
namespace {

Unexpected<MetaError> invalid(std::string message) {
  return Unexpected(MetaError{MetaErrorCode::kInvalid, std::move(message), std::nullopt});
}

// Returns the length of valid UTF-8 text in UTF-16 code units: one per character, two for a
// character that UTF-8 encodes in four bytes (lead byte 11110xxx), which UTF-16 encodes as a
// surrogate pair. Continuation bytes (10xxxxxx) count nothing.
std::size_t count_utf16_units(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xF8) == 0xF0) {
      count += 2;
    } else if ((c & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

// C0 controls and DEL. They would make tags unsafe to print in logs and headers.
bool has_control_character(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

Expected<void, MetaError> check_tag(const std::string& key, const std::string& value) {
  if (!is_valid_utf8(key) || has_control_character(key)) {
    return invalid("a tag key is not valid UTF-8 or contains a control character");
  }
  std::size_t key_length = count_utf16_units(key);
  if (key_length == 0 || key_length > kMaxTagKeyCharacters) {
    return invalid(
        fmt::format("tag key \"{}\" must have 1 to {} characters", key, kMaxTagKeyCharacters));
  }
  if (key.find(':') != std::string::npos) {
    return invalid(fmt::format(
        "tag key \"{}\" contains ':', which the filter tag=key:value uses as the separator", key));
  }
  if (!is_valid_utf8(value) || has_control_character(value)) {
    return invalid(fmt::format(
        "the value of tag \"{}\" is not valid UTF-8 or contains a control character", key));
  }
  if (count_utf16_units(value) > kMaxTagValueCharacters) {
    return invalid(fmt::format("the value of tag \"{}\" is longer than {} characters", key,
                               kMaxTagValueCharacters));
  }
  return {};
}

}  // namespace

Expected<void, MetaError> validate_tags(const ObjectTags& tags) {
  if (tags.size() > kMaxTagsPerObject) {
    return invalid(
        fmt::format("an object has at most {} tags, not {}", kMaxTagsPerObject, tags.size()));
  }
  return validate_tag_filter(tags);
}

Expected<void, MetaError> validate_tag_filter(const ObjectTags& tags) {
  for (const auto& [key, value] : tags) {
    if (auto checked = check_tag(key, value); !checked) return checked;
  }
  return {};
}

std::string encode_tags(const ObjectTags& tags) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : tags) object[key] = value;
  return object.dump();
}

Expected<ObjectTags, MetaError> decode_tags(std::string_view json) {
  auto damaged = [] {
    return Unexpected(MetaError{MetaErrorCode::kUnavailable,
                                "a stored tags column is not a JSON object of strings",
                                std::nullopt});
  };
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return damaged();
  ObjectTags tags;
  for (const auto& [key, value] : parsed.items()) {
    if (!value.is_string()) return damaged();
    tags.emplace(key, value.get<std::string>());
  }
  return tags;
}

}  // namespace satchel::meta
