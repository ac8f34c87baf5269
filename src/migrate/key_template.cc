#include "migrate/key_template.h"

#include <algorithm>

namespace satchel::migrate {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

Expected<KeyTemplate, std::string> KeyTemplate::parse(std::string_view text) {
  if (text.empty()) return Unexpected(std::string("empty key template"));
  KeyTemplate result;
  result.text_ = std::string(text);
  size_t position = 0;
  while (position < text.size()) {
    size_t open = text.find('{', position);
    if (open != position) {
      size_t end = open == std::string_view::npos ? text.size() : open;
      std::string_view literal = text.substr(position, end - position);
      if (literal.find('}') != std::string_view::npos) {
        return Unexpected("unmatched '}' in key template '" + result.text_ + "'");
      }
      result.pieces_.push_back({.literal = std::string(literal)});
      position = end;
      continue;
    }
    size_t close = text.find('}', open);
    if (close == std::string_view::npos) {
      return Unexpected("unclosed '{' in key template '" + result.text_ + "'");
    }
    std::string_view name = text.substr(open + 1, close - open - 1);
    bool spans_segments = name.ends_with('*');
    if (spans_segments) name.remove_suffix(1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
      return Unexpected("invalid part name '{" + std::string(name) + "}' in key template '" +
                        result.text_ + "': use letters, digits and '_'");
    }
    if (!result.pieces_.empty() && result.pieces_.back().literal.empty()) {
      return Unexpected("key template '" + result.text_ +
                        "' has two parts with no text between them");
    }
    result.pieces_.push_back({.name = std::string(name), .spans_segments = spans_segments});
    position = close + 1;
  }
  return result;
}

bool KeyTemplate::match_from(std::string_view key, size_t piece_index, KeyParts& parts) const {
  if (piece_index == pieces_.size()) return key.empty();
  const Piece& piece = pieces_[piece_index];
  if (!piece.literal.empty()) {
    if (!key.starts_with(piece.literal)) return false;
    return match_from(key.substr(piece.literal.size()), piece_index + 1, parts);
  }
  // A part takes one or more characters. Shorter candidates are tried first,
  // and templates are short, so the search stays small.
  size_t limit = piece.spans_segments ? key.size() : std::min(key.size(), key.find('/'));
  for (size_t length = 1; length <= limit; ++length) {
    std::string value(key.substr(0, length));
    auto existing = parts.find(piece.name);
    if (existing != parts.end()) {
      if (existing->second != value) continue;
      if (match_from(key.substr(length), piece_index + 1, parts)) return true;
      continue;
    }
    parts.emplace(piece.name, value);
    if (match_from(key.substr(length), piece_index + 1, parts)) return true;
    parts.erase(piece.name);
  }
  return false;
}

std::optional<KeyParts> KeyTemplate::match(std::string_view key) const {
  KeyParts parts;
  if (!match_from(key, 0, parts)) return std::nullopt;
  return parts;
}

Expected<std::string, std::string> KeyTemplate::render(const KeyParts& parts) const {
  std::string result;
  for (const Piece& piece : pieces_) {
    if (!piece.literal.empty()) {
      result += piece.literal;
      continue;
    }
    auto found = parts.find(piece.name);
    if (found == parts.end()) {
      return Unexpected("no value for {" + piece.name + "} in key template '" + text_ + "'");
    }
    result += found->second;
  }
  return result;
}

std::optional<size_t> KeyTemplate::end_of_part(std::string_view name, const KeyParts& parts) const {
  size_t length = 0;
  for (const Piece& piece : pieces_) {
    if (!piece.literal.empty()) {
      length += piece.literal.size();
      continue;
    }
    auto found = parts.find(piece.name);
    if (found == parts.end()) return std::nullopt;
    length += found->second.size();
    if (piece.name == name) return length;
  }
  return std::nullopt;
}

std::vector<std::string> KeyTemplate::part_names() const {
  std::vector<std::string> names;
  for (const Piece& piece : pieces_) {
    if (piece.literal.empty() && std::find(names.begin(), names.end(), piece.name) == names.end()) {
      names.push_back(piece.name);
    }
  }
  return names;
}

Expected<KeyMapping, std::string> parse_mapping(std::string_view text) {
  size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    return Unexpected("invalid mapping '" + std::string(text) + "': expected SOURCE=TARGET");
  }
  auto source = KeyTemplate::parse(text.substr(0, equals));
  if (!source) return Unexpected(source.error());
  auto target = KeyTemplate::parse(text.substr(equals + 1));
  if (!target) return Unexpected(target.error());
  std::vector<std::string> source_names = source->part_names();
  auto has_source_part = [&](std::string_view name) {
    return std::find(source_names.begin(), source_names.end(), name) != source_names.end();
  };
  if (!has_source_part(kUserPart)) {
    return Unexpected("source template '" + source->text() +
                      "' has no {user} part, which names the legacy user");
  }
  for (std::string_view reserved : {kOrgPart, kSubjectPart}) {
    if (has_source_part(reserved)) {
      return Unexpected("source template '" + source->text() + "' uses {" + std::string(reserved) +
                        "}, which comes from --org or --users");
    }
  }
  for (const std::string& name : target->part_names()) {
    if (!has_source_part(name) && name != kOrgPart && name != kSubjectPart) {
      return Unexpected("target template '" + target->text() + "' uses {" + name +
                        "}, which the source template does not capture");
    }
  }
  return KeyMapping{std::move(*source), std::move(*target)};
}

std::optional<MappingMatch> find_mapping(const std::vector<KeyMapping>& mappings,
                                         std::string_view key) {
  for (const KeyMapping& mapping : mappings) {
    if (auto parts = mapping.source.match(key)) return MappingMatch{&mapping, std::move(*parts)};
  }
  return std::nullopt;
}

}  // namespace satchel::migrate
