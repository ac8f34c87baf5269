// HTTP conditional requests on object reads (RFC 9110 section 13) and the
// ETag lists of If-Match and If-None-Match.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace satchel::store {

// Splits an If-Match or If-None-Match value into entity tags without quotes
// or the W/ prefix; "*" stays "*". Unquoted tags are accepted too, as S3
// does. Returns an empty list for an empty value.
std::vector<std::string> parse_etag_list(std::string_view value);

enum class ReadDecision { kProceed, kNotModified, kPreconditionFailed };

struct ReadConditions {
  std::string_view if_match;
  std::string_view if_none_match;
  std::string_view if_modified_since;
  std::string_view if_unmodified_since;
};

// Evaluates the conditions of a GET or HEAD against the object's ETag
// (unquoted) and modification time, in the order of RFC 9110 section
// 13.2.2: If-Match, else If-Unmodified-Since (412); then If-None-Match, else
// If-Modified-Since (304). Unparseable dates are ignored, as the RFC
// requires. Times compare at whole seconds, the resolution of HTTP dates.
ReadDecision evaluate_read_conditions(const ReadConditions& conditions, std::string_view etag,
                                      SystemTime last_modified);

}  // namespace satchel::store
