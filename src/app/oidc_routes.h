// HTTP routes of the development OpenID provider under /oidc: discovery,
// JWKS, the login form and the token endpoint. The protocol logic lives in
// auth::DevProvider; these handlers only translate HTTP.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/dev_provider.h"
#include "http/router.h"

namespace satchel::app {

// Registers the provider's routes. Browsers on web_origins may read the
// discovery document, the keys and token responses across origins.
void register_oidc_routes(http::Router& router, std::shared_ptr<auth::DevProvider> provider,
                          std::vector<std::string> web_origins);

}  // namespace satchel::app
