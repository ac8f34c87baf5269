// docs/configuration.md must list every key with its default, unit,
// environment variable and flag, exactly as the table of keys (and so
// --help) states them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/keys.h"

namespace satchel::config {
namespace {

std::string read_docs() {
  std::ifstream file(std::string(SATCHEL_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The table row of a key: the line that starts with "| `key` |".
std::string row_of(const std::string& docs, const std::string& name) {
  std::string start = "| `" + name + "` |";
  size_t at = docs.find("\n" + start);
  if (at == std::string::npos) return {};
  size_t end = docs.find('\n', at + 1);
  return docs.substr(at + 1, end - at - 1);
}

TEST(ConfigDocs, EveryKeyHasARow) {
  std::string docs = read_docs();
  ASSERT_FALSE(docs.empty());
  for (const Key& key : keys()) {
    std::string row = row_of(docs, key.name);
    ASSERT_FALSE(row.empty()) << key.name << " has no row in docs/configuration.md";
    std::string default_cell =
        key.default_text.empty() ? "| (empty) |" : "| `" + key.default_text + "` |";
    if (key.name == "dev_provider.enabled") default_cell = "| (derived) |";
    EXPECT_NE(row.find(default_cell), std::string::npos) << row;
    if (!key.unit.empty()) EXPECT_NE(row.find("| " + key.unit + " |"), std::string::npos) << row;
    EXPECT_NE(row.find("`" + key.environment_variable() + "`"), std::string::npos) << row;
    if (!key.flag.empty()) EXPECT_NE(row.find("`" + key.flag + "`"), std::string::npos) << row;
  }
}

}  // namespace
}  // namespace satchel::config
