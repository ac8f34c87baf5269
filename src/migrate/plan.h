// Planning an import: which Satchel key each legacy key becomes, decided
// before anything is read or written.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "migrate/key_template.h"
#include "migrate/report.h"
#include "migrate/source.h"
#include "migrate/user_table.h"

namespace satchel::migrate {

// The rules that turn legacy keys into Satchel keys. With users set, {user} is looked up
// there for {org} and {sub}. Otherwise {org} is org and {sub} is {user}.
struct MappingRules {
  std::vector<KeyMapping> mappings;
  std::string org;
  std::optional<UserTable> users;
};

// One object to import.
struct PlannedObject {
  SourceObject source;
  std::string tenant;
  std::string owner;
  std::string name;  // the name inside the owner's space
  std::string key;   // "{tenant}/{owner}/{name}"
  // The key the legacy app used, inside the new owner's space, which becomes
  // a redirect to key: "{tenant}/{owner}/" followed by the part of the
  // legacy key after its {user} segment. Empty when that part is missing, is
  // not a valid object name, or equals name. The run also clears it when it
  // is another object's key.
  std::string old_key;
};

// Maps one legacy key. Returns the report line of a key that is not
// imported: kNoMapping when no source template matches, and kFailed for an
// unknown user, a target that is not "{org}/{sub}/{name}" or a name that
// Satchel's object name rules reject.
Expected<PlannedObject, ReportLine> plan_object(const SourceObject& source,
                                                const MappingRules& rules);

// Identifies a run for its checkpoint: a hex SHA-256 over the source's
// description, the mapping texts, the org and the users table.
std::string make_plan_id(std::string_view source_description,
                         const std::vector<std::string>& mapping_texts, const MappingRules& rules);

}  // namespace satchel::migrate
