#include "obs/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <cstdio>

#include "obs/request_context.h"

namespace satchel::obs {
namespace {

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

void append_value(std::string& out, const Field& field) {
  std::visit(
      [&out](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          out += '"';
          append_json_escaped(out, value);
          out += '"';
        } else if constexpr (std::is_same_v<T, bool>) {
          out += value ? "true" : "false";
        } else {
          out += std::to_string(value);
        }
      },
      field.value);
}

}  // namespace

namespace {

// Bytes from 0x80 up are checked as UTF-8 one sequence at a time.
bool needs_json_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\' || c >= 0x7f; }

// Returns the length of the valid UTF-8 sequence that text starts with (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when it starts with none.
size_t utf8_sequence_length(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text[0]);
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xbf)) return 0;
  }
  return length;
}

// Appends value with at least digits digits, zero-padded.
void append_padded(std::string& out, long long value, int digits) {
  std::array<char, 24> text{};
  auto [end, error] =
      std::to_chars(text.data(), text.data() + text.size(), value < 0 ? -value : value);
  if (value < 0) out += '-';
  for (auto length = end - text.data(); length < digits; ++length) out += '0';
  out.append(text.data(), end);
}

}  // namespace

void append_iso8601_millis(std::string& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto millis_since_epoch = time_point_cast<milliseconds>(time);
  const auto day = floor<days>(millis_since_epoch);
  const year_month_day date{day};
  const hh_mm_ss clock{millis_since_epoch - day};
  append_padded(out, static_cast<int>(date.year()), 4);
  out += '-';
  append_padded(out, static_cast<unsigned>(date.month()), 2);
  out += '-';
  append_padded(out, static_cast<unsigned>(date.day()), 2);
  out += 'T';
  append_padded(out, clock.hours().count(), 2);
  out += ':';
  append_padded(out, clock.minutes().count(), 2);
  out += ':';
  append_padded(out, clock.seconds().count(), 2);
  out += '.';
  append_padded(out, clock.subseconds().count(), 3);
  out += 'Z';
}

void append_json_escaped(std::string& out, std::string_view text) {
  // Runs of characters that need no escape are copied whole.
  while (!text.empty()) {
    size_t plain = 0;
    while (plain < text.size() && !needs_json_escape(static_cast<unsigned char>(text[plain]))) {
      ++plain;
    }
    out.append(text.substr(0, plain));
    text.remove_prefix(plain);
    if (text.empty()) return;
    const auto c = static_cast<unsigned char>(text.front());
    if (c >= 0x80) {
      // A byte that starts no valid sequence becomes U+FFFD, so every line stays valid JSON
      // even when a logged value, such as a file name, is not UTF-8.
      size_t length = utf8_sequence_length(text);
      if (length == 0) {
        out += "\\ufffd";
        length = 1;
      } else {
        out.append(text.substr(0, length));
      }
      text.remove_prefix(length);
      continue;
    }
    text.remove_prefix(1);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        std::array<char, 8> escaped{};
        std::snprintf(escaped.data(), escaped.size(), "\\u%04x", c);
        out += escaped.data();
      }
    }
  }
}

std::string format_line(Level level, std::string_view message, Fields fields) {
  std::string line;
  line.reserve(128);
  line += R"({"time":")";
  append_iso8601_millis(line, std::chrono::system_clock::now());
  line += R"(","level":")";
  line += level_name(level);
  line += R"(","msg":")";
  append_json_escaped(line, message);
  line += '"';
  bool has_request_id = false;
  for (const Field& field : fields) {
    line += ",\"";
    append_json_escaped(line, field.key);
    line += "\":";
    append_value(line, field);
    has_request_id = has_request_id || field.key == "request_id";
  }
  // Lines written while serving a request carry its ids, so every line of
  // one request can be found from the access log line.
  if (const RequestContext* context = current_request()) {
    if (!has_request_id) {
      line += R"(,"request_id":")";
      append_json_escaped(line, context->request_id);
      line += '"';
    }
    if (!context->trace.trace_id.empty()) {
      line += R"(,"trace_id":")";
      line += context->trace.trace_id;
      line += '"';
    }
  }
  line += '}';
  return line;
}

void init_logging(Level minimum) {
  auto logger = std::make_shared<spdlog::logger>("satchel",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%v");
  logger->set_level(to_spdlog(minimum));
  logger->flush_on(spdlog::level::debug);
  spdlog::set_default_logger(std::move(logger));
}

void flush_logs() {
  if (auto* logger = spdlog::default_logger_raw()) logger->flush();
}

bool parse_level(std::string_view text, Level& level) {
  static constexpr std::array<std::pair<std::string_view, Level>, 4> kNames = {{
      {"debug", Level::kDebug},
      {"info", Level::kInfo},
      {"warn", Level::kWarn},
      {"error", Level::kError},
  }};
  for (const auto& [name, value] : kNames) {
    if (name == text) {
      level = value;
      return true;
    }
  }
  return false;
}

void log(Level level, std::string_view message, Fields fields) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(to_spdlog(level))) return;
  logger->log(to_spdlog(level), "{}", format_line(level, message, fields));
}

}  // namespace satchel::obs
