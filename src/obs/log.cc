#include "obs/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdio>

#include "common/time_format.h"
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

void append_json_escaped(std::string& out, std::string_view text) {
  for (unsigned char c : text) {
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
      default:
        if (c < 0x20 || c == 0x7f) {
          std::array<char, 8> escaped{};
          std::snprintf(escaped.data(), escaped.size(), "\\u%04x", c);
          out += escaped.data();
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

std::string format_line(Level level, std::string_view message, Fields fields) {
  std::string line;
  line.reserve(128);
  line += R"({"time":")";
  line += format_iso8601(std::chrono::system_clock::now());
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
