// The routes that serve people and operators rather than the API's
// programs: the web page's files, the page's sign-in settings (/v1/config),
// /healthz, /readyz and /metrics. Also the final dispatch: route match,
// static files, then 404 or 405.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/config.h"
#include "common/expected.h"
#include "http/router.h"
#include "http/server.h"
#include "obs/metrics.h"

namespace satchel::app {

void register_web_routes(http::Router& router, const ApiConfig& config);

// A dependency that /readyz checks.
struct ReadinessCheck {
  std::string name;  // "metadata", "store"
  // Returns the problem when the dependency cannot serve requests.
  std::function<http::asio::awaitable<Expected<void, std::string>>()> probe;
};

// /readyz runs every check in order and returns 200 when all pass, else 503
// with each check's result. While draining() is true it returns 503 at once,
// so a load balancer stops sending new requests during shutdown.
void register_readiness_route(http::Router& router, std::vector<ReadinessCheck> checks,
                              std::function<bool()> draining);

// /metrics in the Prometheus text format 0.0.4. The registry must outlive
// the router.
void register_metrics_route(http::Router& router, const obs::Registry& registry);

// Builds the server handler over a router: matched routes first, then the
// embedded web files for GET and HEAD, then JSON 404 or 405.
http::Handler make_dispatcher(const http::Router& router, const ApiConfig& config);

// The API's JSON error body for a request the server rejects before routing
// it (ServerOptions::early_reply): 431 headers_too_large, 413 body_too_large,
// otherwise malformed_request.
http::EarlyReply api_early_reply(http::Status status, std::string_view message,
                                 std::string_view request_id);

// The Content-Security-Policy of the web page: scripts, styles and frames
// only from the page's own origin; uploads and images also from the store
// and sign-in through the issuer.
std::string content_security_policy(const ApiConfig& config);

}  // namespace satchel::app
