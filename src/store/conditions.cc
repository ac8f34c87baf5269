#include "store/conditions.h"

#include <chrono>

#include "common/time_format.h"

namespace satchel::store {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool etag_listed(std::string_view header, std::string_view etag) {
  for (const auto& candidate : parse_etag_list(header)) {
    if (candidate == "*" || candidate == etag) return true;
  }
  return false;
}

SystemTime whole_seconds(SystemTime time) { return std::chrono::floor<std::chrono::seconds>(time); }

}  // namespace

std::vector<std::string> parse_etag_list(std::string_view value) {
  std::vector<std::string> etags;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    if (item.size() >= 2 && item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
      item = item.substr(1, item.size() - 2);
    }
    if (!item.empty()) etags.emplace_back(item);
  }
  return etags;
}

ReadDecision evaluate_read_conditions(const ReadConditions& conditions, std::string_view etag,
                                      SystemTime last_modified) {
  SystemTime modified = whole_seconds(last_modified);
  if (!conditions.if_match.empty()) {
    if (!etag_listed(conditions.if_match, etag)) return ReadDecision::kPreconditionFailed;
  } else if (!conditions.if_unmodified_since.empty()) {
    auto since = parse_http_date(conditions.if_unmodified_since);
    if (since && modified > *since) return ReadDecision::kPreconditionFailed;
  }
  if (!conditions.if_none_match.empty()) {
    if (etag_listed(conditions.if_none_match, etag)) return ReadDecision::kNotModified;
  } else if (!conditions.if_modified_since.empty()) {
    auto since = parse_http_date(conditions.if_modified_since);
    if (since && modified <= *since) return ReadDecision::kNotModified;
  }
  return ReadDecision::kProceed;
}

}  // namespace satchel::store
