// `satchel token`: an ID token from the development provider's key, for
// scripts and tests that cannot click through the login page.
#include <iostream>
#include <nlohmann/json.hpp>

#include "auth/signing_key.h"
#include "cli/dev_setup.h"
#include "cli/options.h"
#include "common/clock.h"
#include "common/time_format.h"

namespace satchel::cli {
namespace {

std::vector<std::string> split_roles(const std::string& roles) {
  std::vector<std::string> result;
  size_t start = 0;
  while (start <= roles.size()) {
    size_t comma = roles.find(',', start);
    std::string role = roles.substr(start, comma - start);
    if (!role.empty()) result.push_back(role);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return result;
}

}  // namespace

int run_token(const TokenOptions& options) {
  auto address = parse_host_port(options.listen);
  if (!address) {
    std::cerr << "satchel token: invalid --listen: " << address.error() << "\n";
    return 2;
  }
  // The key is only loaded, never created: a new key would mint tokens that
  // no running server trusts.
  auto key = auth::SigningKey::load(dev_signing_key_path(options.data_dir));
  if (!key) {
    std::cerr << "satchel token: cannot load the development provider's key from "
              << dev_signing_key_path(options.data_dir).string() << ": "
              << auth::signing_key_error_description(key.error())
              << ". Start `satchel serve` with this --data-dir once first.\n";
    return 1;
  }
  DevSetup setup = dev_setup(*address);
  int64_t now = to_unix_seconds(SystemClock().now());
  int64_t expires = options.expires_at != 0 ? options.expires_at : now + options.ttl_seconds;
  nlohmann::json claims = {{"iss", options.issuer.empty() ? setup.issuer : options.issuer},
                           {"aud", setup.client_id},
                           {"sub", options.user},
                           {"org", options.org},
                           {"roles", split_roles(options.roles)},
                           {"iat", std::min(now, expires - 1)},
                           {"exp", expires}};
  auto token = auth::mint_token(*key, claims);
  if (!token) {
    std::cerr << "satchel token: signing failed: "
              << auth::signing_key_error_description(token.error()) << "\n";
    return 1;
  }
  std::cout << *token << "\n";
  return 0;
}

}  // namespace satchel::cli
