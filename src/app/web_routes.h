// The routes that serve people rather than programs: the web page's files,
// the page's sign-in settings (/v1/config) and /healthz. Also the final
// dispatch: route match, static files, then 404 or 405.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"
#include "http/router.h"
#include "http/server.h"

namespace satchel::app {

void register_web_routes(http::Router& router, const ApiConfig& config);

// Builds the server handler over a router: matched routes first, then the
// embedded web files for GET and HEAD, then JSON 404 or 405.
http::Handler make_dispatcher(const http::Router& router, const ApiConfig& config);

// The Content-Security-Policy of the web page: scripts, styles and frames
// only from the page's own origin; uploads and images also from the store
// and sign-in through the issuer.
std::string content_security_policy(const ApiConfig& config);

}  // namespace satchel::app
