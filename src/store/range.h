// The Range header of GET and HEAD (RFC 9110 section 14) as S3 applies it:
// one byte range, or the whole object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace satchel::store {

struct RangeDecision {
  enum class Kind {
    kWhole,          // no range, or one to ignore: send the object with 200
    kPartial,        // send [first, first + length) with 206
    kUnsatisfiable,  // 416 with "Content-Range: bytes */size"
  };
  Kind kind = Kind::kWhole;
  uint64_t first = 0;
  uint64_t length = 0;
};

// Evaluates a Range value against an object of size bytes. "bytes=a-b",
// "bytes=a-" and "bytes=-n" select one range, with b clamped to the last
// byte and a suffix longer than the object selecting all of it. A value
// that is not a valid bytes range is ignored, as RFC 9110 allows, and so is
// a list of several ranges, for which S3 returns the whole object. A
// first byte at or past the end, or an empty suffix, is unsatisfiable.
RangeDecision evaluate_range(std::string_view header, uint64_t size);

// Applies If-Range (RFC 9110 section 13.1.5): true when the range may be
// served, that is when the value is the object's strong ETag (quoted) or
// exactly its Last-Modified date. An absent If-Range allows the range.
bool if_range_allows(std::string_view if_range, std::string_view etag, SystemTime last_modified);

// "bytes first-last/size"
std::string content_range(uint64_t first, uint64_t length, uint64_t size);

}  // namespace satchel::store
