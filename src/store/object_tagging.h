// Object tags: the x-amz-tagging header, the Tagging document of
// Get/PutObjectTagging and the limits S3 puts on a tag set.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.h"
#include "store/document_error.h"
#include "store/records.h"

namespace satchel::store {

inline constexpr size_t kMaxObjectTags = 10;
inline constexpr size_t kMaxTagKeyCharacters = 128;
inline constexpr size_t kMaxTagValueCharacters = 256;

// Checks a tag set as S3 does: at most kMaxObjectTags tags, keys of 1 to
// kMaxTagKeyCharacters and values of at most kMaxTagValueCharacters Unicode
// characters in UTF-8 without control characters, and no key twice. Fails
// with 400 InvalidTag.
Expected<void, DocumentError> validate_tags(const HeaderList& tags);

// The x-amz-tagging header: a URL-encoded query string such as
// "a=1&b=two%20words", '+' standing for a space. An empty value is an empty
// tag set.
Expected<HeaderList, DocumentError> parse_tagging_header(std::string_view value);

// The PutObjectTagging body: <Tagging><TagSet><Tag><Key/><Value/></Tag>...
Expected<HeaderList, DocumentError> parse_tagging_document(std::string_view body);

// The GetObjectTagging reply; an empty tag set gives an empty TagSet.
std::string tagging_document(const HeaderList& tags);

}  // namespace satchel::store
