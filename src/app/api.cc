#include "app/api.h"

#include "app/handler_support.h"
#include "app/responses.h"
#include "auth/token_error.h"
#include "meta/audit_store.h"

namespace satchel::app {

http::asio::awaitable<Authenticator::Result> Authenticator::operator()(std::string token) const {
  if (async_) co_return co_await async_(std::move(token));
  if (sync_) co_return sync_(token);
  co_return Unexpected(AuthFailure{"no_authenticator", R"(Bearer realm="satchel")"});
}

Authenticator make_authenticator(std::shared_ptr<const auth::TokenAuthenticator> tokens) {
  return [tokens = std::move(tokens)](
             std::string token) -> http::asio::awaitable<Authenticator::Result> {
    auto verified = co_await tokens->authenticate(token);
    if (!verified) {
      co_return Unexpected(AuthFailure{std::string(auth::token_error_reason(verified.error())),
                                       auth::bearer_challenge(verified.error(), "satchel"),
                                       tokens->unverified_tenant(token)});
    }
    policy::Principal principal;
    principal.subject = std::move(verified->subject);
    principal.tenant = std::move(verified->tenant);
    principal.roles = std::move(verified->roles);
    principal.issuer = std::move(verified->issuer);
    principal.claims = std::move(verified->claims);
    co_return principal;
  };
}

namespace {

// User agents longer than this are cut in audit events.
constexpr size_t kMaxAuditedUserAgentBytes = 256;

// Rejected tokens from one client address that become audit events: 20 at
// once, then one per second.
constexpr policy::RateLimit kRejectedTokenAuditLimit{.burst = 20, .rate_per_second = 1};

std::shared_ptr<obs::AuditLog> make_default_audit_log() {
  std::vector<std::shared_ptr<obs::AuditSink>> sinks;
  if (auto stdout_sink = obs::JsonLinesAuditSink::open("stdout")) {
    sinks.push_back(std::move(*stdout_sink));
  }
  return std::make_shared<obs::AuditLog>(std::move(sinks),
                                         std::make_shared<obs::MemoryAuditStore>());
}

}  // namespace

std::shared_ptr<obs::AuditLog> make_database_audit_log(meta::Repository& repository,
                                                       boost::asio::thread_pool& workers) {
  std::vector<std::shared_ptr<obs::AuditSink>> sinks;
  if (auto stdout_sink = obs::JsonLinesAuditSink::open("stdout")) {
    sinks.push_back(std::move(*stdout_sink));
  }
  return std::make_shared<obs::AuditLog>(
      std::move(sinks), std::make_shared<meta::DatabaseAuditStore>(repository, workers));
}

Api::Api(ApiConfig config, Authenticator authenticator, meta::Repository& repository,
         StoreGateway& store, boost::asio::thread_pool& workers, const Clock& clock,
         std::shared_ptr<const policy::Policy> policy, std::shared_ptr<obs::AuditLog> audit)
    : config_(std::move(config)),
      authenticator_(std::move(authenticator)),
      // The default policy is a static object, so the pointer owns nothing.
      policy_(policy
                  ? std::move(policy)
                  : std::shared_ptr<const policy::Policy>(std::shared_ptr<const policy::Policy>{},
                                                          &policy::Policy::default_policy())),
      audit_(audit ? std::move(audit) : make_default_audit_log()),
      presign_limiter_(config_.presign_rate_limit, clock),
      rejected_token_audit_limiter_(kRejectedTokenAuditLimit, clock),
      repository_(repository),
      store_(store),
      workers_(workers),
      clock_(clock) {}

void Api::register_routes(http::Router& router) {
  using http::Verb;
  auto bind = [this](Reply (Api::*method)(http::Request&)) {
    return [this, method](http::Request& request, const http::PathParams&) {
      return (this->*method)(request);
    };
  };
  auto bind_params = [this](Reply (Api::*method)(http::Request&, const http::PathParams&)) {
    return [this, method](http::Request& request, const http::PathParams& params) {
      return (this->*method)(request, params);
    };
  };
  router.add(Verb::post, "/v1/uploads", bind(&Api::create_upload));
  router.add(Verb::post, "/v1/uploads/{id}/complete", bind_params(&Api::complete_upload));
  router.add(Verb::get, "/v1/objects", bind(&Api::list_objects));
  router.add(Verb::get, "/v1/objects/{name...}", bind_params(&Api::get_object_or_versions));
  router.add(Verb::post, "/v1/objects/{name...}", bind_params(&Api::post_object_action));
  router.add(Verb::delete_, "/v1/objects/{name...}", bind_params(&Api::delete_object));
  router.add(Verb::post, "/v1/downloads", bind(&Api::create_download));
  router.add(Verb::post, "/presign/upload", bind(&Api::tutorial_presign_upload));
  router.add(Verb::get, "/presign/download", bind(&Api::tutorial_presign_download));
  router.add(Verb::get, "/v1/admin/audit", bind(&Api::list_audit_events));
  router.add(Verb::get, "/v1/admin/usage", bind(&Api::get_usage));
  router.add(Verb::get, "/v1/schemas/preferences", bind(&Api::get_preferences_schema));
}

http::asio::awaitable<Expected<policy::Principal, Api::Generator>> Api::authenticate(
    http::Request& request) {
  auto principal = co_await app::authenticate(request, authenticator_);
  if (principal) co_return std::move(*principal);
  // The tenant lets that tenant's admins see failed sign-ins against it. The
  // subject stays empty, because nothing about the caller was verified.
  if (rejected_token_audit_limiter_.acquire(request.remote_address()).allowed) {
    policy::Principal claimed;
    claimed.tenant = principal.error().unverified_tenant;
    audit(request, claimed.tenant.empty() ? nullptr : &claimed, "auth:token", "", false,
          principal.error().reason);
  }
  co_return Unexpected(std::move(principal).error().reply);
}

void Api::audit(http::Request& request, const policy::Principal* principal, std::string_view action,
                std::string_view key, bool allowed, std::string_view reason) {
  obs::AuditEvent event;
  event.time = clock_.now();
  event.request_id = request.request_id();
  if (principal != nullptr) {
    event.subject = principal->subject;
    event.tenant = principal->tenant;
  }
  event.action = action;
  event.key = key;
  event.decision = allowed ? "allow" : "deny";
  event.reason = reason;
  event.client_address = request.remote_address();
  event.user_agent =
      request.header_value(http::Field::user_agent).substr(0, kMaxAuditedUserAgentBytes);
  audit_->record(event);
}

Expected<policy::Decision, Api::Generator> Api::authorize(http::Request& request,
                                                          const policy::Principal& principal,
                                                          policy::AccessRequest access) {
  policy::Decision decision = policy_->evaluate(principal, access);
  if (decision.allowed) return decision;
  audit(request, &principal, policy::to_string(access.action), access.resource, false,
        decision.reason);
  return Unexpected(forbidden_reply(request, decision));
}

std::optional<Api::Generator> Api::limit_presign(http::Request& request,
                                                 const policy::Principal& principal) {
  // The issuer is part of the key, because two issuers may use the same
  // subject for different people.
  policy::RateDecision rate = presign_limiter_.acquire(principal.issuer + "\n" + principal.tenant +
                                                       "/" + principal.subject);
  if (rate.allowed) return std::nullopt;
  audit(request, &principal, "presign", "", false, "rate limited");
  return rate_limited_reply(request, rate.retry_after);
}

}  // namespace satchel::app
