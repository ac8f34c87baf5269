// The users file of `satchel migrate --users`: which tenant and subject each
// legacy user becomes.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace satchel::migrate {

struct SatchelIdentity {
  std::string org;  // the tenant
  std::string sub;  // the token subject
};

// Legacy user name to Satchel identity.
using UserTable = std::map<std::string, SatchelIdentity, std::less<>>;

// Parses CSV whose header row names the columns legacy_user, org and sub, in
// any order, among any others (which are ignored). Fails with a message
// naming the line for a missing column, a row with too few fields, an empty
// legacy user, a repeated legacy user, and an org or sub that cannot be a key
// segment (check_identity_part in app/object_names.h).
Expected<UserTable, std::string> parse_user_table(std::string_view csv_text);

// Reads and parses a users file. Error messages name the file.
Expected<UserTable, std::string> load_user_table(const std::filesystem::path& path);

}  // namespace satchel::migrate
