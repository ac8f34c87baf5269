// An ObjectFilter turned into the values that the listing queries bind. Shared by every back
// end, so both match the same objects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/records.h"

namespace satchel::meta {

// Each value is bound as it is, and NULL (nullopt) turns its condition off. Text is lower-case
// ASCII where the queries compare it with lower(...), whose case mapping is ASCII-only in
// SQLite and under PostgreSQL's "C" collation.
struct FilterParameters {
  // "type/subtype": content_type equals it, or starts with it followed by ';'.
  std::optional<std::string> exact_content_type;
  // "type/": content_type starts with it.
  std::optional<std::string> content_type_family;
  std::optional<std::int64_t> updated_since_us;
  std::optional<std::string> name_contains;
  // The required tags as a JSON object in the tags column's encoding. An object matches when
  // its tags contain every member.
  std::optional<std::string> tags_json;
  // An object matches when it has no expires_at_us or one after this.
  std::optional<std::int64_t> unexpired_at_us;
};

// kInvalid when the content type is not "type/subtype" or "type/*", when text is not UTF-8
// or contains NUL, or when a tag fails validate_tag_filter(). An empty name_contains matches every
// name.
Expected<FilterParameters, MetaError> make_filter_parameters(const ObjectFilter& filter);

}  // namespace satchel::meta
