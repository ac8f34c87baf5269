#include <sstream>
#include <vector>

#include "config/keys.h"
#include "config/load.h"

namespace satchel::config {
namespace {

bool looks_secret(std::string_view name) {
  return name.find("secret") != std::string_view::npos ||
         name.find("password") != std::string_view::npos ||
         name.find("token") != std::string_view::npos;
}

// Replaces the values of secret-looking keys in a delegated table.
void redact(toml::table& table) {
  std::vector<std::string> secret_names;
  for (auto&& [name, node] : table) {
    if (auto* inner = node.as_table()) {
      redact(*inner);
    } else if (auto* array = node.as_array()) {
      for (auto& element : *array) {
        if (auto* element_table = element.as_table()) redact(*element_table);
      }
    } else if (looks_secret(name.str())) {
      secret_names.emplace_back(name.str());
    }
  }
  for (const auto& name : secret_names) table.insert_or_assign(name, std::string(kRedacted));
}

}  // namespace

std::string render(const Config& config) {
  // Keys grouped by their table, tables in the order of the table of keys.
  std::vector<std::pair<std::string, std::vector<const Key*>>> tables;
  for (const Key& key : keys()) {
    size_t dot = key.name.rfind('.');
    std::string table = dot == std::string::npos ? std::string() : key.name.substr(0, dot);
    auto it = std::find_if(tables.begin(), tables.end(),
                           [&table](const auto& entry) { return entry.first == table; });
    if (it == tables.end()) {
      tables.push_back({table, {}});
      it = tables.end() - 1;
    }
    it->second.push_back(&key);
  }
  std::string out;
  for (const auto& [table, members] : tables) {
    if (!table.empty()) out += "\n[" + table + "]\n";
    for (const Key* key : members) {
      out += key->name.substr(table.empty() ? 0 : table.size() + 1);
      out += " = ";
      out += key->render(config);
      out += '\n';
    }
  }
  for (std::string_view delegated : kDelegatedTables) {
    const toml::table* table = config.document[delegated].as_table();
    if (!table) continue;
    toml::table copy = *table;
    redact(copy);
    std::ostringstream text;
    text << toml::table{{delegated, std::move(copy)}};
    out += '\n';
    out += text.str();
    out += '\n';
  }
  return out;
}

}  // namespace satchel::config
