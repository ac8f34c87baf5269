// The product API: uploads, downloads, listing and deletes for the caller's
// own space, plus the routes of the original tutorial. Handlers are thin:
// they authenticate, validate, ask the policy, then call the metadata
// repository (on the worker pool) and the store gateway. The presign
// endpoints are rate limited per subject.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "app/config.h"
#include "app/store_gateway.h"
#include "auth/token_authenticator.h"
#include "common/clock.h"
#include "common/expected.h"
#include "http/router.h"
#include "meta/repository.h"
#include "obs/audit.h"
#include "policy/access.h"
#include "policy/policy.h"
#include "policy/rate_limiter.h"

namespace satchel::app {

struct AuthFailure {
  std::string reason;            // stable code such as "expired", for logs and metrics
  std::string www_authenticate;  // the RFC 6750 challenge header value
  // The tenant claim read without verification, for the audit event only.
  // Empty when the token's claims were not readable.
  std::string unverified_tenant;
};

// Verifies a bearer token (without the "Bearer " prefix) and returns who
// sent it. It wraps either a coroutine, which may wait for a JWKS fetch when
// the signing key is unknown, or a plain function for key sets that never
// change.
class Authenticator {
 public:
  using Result = Expected<policy::Principal, AuthFailure>;
  using Async = std::function<http::asio::awaitable<Result>(std::string token)>;
  using Sync = std::function<Result(std::string_view token)>;

  Authenticator() = default;

  // Takes a callable returning http::asio::awaitable<Result> or Result.
  template <class Function>
  requires(!std::is_same_v<std::remove_cvref_t<Function>, Authenticator> &&
           std::is_invocable_v<Function&, std::string>)
      Authenticator(Function function) {  // NOLINT(google-explicit-constructor)
    if constexpr (std::is_same_v<std::invoke_result_t<Function&, std::string>,
                                 http::asio::awaitable<Result>>) {
      async_ = std::move(function);
    } else {
      sync_ = std::move(function);
    }
  }

  // The object must outlive the returned coroutine.
  http::asio::awaitable<Result> operator()(std::string token) const;

 private:
  Async async_;
  Sync sync_;
};

// The authenticator of the API over the trusted issuers. The principal
// carries the token's issuer and claims for the policy's variables.
Authenticator make_authenticator(std::shared_ptr<const auth::TokenAuthenticator> tokens);

// The audit log of a running server: JSON lines on standard output, and the
// metadata database, written on workers, as the store that
// GET /v1/admin/audit reads. repository and workers must outlive the log.
std::shared_ptr<obs::AuditLog> make_database_audit_log(meta::Repository& repository,
                                                       boost::asio::thread_pool& workers);

class Api {
 public:
  // A null policy means the built-in default policy. A null audit log means
  // JSON lines on standard output plus the most recent events in memory for
  // GET /v1/admin/audit.
  Api(ApiConfig config, Authenticator authenticator, meta::Repository& repository,
      StoreGateway& store, boost::asio::thread_pool& workers, const Clock& clock,
      std::shared_ptr<const policy::Policy> policy = nullptr,
      std::shared_ptr<obs::AuditLog> audit = nullptr);

  void register_routes(http::Router& router);

 private:
  using Reply = http::asio::awaitable<http::bhttp::message_generator>;
  using Generator = http::bhttp::message_generator;

  // Checks the bearer token. On failure the error is the 401 reply to send.
  http::asio::awaitable<Expected<policy::Principal, Generator>> authenticate(
      http::Request& request);
  // Records an audit event for the request. principal is null before a
  // token was verified.
  void audit(http::Request& request, const policy::Principal* principal, std::string_view action,
             std::string_view key, bool allowed, std::string_view reason);
  // Asks the policy and audits a denial. Returns the decision, or the 403
  // reply to send when it denies.
  Expected<policy::Decision, Generator> authorize(http::Request& request,
                                                  const policy::Principal& principal,
                                                  policy::AccessRequest access);
  // Takes a token from the caller's presign bucket. Returns the 429 reply to
  // send when it is empty.
  std::optional<Generator> limit_presign(http::Request& request,
                                         const policy::Principal& principal);

