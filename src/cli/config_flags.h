// The command-line side of the configuration: --config, --production and one
// flag per key that has one, shared by `serve` and `config print`.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "common/expected.h"
#include "config/config.h"

namespace satchel::cli {

class ConfigFlags {
 public:
  // Adds the flags to a subcommand. The object must outlive parsing.
  void add_to(CLI::App& command);

  // Loads the configuration from the file (--config, else $SATCHEL_CONFIG),
  // the environment and the flags given.
  Expected<config::Config, std::string> load() const;

 private:
  std::string config_file_;
  bool production_ = false;
  std::map<std::string, std::string> values_;          // by key name
  std::map<std::string, const CLI::Option*> options_;  // by key name
};

// `satchel config keys`: every key as a Markdown table row, the source of
// the table in docs/configuration.md.
int run_config_keys();

}  // namespace satchel::cli
