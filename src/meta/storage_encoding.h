// The encoding of record fields in SQL columns. Shared by every back end, so a record reads
// back the same from each of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/clock.h"
#include "meta/records.h"

namespace satchel::meta {

// Times are stored as microseconds since the Unix epoch, rounded down.
inline std::int64_t to_unix_us(SystemTime time) {
  return std::chrono::floor<std::chrono::microseconds>(time.time_since_epoch()).count();
}

inline SystemTime from_unix_us(std::int64_t microseconds) {
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(microseconds)));
}

inline SystemTime floor_to_us(SystemTime time) { return from_unix_us(to_unix_us(time)); }

// The state column's text: "pending", "completed" or "aborted".
std::string_view upload_state_text(UploadState state);

// nullopt for text that upload_state_text() never returns.
std::optional<UploadState> parse_upload_state(std::string_view text);

}  // namespace satchel::meta
