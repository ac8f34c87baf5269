// Settings of the helper commands, and the entry points of every command.
// `satchel serve` takes its settings from config::Config.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/expected.h"
#include "config/config.h"
#include "config/host_port.h"

namespace satchel::cli {

using config::HostPort;
using config::parse_host_port;

struct TokenOptions {
  std::string user;
  std::string org;
  std::string roles;  // comma-separated
  std::filesystem::path data_dir = "satchel-data";
  std::string listen = "127.0.0.1:8080";
  std::string issuer;  // overrides the issuer derived from listen, such as "https://host:8443/oidc"
  int64_t ttl_seconds = 15 * 60;
  int64_t expires_at = 0;  // unix seconds; overrides ttl when set
};

int run_serve(const config::Config& config);
int run_token(const TokenOptions& options);
int run_store_credentials(const std::filesystem::path& data_dir, const std::string& store_listen);

}  // namespace satchel::cli
