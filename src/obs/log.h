// Structured JSON-lines logging on top of spdlog. Each line is one JSON
// object: time, level, msg, then the fields given by the caller, then the
// request_id and trace_id of the request the thread is serving, if any. Callers
// pass secrets only as satchel::Secret, which has no Field constructor, so a
// token or key cannot be logged by accident.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace satchel::obs {

struct Field {
  Field(std::string_view key, std::string_view value) : key(key), value(value) {}
  Field(std::string_view key, const std::string& value)
      : key(key), value(std::string_view(value)) {}
  Field(std::string_view key, const char* value) : key(key), value(std::string_view(value)) {}
  Field(std::string_view key, int64_t value) : key(key), value(value) {}
  Field(std::string_view key, int value) : key(key), value(int64_t{value}) {}
  Field(std::string_view key, uint64_t value) : key(key), value(static_cast<int64_t>(value)) {}
  Field(std::string_view key, double value) : key(key), value(value) {}
  Field(std::string_view key, bool value) : key(key), value(value) {}

  std::string_view key;
  std::variant<std::string_view, int64_t, double, bool> value;
};

using Fields = std::initializer_list<Field>;

enum class Level { kDebug, kInfo, kWarn, kError };

// Sends logs to standard error at the given minimum level. Safe to call
// once at start-up, before other threads log.
void init_logging(Level minimum);
// Writes buffered lines out; called before the process exits.
void flush_logs();
bool parse_level(std::string_view text, Level& level);

void log(Level level, std::string_view message, Fields fields = {});
inline void debug(std::string_view message, Fields fields = {}) {
  log(Level::kDebug, message, fields);
}
inline void info(std::string_view message, Fields fields = {}) {
  log(Level::kInfo, message, fields);
}
inline void warn(std::string_view message, Fields fields = {}) {
  log(Level::kWarn, message, fields);
}
inline void error(std::string_view message, Fields fields = {}) {
  log(Level::kError, message, fields);
}

// Renders one log line without writing it; exposed for tests.
std::string format_line(Level level, std::string_view message, Fields fields);

// Escapes text for inclusion in a JSON string literal. Bytes that are not valid UTF-8 become
// U+FFFD, so the line stays valid JSON.
void append_json_escaped(std::string& out, std::string_view text);

// Appends time as ISO 8601 UTC with milliseconds ("2023-11-14T22:13:20.000Z"), the format of
// format_iso8601() in common/time_format.h, without its temporary strings. Years outside 0 to
// 9999 are written with as many digits as they need.
void append_iso8601_millis(std::string& out, std::chrono::system_clock::time_point time);

}  // namespace satchel::obs
