#include "app/web_routes.h"

#include <nlohmann/json.hpp>

#include "app/responses.h"
#include "http/url.h"
#include "web/assets.h"

namespace satchel::app {
namespace {

// The origin the browser used, when it is one the configuration trusts;
// otherwise the first configured origin.
std::string trusted_origin(const http::Request& request, const ApiConfig& config) {
  std::string_view host = request.header_value(http::Field::host);
  for (const std::string& origin : config.web_origins) {
    auto url = http::parse_url(origin);
    if (url && url->authority() == host) return origin;
  }
  return config.web_origins.empty() ? std::string() : config.web_origins.front();
}

std::string issuer_origin(const ApiConfig& config) {
  auto url = http::parse_url(config.issuer);
  return url ? url->origin() : std::string();
}

http::bhttp::message_generator serve_asset(http::Request& request, const web::Asset& asset,
                                           const std::string& policy) {
  http::Response response{http::Status::ok, 11};
  response.set(http::Field::content_type, asset.content_type);
  response.set(http::Field::cache_control, "no-cache");
  response.set("Content-Security-Policy", policy);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.set("X-Frame-Options", "DENY");
  response.body() = std::string(asset.content);
  return http::respond(request, std::move(response), "static");
}

}  // namespace

http::EarlyReply api_early_reply(http::Status status, std::string_view message,
                                 std::string_view request_id) {
  std::string_view code = "malformed_request";
  if (status == http::Status::request_header_fields_too_large) code = "headers_too_large";
  if (status == http::Status::payload_too_large) code = "body_too_large";
  nlohmann::json body{{"error", {{"code", code}, {"message", message}}},
                      {"request_id", request_id}};
  return {"application/json", body.dump()};
}

std::string content_security_policy(const ApiConfig& config) {
  std::string store = config.store_origin;
  std::string issuer = issuer_origin(config);
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data: " +
         store + "; connect-src 'self' " + store + " " + issuer + "; form-action 'self' " + issuer +
         "; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
}

void register_web_routes(http::Router& router, const ApiConfig& config) {
  router.add(http::Verb::get, "/healthz",
             [](http::Request& request,
                const http::PathParams&) -> http::asio::awaitable<http::bhttp::message_generator> {
               co_return json_reply(request, http::Status::ok, {{"status", "ok"}});
             });
  router.add(
      http::Verb::get, "/v1/config",
      [config](http::Request& request,
               const http::PathParams&) -> http::asio::awaitable<http::bhttp::message_generator> {
        std::string origin = trusted_origin(request, config);
        co_return json_reply(request, http::Status::ok,
                             {{"issuer", config.issuer},
                              {"client_id", config.web_client_id},
                              {"redirect_uri", origin + "/"},
                              {"max_upload_bytes", config.max_upload_bytes}});
      });
}

void register_readiness_route(http::Router& router, std::vector<ReadinessCheck> checks,
                              std::function<bool()> draining) {
  router.add(http::Verb::get, "/readyz",
             [checks = std::move(checks), draining = std::move(draining)](
                 http::Request& request,
                 const http::PathParams&) -> http::asio::awaitable<http::bhttp::message_generator> {
               if (draining && draining()) {
                 co_return error_reply(request, http::Status::service_unavailable, "not_ready",
                                       "the server is shutting down");
               }
               nlohmann::json results = nlohmann::json::object();
               std::string failures;
               for (const ReadinessCheck& check : checks) {
                 auto result = co_await check.probe();
                 results[check.name] = result ? "ok" : result.error();
                 if (!result)
                   failures += (failures.empty() ? "" : "; ") + check.name + ": " + result.error();
               }
               if (failures.empty()) {
                 co_return json_reply(request, http::Status::ok,
                                      {{"status", "ready"}, {"checks", results}});
               }
               co_return error_reply(request, http::Status::service_unavailable, "not_ready",
                                     failures, {{"checks", results}});
             });
}

void register_metrics_route(http::Router& router, const obs::Registry& registry) {
  router.add(http::Verb::get, "/metrics",
             [&registry](http::Request& request, const http::PathParams&)
                 -> http::asio::awaitable<http::bhttp::message_generator> {
               http::Response response{http::Status::ok, 11};
               response.set(http::Field::content_type, obs::kMetricsContentType);
               response.set(http::Field::cache_control, "no-store");
               response.body() = registry.render();
               co_return http::respond(request, std::move(response), "/metrics");
             });
}

http::Handler make_dispatcher(const http::Router& router, const ApiConfig& config) {
  std::string policy = content_security_policy(config);
  return [&router,
          policy](http::Request& request) -> http::asio::awaitable<http::bhttp::message_generator> {
    auto match = router.match(request.method(), request.path());
    if (match.handler) {
      request.record_response(0, match.pattern);
      co_return co_await (*match.handler)(request, match.params);
    }
    bool reads = request.method() == http::Verb::get || request.method() == http::Verb::head;
    if (reads && !match.path_known) {
      if (auto asset = web::find_asset(request.path())) {
        co_return serve_asset(request, *asset, policy);
      }
    }
    request.record_response(0, "unmatched");
    if (match.path_known) {
      // RFC 9110 section 15.5.6: a 405 lists the methods the path accepts.
      std::string allowed;
      for (http::Verb method : match.allowed_methods) {
        if (!allowed.empty()) allowed += ", ";
        allowed += std::string_view(http::bhttp::to_string(method));
      }
      co_return error_reply(request, http::Status::method_not_allowed, "method_not_allowed",
                            "this method is not allowed on this path; allowed: " + allowed,
                            nlohmann::json::object(), {{"Allow", allowed}});
    }
    co_return error_reply(request, http::Status::not_found, "not_found", "no such route");
  };
}

}  // namespace satchel::app
