#include "cli/config_flags.h"

#include <iostream>

#include "config/keys.h"
#include "config/load.h"

namespace satchel::cli {
namespace {

std::string describe(const config::Key& key) {
  std::string text = key.help;
  if (!key.unit.empty()) text += ", in " + key.unit;
  return text + " [" + key.name + "]";
}

}  // namespace

void ConfigFlags::add_to(CLI::App& command) {
  command.add_option("--config", config_file_,
                     "TOML configuration file (default: $SATCHEL_CONFIG, else none)");
  command.add_flag("--production", production_,
                   "Run in production mode: the same as mode = \"production\"");
  for (const config::Key& key : config::keys()) {
    if (key.flag.empty()) continue;
    auto* option = command.add_option(key.flag, values_[key.name], describe(key));
    option->default_str(key.default_text);
    options_[key.name] = option;
  }
  // metadata.url is a secret, so its key has no generated flag. --metadata
  // sets it anyway, for URLs without a password.
  constexpr const char* kMetadataKey = "metadata.url";
  options_[kMetadataKey] = command.add_option(
      "--metadata", values_[kMetadataKey],
      "Metadata database: postgres://... or postgresql://... for PostgreSQL, sqlite:PATH or a "
      "file path for SQLite (empty: DATA_DIR/metadata.db). Pass a password through "
      "SATCHEL_METADATA_URL or the config file instead, because flags are visible in the "
      "process list [metadata.url]");
}

Expected<config::Config, std::string> ConfigFlags::load() const {
  config::Sources sources;
  sources.environment = config::read_environment;
  if (!config_file_.empty()) {
    sources.file = config_file_;
  } else if (auto from_environment = config::read_environment("SATCHEL_CONFIG")) {
    sources.file = *from_environment;
  }
  for (const auto& [name, option] : options_) {
    if (option->count() > 0) sources.flags.emplace_back(name, values_.at(name));
  }
  if (production_) sources.flags.emplace_back("mode", "production");
  return config::load(sources);
}

int run_config_keys() {
  std::cout << "| key | default | unit | environment variable | flag | description |\n"
            << "| --- | --- | --- | --- | --- | --- |\n";
  for (const config::Key& key : config::keys()) {
    std::string default_cell = key.default_text.empty() ? "(empty)" : "`" + key.default_text + "`";
    if (key.name == "dev_provider.enabled") default_cell = "(derived)";
    std::cout << "| `" << key.name << "` | " << default_cell << " | " << key.unit << " | `"
              << key.environment_variable() << "` | "
              << (key.flag.empty() ? std::string() : "`" + key.flag + "`") << " | " << key.help
              << (key.secret ? ". A secret: `config print` redacts it" : "") << " |\n";
  }
  return 0;
}

}  // namespace satchel::cli
