// Time formats of the protocols Satchel speaks.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace satchel {

// ISO 8601 basic format used by SigV4: 20150830T123600Z.
std::string format_amz_date(SystemTime time);
// The date part of it: 20150830.
std::string format_amz_day(SystemTime time);
std::optional<SystemTime> parse_amz_date(std::string_view text);

// RFC 3339 / ISO 8601 extended with milliseconds: 2015-08-30T12:36:00.000Z.
std::string format_iso8601(SystemTime time);
std::optional<SystemTime> parse_iso8601(std::string_view text);

// IMF-fixdate of RFC 9110 section 5.6.7: Sun, 30 Aug 2015 12:36:00 GMT.
std::string format_http_date(SystemTime time);
std::optional<SystemTime> parse_http_date(std::string_view text);

int64_t to_unix_seconds(SystemTime time);
SystemTime from_unix_seconds(int64_t seconds);

}  // namespace satchel
