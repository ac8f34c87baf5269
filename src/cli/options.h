// Command-line settings of `satchel serve` and the helper commands, with
// their defaults. The defaults run the whole system on one machine.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/expected.h"

namespace satchel::cli {

struct HostPort {
  std::string host;
  uint16_t port = 0;

  std::string to_string() const;
};

// Parses "HOST:PORT" or "[IPv6]:PORT".
Expected<HostPort, std::string> parse_host_port(std::string_view text);

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";        // API and web page
  std::string store_listen = "127.0.0.1:9000";  // embedded S3 store
  std::filesystem::path data_dir = "satchel-data";
  std::string log_level = "info";
  int64_t presign_ttl_seconds = 60;
  uint64_t max_upload_bytes = 100ULL << 20;
  unsigned io_threads = 0;  // 0: one per core
};

struct TokenOptions {
  std::string user;
  std::string org;
  std::string roles;  // comma-separated
  std::filesystem::path data_dir = "satchel-data";
  std::string listen = "127.0.0.1:8080";
  int64_t ttl_seconds = 15 * 60;
  int64_t expires_at = 0;  // unix seconds; overrides ttl when set
};

int run_serve(const ServeOptions& options);
int run_token(const TokenOptions& options);
int run_store_credentials(const std::filesystem::path& data_dir, const std::string& store_listen);

}  // namespace satchel::cli
