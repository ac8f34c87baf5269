// The rules and the column encoding of object tags, shared by every back end so they accept the
// same tags and store them the same way.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/records.h"

namespace satchel::meta {

// The limits of S3 object tagging (Amazon S3 User Guide, "Managing object tags"). S3 measures
// lengths in UTF-16 code units, so a character outside the Basic Multilingual Plane, such as
// an emoji, counts twice. Satchel counts the same way.
inline constexpr std::size_t kMaxTagsPerObject = 10;
inline constexpr std::size_t kMaxTagKeyCharacters = 128;
inline constexpr std::size_t kMaxTagValueCharacters = 256;

// Checks tags against the S3 limits above, and that keys and values are UTF-8 without control
// characters. A key must not contain ':', because the listing filter "tag=key:value" splits
// at the first ':'. Returns kInvalid naming the first tag that fails.
Expected<void, MetaError> validate_tags(const ObjectTags& tags);

// Checks the tags of a listing filter: each key and value must be valid as a tag, but there is
// no limit on their number. kInvalid otherwise.
Expected<void, MetaError> validate_tag_filter(const ObjectTags& tags);

// Encodes tags as the JSON object stored in the tags column, such as {"team":"blue"}: keys in
// byte order, UTF-8 unescaped. The tags must have passed validate_tags().
std::string encode_tags(const ObjectTags& tags);

// Decodes a tags column. kUnavailable when the text is not a JSON object of strings, which
// only a damaged database holds.
Expected<ObjectTags, MetaError> decode_tags(std::string_view json);

}  // namespace satchel::meta
