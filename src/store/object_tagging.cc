#include "store/object_tagging.h"

#include <set>

#include "common/encoding.h"
#include "http/url.h"
#include "s3/xml_reader.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

DocumentError invalid_tag(std::string_view message) { return DocumentError{"InvalidTag", message}; }

// The number of Unicode characters in valid UTF-8: every byte that does not
// continue a sequence starts one.
size_t character_count(std::string_view utf8) {
  size_t count = 0;
  for (unsigned char byte : utf8) {
    if ((byte & 0xC0) != 0x80) ++count;
  }
  return count;
}

// Returns whether text contains a C0 control or DEL, which a Tagging document cannot return
// unchanged. The API rejects them in tags as well.
bool has_control_character(std::string_view text) {
  for (unsigned char byte : text) {
    if (byte < 0x20 || byte == 0x7F) return true;
  }
  return false;
}

}  // namespace

Expected<void, DocumentError> validate_tags(const HeaderList& tags) {
  if (tags.size() > kMaxObjectTags) {
    return Unexpected(invalid_tag("Object tags cannot be greater than 10"));
  }
  std::set<std::string_view> keys;
  for (const auto& [key, value] : tags) {
    if (!is_valid_utf8(key) || !is_valid_utf8(value)) {
      return Unexpected(invalid_tag("The TagKey or TagValue you have provided is invalid."));
    }
    if (has_control_character(key) || has_control_character(value)) {
      return Unexpected(invalid_tag("A TagKey or TagValue contains a control character"));
    }
    size_t key_characters = character_count(key);
    if (key_characters == 0 || key_characters > kMaxTagKeyCharacters) {
      return Unexpected(invalid_tag("The TagKey you have provided is invalid"));
    }
    if (character_count(value) > kMaxTagValueCharacters) {
      return Unexpected(invalid_tag("The TagValue you have provided is invalid"));
    }
    // AWS reserves the aws: prefix for the tags it sets itself.
    if (key.starts_with("aws:")) {
      return Unexpected(invalid_tag("A TagKey cannot start with the reserved prefix aws:"));
    }
    if (!keys.insert(key).second) {
      return Unexpected(invalid_tag("Cannot provide multiple Tags with the same key"));
    }
  }
  return {};
}

Expected<HeaderList, DocumentError> parse_tagging_header(std::string_view value) {
  HeaderList tags;
  if (value.empty()) return tags;
  auto pairs = http::parse_form(value);
  if (!pairs) {
    return Unexpected(DocumentError{
        "InvalidArgument", "The header 'x-amz-tagging' must be URL-encoded key=value pairs."});
  }
  tags.assign(pairs->begin(), pairs->end());
  auto valid = validate_tags(tags);
  if (!valid) return Unexpected(valid.error());
  return tags;
}

Expected<HeaderList, DocumentError> parse_tagging_document(std::string_view body) {
  auto root = s3::parse_xml(body);
  if (!root || root->name != "Tagging") return Unexpected(kMalformedDocument);
  const s3::XmlElement* tag_set = root->child("TagSet");
  if (!tag_set) return Unexpected(kMalformedDocument);
  HeaderList tags;
  for (const s3::XmlElement* tag : tag_set->children_named("Tag")) {
    auto key = tag->child_text("Key");
    auto value = tag->child_text("Value");
    if (!key || !value) return Unexpected(kMalformedDocument);
    tags.emplace_back(std::string(*key), std::string(*value));
  }
  auto valid = validate_tags(tags);
  if (!valid) return Unexpected(valid.error());
  return tags;
}

std::string tagging_document(const HeaderList& tags) {
  XmlWriter writer("Tagging");
  writer.open("TagSet");
  for (const auto& [key, value] : tags) {
    writer.open("Tag");
    writer.element("Key", key);
    writer.element("Value", value);
    writer.close("Tag");
  }
  writer.close("TagSet");
  return writer.finish();
}

}  // namespace satchel::store