  Reply create_upload(http::Request& request);
  Reply complete_upload(http::Request& request, const http::PathParams& params);
  Reply list_objects(http::Request& request);
  Reply get_object(http::Request& request, const http::PathParams& params);
  Reply delete_object(http::Request& request, const http::PathParams& params);
  // GET and POST under /v1/objects/{name...}: the versions listing and the
  // restore, told apart from the object itself by the last path segment.
  Reply get_object_or_versions(http::Request& request, const http::PathParams& params);
  Reply post_object_action(http::Request& request, const http::PathParams& params);
  Reply list_versions(http::Request& request, std::string name);
  Reply restore_object(http::Request& request, std::string name);
  Reply create_download(http::Request& request);
  Reply tutorial_presign_upload(http::Request& request);
  Reply tutorial_presign_download(http::Request& request);
  Reply list_audit_events(http::Request& request);
  Reply get_usage(http::Request& request);
  // For a read of a missing key: the 308 reply to send when a redirect of
  // the key is active and the caller may read its new key, otherwise
  // nullopt. Each redirect is logged, audited and counted in the
  // moved_key_requests metric under route.
  http::asio::awaitable<std::optional<Generator>> redirect_moved_key(
      http::Request& request, const policy::Principal& principal, const std::string& old_key,
      std::string_view route);
  Reply get_preferences_schema(http::Request& request);
  // Reads tenant's object at key, and reports kNotFound once its expiry has passed, so that an
  // expired object is not served even before the lifecycle sweeper deletes it.
  http::asio::awaitable<Expected<meta::ObjectRecord, meta::MetaError>> find_unexpired_object(
      const std::string& tenant, const std::string& key);
  // The 403 reply to send when a retention rule of the policy requires key to be kept longer
  // than lifetime, otherwise nullopt. The denial is audited.
  std::optional<Generator> check_expiry_retention(http::Request& request,
                                                  const policy::Principal& principal,
                                                  const std::string& key,
                                                  std::optional<std::chrono::seconds> lifetime);
  // The 403 reply to send when a retention rule of the policy still protects record from
  // deletion at now, otherwise nullopt. The denial is audited.
  std::optional<Generator> check_retention(http::Request& request,
                                           const policy::Principal& principal,
                                           const meta::ObjectRecord& record);

  // The version complete commits once the content checks of upload_checks.cc
  // pass, with its checksum.
  struct CheckedContent {
    ObjectHead head;  // the version to commit
    std::optional<std::string> sha256;
    // For an avatar, head is the thumbnail and this is the uploaded
    // version it replaces, with its bytes. Empty for other uploads.
    std::string original_version_id;
    std::string original_bytes;
  };
  // Checks the uploaded version before complete commits it: the bytes
  // against the declared type, preferences.json against its schema, and
  // for an avatar, stores the thumbnail. On rejection the uploaded version
  // is deleted, the upload is aborted, and the error is the reply to send.
  http::asio::awaitable<Expected<CheckedContent, Generator>> check_upload_content(
      http::Request& request, const meta::PendingUpload& pending, const ObjectHead& head);
  // Deletes the thumbnail of an avatar whose commit failed, so a retried
  // complete finds the uploaded version again.
  http::asio::awaitable<void> discard_checked_content(const meta::PendingUpload& pending,
                                                      const CheckedContent& content);
  // Stores the uploaded avatar as avatar.original and records it, when the
  // policy allows that write. Failures are logged, not returned, because
  // the avatar itself is committed by then.
  http::asio::awaitable<void> keep_avatar_original(http::Request& request,
                                                   const policy::Principal& principal,
                                                   const meta::PendingUpload& pending,
                                                   const CheckedContent& content);
  // After an avatar commit: keeps the original as avatar.original when
  // configured, and deletes the uploaded version from the avatar's key.
  http::asio::awaitable<void> finish_checked_content(http::Request& request,
                                                     const policy::Principal& principal,
                                                     const meta::PendingUpload& pending,
                                                     const CheckedContent& content);

  ApiConfig config_;
  Authenticator authenticator_;
  std::shared_ptr<const policy::Policy> policy_;
  std::shared_ptr<obs::AuditLog> audit_;
  policy::RateLimiter presign_limiter_;
  // Per client address: how many rejected tokens become audit events. Anyone
  // can send tokens that name a tenant, so without a bound one client could
  // flood that tenant's audit log. The token_rejections metric counts all.
  policy::RateLimiter rejected_token_audit_limiter_;
  meta::Repository& repository_;
  StoreGateway& store_;
  boost::asio::thread_pool& workers_;
  const Clock& clock_;
};

}  // namespace satchel::app
