#include "migrate/user_table.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "app/object_names.h"
#include "migrate/csv.h"

namespace satchel::migrate {

Expected<UserTable, std::string> parse_user_table(std::string_view csv_text) {
  auto rows = parse_csv(csv_text);
  if (!rows) return Unexpected(rows.error());
  if (rows->empty()) return Unexpected(std::string("no header row"));
  const CsvRow& header = rows->front();
  size_t columns[3] = {};
  const char* names[3] = {"legacy_user", "org", "sub"};
  for (size_t i = 0; i < 3; ++i) {
    auto found = std::find(header.begin(), header.end(), names[i]);
    if (found == header.end()) {
      return Unexpected(std::string("the header row has no '") + names[i] +
                        "' column (expected legacy_user,org,sub)");
    }
    columns[i] = static_cast<size_t>(found - header.begin());
  }
  size_t needed = *std::max_element(std::begin(columns), std::end(columns)) + 1;
  UserTable table;
  for (size_t r = 1; r < rows->size(); ++r) {
    const CsvRow& row = (*rows)[r];
    std::string where = "row " + std::to_string(r + 1);
    if (row.size() < needed) {
      return Unexpected(where + ": " + std::to_string(row.size()) + " fields, expected at least " +
                        std::to_string(needed));
    }
    const std::string& legacy_user = row[columns[0]];
    if (legacy_user.empty()) return Unexpected(where + ": empty legacy_user");
    SatchelIdentity identity{row[columns[1]], row[columns[2]]};
    if (auto problem = app::check_identity_part(identity.org, "org")) {
      return Unexpected(where + ": " + *problem);
    }
    if (auto problem = app::check_identity_part(identity.sub, "sub")) {
      return Unexpected(where + ": " + *problem);
    }
    if (!table.emplace(legacy_user, std::move(identity)).second) {
      return Unexpected(where + ": legacy_user '" + legacy_user + "' is listed twice");
    }
  }
  return table;
}

Expected<UserTable, std::string> load_user_table(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Unexpected("cannot read the users file " + path.string());
  std::ostringstream text;
  text << file.rdbuf();
  auto table = parse_user_table(text.str());
  if (!table) return Unexpected(path.string() + ": " + table.error());
  return table;
}

}  // namespace satchel::migrate
