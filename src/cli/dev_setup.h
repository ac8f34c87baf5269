// The names the zero-configuration setup derives from the API address: the
// development provider's issuer, its web client and the origins the page may
// be opened from.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "auth/dev_provider.h"
#include "cli/options.h"

namespace satchel::cli {

struct DevSetup {
  std::string issuer;     // http://HOST:PORT/oidc
  std::string client_id;  // the web page's client id
  // http://HOST:PORT, plus http://localhost:PORT when HOST is a loopback
  // address, so the page works under either name.
  std::vector<std::string> web_origins;
};

// public_origin is the API's origin as browsers see it (server.public_url);
// when empty it is http:// or, with tls, https:// and the listen address.
DevSetup dev_setup(const HostPort& api_address, const std::string& public_origin = {},
                   bool tls = false);

auth::DevProviderConfig dev_provider_config(const DevSetup& setup);

std::filesystem::path dev_signing_key_path(const std::filesystem::path& data_dir);

}  // namespace satchel::cli
