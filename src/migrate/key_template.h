// Key templates with named parts, which map a legacy key such as
// "legacy/alice/prefs.json" onto a Satchel key such as
// "acme/alice/preferences.json".
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace satchel::migrate {

// The text each named part matched, by name.
using KeyParts = std::map<std::string, std::string>;

// A key pattern of literal text and named parts in braces. "{name}" matches
// one or more characters other than '/', so it stays inside one path
// segment. "{name*}" matches one or more characters including '/'. A name
// used twice must match the same text both times.
class KeyTemplate {
 public:
  // Fails with a message for an empty template, an unclosed or empty brace,
  // a name other than letters, digits and '_', or two parts with no literal
  // text between them (which would make the split ambiguous).
  static Expected<KeyTemplate, std::string> parse(std::string_view text);

  // The parts of key when the whole key matches, or nullopt.
  std::optional<KeyParts> match(std::string_view key) const;

  // Fills the parts in. Fails naming the first part that parts lacks.
  Expected<std::string, std::string> render(const KeyParts& parts) const;

  // How many characters of a matched key come before the end of the first
  // use of part name, or nullopt when the template does not use it. parts
  // must be the result of match().
  std::optional<size_t> end_of_part(std::string_view name, const KeyParts& parts) const;

  // The names of the parts, in order of first use.
  std::vector<std::string> part_names() const;
  const std::string& text() const { return text_; }

 private:
  struct Piece {
    std::string literal;  // empty for a named part
    std::string name;
    bool spans_segments = false;
  };

  bool match_from(std::string_view key, size_t piece_index, KeyParts& parts) const;

  std::string text_;
  std::vector<Piece> pieces_;
};

// One --map argument, "SOURCE=TARGET".
struct KeyMapping {
  KeyTemplate source;
  KeyTemplate target;
};

// The names a target template may use besides the source's parts: the
// tenant and the subject of the new key.
inline constexpr std::string_view kOrgPart = "org";
inline constexpr std::string_view kSubjectPart = "sub";
// The source part that names the legacy user.
inline constexpr std::string_view kUserPart = "user";

// Parses "SOURCE=TARGET" at its first '='. Fails when a template does not
// parse, when the source has no {user} part, when the source names {org} or
// {sub} (they come from --org or the users file), or when the target uses a
// name that is neither a source part nor {org} or {sub}.
Expected<KeyMapping, std::string> parse_mapping(std::string_view text);

// The first mapping whose source matches key, with its parts, or nullopt.
struct MappingMatch {
  const KeyMapping* mapping = nullptr;
  KeyParts parts;
};
std::optional<MappingMatch> find_mapping(const std::vector<KeyMapping>& mappings,
                                         std::string_view key);

}  // namespace satchel::migrate
