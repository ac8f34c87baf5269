#include "meta/list_filter.h"

#include "common/encoding.h"
#include "meta/object_tags.h"
#include "meta/storage_encoding.h"

namespace satchel::meta {
namespace {

MetaError invalid(std::string message) {
  return MetaError{MetaErrorCode::kInvalid, std::move(message), std::nullopt};
}

bool is_clean_text(std::string_view text) {
  return is_valid_utf8(text) && text.find('\0') == std::string_view::npos;
}

std::string ascii_lower(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lowered;
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

Expected<FilterParameters, MetaError> make_filter_parameters(const ObjectFilter& filter) {
  FilterParameters parameters;
  if (filter.content_type.has_value()) {
    const std::string& text = *filter.content_type;
    // Parameters of the filter itself are ignored: "application/json; charset=utf-8" matches
    // as "application/json" does.
    std::string essence =
        ascii_lower(trim_spaces(std::string_view(text).substr(0, text.find(';'))));
    std::size_t slash = essence.find('/');
    if (!is_clean_text(essence) || slash == std::string::npos || slash == 0 ||
        slash + 1 == essence.size() || essence.find('/', slash + 1) != std::string::npos) {
      return Unexpected(
          invalid("the content type filter must look like \"type/subtype\" or "
                  "\"type/*\""));
    }
    if (essence.ends_with("/*")) {
      parameters.content_type_family = essence.substr(0, essence.size() - 1);
    } else {
      parameters.exact_content_type = std::move(essence);
    }
  }
  if (filter.updated_since.has_value()) {
    parameters.updated_since_us = to_unix_us(*filter.updated_since);
  }
  if (filter.name_contains.has_value() && !filter.name_contains->empty()) {
    if (!is_clean_text(*filter.name_contains)) {
      return Unexpected(invalid("the name search is not valid UTF-8 or contains NUL"));
    }
    parameters.name_contains = ascii_lower(*filter.name_contains);
  }
  if (!filter.tags.empty()) {
    if (auto valid = validate_tag_filter(filter.tags); !valid) return Unexpected(valid.error());
    parameters.tags_json = encode_tags(filter.tags);
  }
  if (filter.unexpired_at.has_value()) {
    parameters.unexpired_at_us = to_unix_us(*filter.unexpired_at);
  }
  return parameters;
}

}  // namespace satchel::meta
