#include "app/oidc_routes.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/responses.h"
#include "http/url.h"
#include "obs/log.h"

namespace satchel::app {
namespace {

using Reply = http::asio::awaitable<http::bhttp::message_generator>;
constexpr uint64_t kMaxFormBytes = 16 * 1024;

struct Context {
  std::shared_ptr<auth::DevProvider> provider;
  std::vector<std::string> web_origins;
  std::string issuer_origin;
};

// Lets a trusted page read the reply across origins.
void allow_origin(const Context& context, const http::Request& request, http::Response& response) {
  std::string_view origin = request.header_value(http::Field::origin);
  if (std::find(context.web_origins.begin(), context.web_origins.end(), origin) !=
      context.web_origins.end()) {
    response.set(http::Field::access_control_allow_origin, origin);
    response.set(http::Field::vary, "Origin");
  }
}

http::bhttp::message_generator json_with_cors(const Context& context, http::Request& request,
                                              http::Status status, const nlohmann::json& body) {
  http::Response response{status, 11};
  response.set(http::Field::content_type, "application/json");
  response.set(http::Field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  allow_origin(context, request, response);
  response.body() = body.dump();
  return http::respond(request, std::move(response));
}

http::bhttp::message_generator html(http::Request& request, http::Status status, std::string body) {
  http::Response response{status, 11};
  response.set(http::Field::content_type, "text/html; charset=utf-8");
  response.set(http::Field::cache_control, "no-store");
  response.set("Content-Security-Policy", auth::login_page_content_security_policy());
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  // same-origin, not no-referrer: under no-referrer Chromium posts the
  // sign-in form with "Origin: null", which submit_login rejects.
  response.set("Referrer-Policy", "same-origin");
  response.body() = std::move(body);
  return http::respond(request, std::move(response));
}

http::bhttp::message_generator redirect(http::Request& request, const std::string& location) {
  http::Response response{http::Status::found, 11};
  response.set(http::Field::location, location);
  response.set(http::Field::cache_control, "no-store");
  return http::respond(request, std::move(response));
}

// An authorization error goes back to the client's redirect URI when that
// URI is trusted; otherwise the user sees it here.
http::bhttp::message_generator authorize_error(const Context& context, http::Request& request,
                                               const auth::FormParams& params,
                                               auth::AuthorizeError error) {
  obs::info("authorization request rejected", {{"request_id", request.request_id()},
                                               {"reason", auth::authorize_error_code(error)},
                                               {"remote", request.remote_address()}});
  if (auto location = context.provider->error_redirect_url(params, error)) {
    return redirect(request, *location);
  }
  std::string message(auth::authorize_error_description(error));
  return error_reply(request, http::Status::bad_request, auth::authorize_error_code(error),
                     message);
}

Reply discovery(const Context& context, http::Request& request) {
  co_return json_with_cors(context, request, http::Status::ok,
                           context.provider->discovery_document());
}

Reply jwks(const Context& context, http::Request& request) {
  co_return json_with_cors(context, request, http::Status::ok, context.provider->jwks());
}

Reply login_page(const Context& context, http::Request& request) {
  auto params = auth::parse_form(request.raw_query());
  if (!params) {
    co_return error_reply(request, http::Status::bad_request, "invalid_request",
                          "the authorization request's query string is malformed");
  }
  auto page = context.provider->login_page_html(*params);
  if (!page) co_return authorize_error(context, request, *params, page.error());
  co_return html(request, http::Status::ok, std::move(*page));
}

Reply submit_login(const Context& context, http::Request& request) {
  // The form posts to its own origin, so a post from another site, or from a
  // sandboxed frame (Origin: null), is rejected.
  std::string_view origin = request.header_value(http::Field::origin);
  if (!origin.empty() && origin != context.issuer_origin) {
    co_return error_reply(request, http::Status::forbidden, "cross_origin_post",
                          "the sign-in form must be posted from the provider's own page");
  }
  auto body = co_await request.read_body(kMaxFormBytes);
  if (!body) co_return body_error_reply(request, body.error());
  auto form = auth::parse_form(*body);
  if (!form) {
    co_return error_reply(request, http::Status::bad_request, "invalid_request",
                          "the sign-in form is malformed");
  }
  auto location = context.provider->authorize(*form);
  if (!location) {
    if (location.error() == auth::AuthorizeError::kInvalidIdentity) {
      auto page = context.provider->login_page_html(
          *form, auth::authorize_error_description(location.error()));
      if (page) co_return html(request, http::Status::bad_request, std::move(*page));
    }
    co_return authorize_error(context, request, *form, location.error());
  }
  obs::info("development sign-in",
            {{"request_id", request.request_id()}, {"remote", request.remote_address()}});
  co_return redirect(request, *location);
}

Reply token(const Context& context, http::Request& request) {
  auto body = co_await request.read_body(kMaxFormBytes);
  if (!body) co_return body_error_reply(request, body.error());
  auto form = auth::parse_form(*body);
  if (!form) {
    co_return json_with_cors(
        context, request, http::Status::bad_request,
        auth::token_endpoint_error_body(auth::TokenEndpointError::kInvalidRequest));
  }
  auto tokens = context.provider->exchange_code(*form);
  if (!tokens) {
    obs::info("token request rejected",
              {{"request_id", request.request_id()},
               {"reason", auth::token_endpoint_error_code(tokens.error())},
               {"remote", request.remote_address()}});
    auto status = static_cast<http::Status>(auth::token_endpoint_error_status(tokens.error()));
    co_return json_with_cors(context, request, status,
                             auth::token_endpoint_error_body(tokens.error()));
  }
  co_return json_with_cors(context, request, http::Status::ok, *tokens);
}

}  // namespace

void register_oidc_routes(http::Router& router, std::shared_ptr<auth::DevProvider> provider,
                          std::vector<std::string> web_origins) {
  auto issuer = http::parse_url(provider->config().issuer);
  auto context = std::make_shared<const Context>(
      Context{std::move(provider), std::move(web_origins), issuer ? issuer->origin() : ""});
  std::string base = issuer ? issuer->path : "/oidc";
  if (base.ends_with('/')) base.pop_back();

  auto bind = [context](Reply (*handler)(const Context&, http::Request&)) {
    return [context, handler](http::Request& request, const http::PathParams&) {
      return handler(*context, request);
    };
  };
  router.add(http::Verb::get, base + "/.well-known/openid-configuration", bind(&discovery));
  router.add(http::Verb::get, base + "/jwks", bind(&jwks));
  router.add(http::Verb::get, base + "/authorize", bind(&login_page));
  router.add(http::Verb::post, base + "/authorize", bind(&submit_login));
  router.add(http::Verb::post, base + "/token", bind(&token));
}

}  // namespace satchel::app
