#include "cli/dev_setup.h"

namespace satchel::cli {

DevSetup dev_setup(const HostPort& api_address, const std::string& public_origin, bool tls) {
  if (!public_origin.empty()) {
    return DevSetup{.issuer = public_origin + "/oidc",
                    .client_id = "satchel-web",
                    .web_origins = {public_origin}};
  }
  HostPort public_address = api_address;
  // A wildcard address is not something a browser can open.
  if (public_address.host == "0.0.0.0" || public_address.host == "::") {
    public_address.host = "127.0.0.1";
  }
  std::string scheme = tls ? "https://" : "http://";
  std::string origin = scheme + public_address.to_string();
  DevSetup setup{.issuer = origin + "/oidc", .client_id = "satchel-web", .web_origins = {origin}};
  if (public_address.host == "127.0.0.1" || public_address.host == "::1") {
    setup.web_origins.push_back(scheme + "localhost:" + std::to_string(public_address.port));
  }
  return setup;
}

auth::DevProviderConfig dev_provider_config(const DevSetup& setup) {
  auth::DevProviderConfig config;
  config.issuer = setup.issuer;
  config.client_id = setup.client_id;
  for (const std::string& origin : setup.web_origins) {
    config.redirect_uris.push_back(origin + "/");
  }
  return config;
}

std::filesystem::path dev_signing_key_path(const std::filesystem::path& data_dir) {
  return data_dir / "oidc" / "signing-key.pem";
}

}  // namespace satchel::cli
