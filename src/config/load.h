// Loading and checking the configuration.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.h"
#include "config/config.h"

namespace satchel::config {

struct Sources {
  // The TOML file of --config; nullopt for none.
  std::optional<std::filesystem::path> file;
  // Reads an environment variable; nullopt when unset.
  std::function<std::optional<std::string>(const std::string& name)> environment;
  // Flag values by key name ("server.listen"), as typed on the command line.
  std::vector<std::pair<std::string, std::string>> flags;
};

// The process environment, for Sources::environment.
std::optional<std::string> read_environment(const std::string& name);

// Builds the configuration from the defaults, the file, the environment and
// the flags, in that order, then runs check(). Every error is one line that
// names the key, where its value came from, and what to change.
Expected<Config, std::string> load(const Sources& sources);

// Runs the checks that need more than one key or the file system. TLS files
// must be readable and paired, and the external store needs its endpoint
// and key pair. Production also rejects the development provider, plain
// HTTP on a non-loopback address and a well-known or short store secret.
Expected<void, std::string> check(const Config& config);

// The effective configuration as TOML, secrets redacted, for
// `satchel config print`.
std::string render(const Config& config);

// True for 127.0.0.0/8, ::1 and localhost.
bool is_loopback_host(std::string_view host);

}  // namespace satchel::config
