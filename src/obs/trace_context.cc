#include "obs/trace_context.h"

#include "common/crypto.h"
#include "common/encoding.h"

namespace satchel::obs {
namespace {

constexpr size_t kTraceIdDigits = 32;
constexpr size_t kSpanIdDigits = 16;
// "00-" + trace id + "-" + parent id + "-" + flags
constexpr size_t kVersion00Length = 2 + 1 + kTraceIdDigits + 1 + kSpanIdDigits + 1 + 2;

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_all_zero(std::string_view text) { return text.find_first_not_of('0') == text.npos; }

// A random id of the given number of hex digits that is not all zero.
std::string random_id(size_t digits) {
  for (;;) {
    std::string id = hex_encode(random_bytes(digits / 2));
    if (!is_all_zero(id)) return id;
  }
}

uint8_t hex_byte(std::string_view two_digits) {
  auto value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  return static_cast<uint8_t>(value(two_digits[0]) * 16 + value(two_digits[1]));
}

}  // namespace

std::string TraceContext::traceparent() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string header = "00-" + trace_id + "-" + span_id + "-";
  header += kDigits[flags >> 4];
  header += kDigits[flags & 0x0f];
  return header;
}

TraceContext TraceContext::child() const {
  return TraceContext{.trace_id = trace_id,
                      .parent_id = span_id,
                      .span_id = random_id(kSpanIdDigits),
                      .flags = flags};
}

std::optional<TraceContext> parse_traceparent(std::string_view header) {
  if (header.size() < kVersion00Length) return std::nullopt;
  std::string_view version = header.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff") return std::nullopt;
  // Version 00 has exactly four fields; a later version may append fields
  // after another dash.
  if (version == "00" ? header.size() != kVersion00Length
                      : header.size() > kVersion00Length && header[kVersion00Length] != '-') {
    return std::nullopt;
  }
  if (header[2] != '-' || header[3 + kTraceIdDigits] != '-' ||
      header[4 + kTraceIdDigits + kSpanIdDigits] != '-') {
    return std::nullopt;
  }
  std::string_view trace_id = header.substr(3, kTraceIdDigits);
  std::string_view parent_id = header.substr(4 + kTraceIdDigits, kSpanIdDigits);
  std::string_view flags = header.substr(5 + kTraceIdDigits + kSpanIdDigits, 2);
  if (!is_lower_hex(trace_id) || !is_lower_hex(parent_id) || !is_lower_hex(flags)) {
    return std::nullopt;
  }
  if (is_all_zero(trace_id) || is_all_zero(parent_id)) return std::nullopt;
  return TraceContext{.trace_id = std::string(trace_id),
                      .parent_id = std::string(parent_id),
                      .span_id = random_id(kSpanIdDigits),
                      .flags = hex_byte(flags)};
}

TraceContext continue_or_start_trace(std::string_view header) {
  if (auto parsed = parse_traceparent(header)) return std::move(*parsed);
  return TraceContext{.trace_id = random_id(kTraceIdDigits),
                      .parent_id = {},
                      .span_id = random_id(kSpanIdDigits),
                      .flags = 0};
}

}  // namespace satchel::obs
