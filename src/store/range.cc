#include "store/range.h"

#include <charconv>
#include <chrono>
#include <string>

#include "common/time_format.h"

namespace satchel::store {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A non-empty run of decimal digits that fits in 64 bits.
std::optional<uint64_t> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool starts_with_bytes_unit(std::string_view header) {
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() < kUnit.size()) return false;
  for (size_t i = 0; i < kUnit.size(); ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kUnit[i]) return false;
  }
  return true;
}

}  // namespace

RangeDecision evaluate_range(std::string_view header, uint64_t size) {
  using Kind = RangeDecision::Kind;
  header = trim(header);
  if (!starts_with_bytes_unit(header)) return {};
  std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return {};
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  std::string_view first_text = trim(spec.substr(0, dash));
  std::string_view last_text = trim(spec.substr(dash + 1));

  if (first_text.empty()) {
    auto suffix = parse_number(last_text);
    if (!suffix) return {};
    if (*suffix == 0 || size == 0) return {Kind::kUnsatisfiable};
    uint64_t length = std::min(*suffix, size);
    return {Kind::kPartial, size - length, length};
  }
  auto first = parse_number(first_text);
  if (!first) return {};
  uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    auto parsed_last = parse_number(last_text);
    if (!parsed_last || *parsed_last < *first) return {};
    last = std::min(*parsed_last, last);
  }
  if (*first >= size) return {Kind::kUnsatisfiable};
  return {Kind::kPartial, *first, last - *first + 1};
}

bool if_range_allows(std::string_view if_range, std::string_view etag, SystemTime last_modified) {
  if_range = trim(if_range);
  if (if_range.empty()) return true;
  if (if_range.front() == '"') {
    return if_range.size() == etag.size() + 2 && if_range.back() == '"' &&
           if_range.substr(1, etag.size()) == etag;
  }
  // A weak ETag never matches, because If-Range needs a strong comparison.
  if (if_range.starts_with("W/")) return false;
  auto date = parse_http_date(if_range);
  return date && *date == std::chrono::floor<std::chrono::seconds>(last_modified);
}

std::string content_range(uint64_t first, uint64_t length, uint64_t size) {
  return "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" +
         std::to_string(size);
}

}  // namespace satchel::store
