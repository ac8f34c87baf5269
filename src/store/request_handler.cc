#include "store/request_handler.h"

#include <exception>

#include "common/encoding.h"
#include "obs/log.h"
#include "store/request_parsing.h"
#include "store/s3_xml.h"

namespace satchel::store {
namespace {

using http::Status;
using http::Verb;

// Query parameters that name S3 operations this store does not implement
// yet. A request carrying one gets 501 NotImplemented instead of being
// mistaken for a plain object or bucket request.
constexpr std::string_view kUnsupportedObjectParams[] = {
    "acl", "attributes", "torrent", "restore", "select",
};
constexpr std::string_view kUnsupportedBucketParams[] = {
    "acl",
    "policy",
    "tagging",
    "website",
    "logging",
    "notification",
    "replication",
    "accelerate",
    "requestPayment",
    "ownershipControls",
    "publicAccessBlock",
    "inventory",
    "metrics",
    "analytics",
    "intelligent-tiering",
    "policyStatus",
};

bool has_param(const http::QueryParams& query, std::string_view name) {
  return http::find_param(query, name) != nullptr;
}

template <size_t N>
bool has_any_param(const http::QueryParams& query, const std::string_view (&names)[N]) {
  for (auto name : names) {
    if (has_param(query, name)) return true;
  }
  return false;
}

struct PathParts {
  std::string bucket;
  std::string key;
};

// Path-style addressing: /{bucket} and /{bucket}/{key...}, each decoded
// once, so "+" stays "+" and "%2B" is "+".
std::optional<PathParts> split_path(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/') return std::nullopt;
  raw_path.remove_prefix(1);
  size_t slash = raw_path.find('/');
  auto bucket = percent_decode(raw_path.substr(0, slash));
  auto key = percent_decode(slash == std::string_view::npos ? std::string_view{}
                                                            : raw_path.substr(slash + 1));
  if (!bucket || !key) return std::nullopt;
  return PathParts{std::move(*bucket), std::move(*key)};
}

// A browser form upload (POST Object): a multipart/form-data POST to a
// bucket without a subresource, authenticated by its policy fields.
bool is_form_upload(const http::Request& request, std::string_view bucket, std::string_view key) {
  return request.method() == Verb::post && !bucket.empty() && key.empty() &&
         request.raw_query().empty() &&
         form_boundary(request.header_value(http::Field::content_type)).has_value();
}

}  // namespace

RequestHandler::RequestHandler(Engine& engine, boost::asio::thread_pool& pool,
                               const Authenticator& authenticator, CorsPolicy cors,
                               std::string region, std::chrono::seconds stale_upload_sweep_interval)
    : engine_(engine),
      pool_(pool),
      authenticator_(authenticator),
      cors_(std::move(cors)),
      region_(std::move(region)),
      stale_upload_sweep_interval_(stale_upload_sweep_interval),
      last_stale_sweep_(engine.clock().now().time_since_epoch().count()) {}

http::asio::awaitable<http::bhttp::message_generator> RequestHandler::handle(
    http::Request& request) {
  Exchange exchange{request, {}, {}, {}, request.header_value(http::Field::origin)};
  try {
    co_return co_await dispatch(exchange);
  } catch (const std::exception& exception) {
    obs::error("store request failed with an exception", {{"request_id", request.request_id()},
                                                          {"operation", exchange.operation},
                                                          {"error", exception.what()}});
  }
  co_return error(exchange, StoreError::kInternal);
}

RequestHandler::Awaitable RequestHandler::dispatch(Exchange& exchange) {
  http::Request& request = exchange.request;
  auto parts = split_path(request.path());
  if (parts) {
    exchange.bucket = std::move(parts->bucket);
    exchange.key = std::move(parts->key);
  }
  // Preflights carry no credentials by design (Fetch standard, CORS
  // protocol), so they are handled before authentication.
  if (request.method() == Verb::options) co_return preflight(exchange);
  if (!parts) {
    co_return error(exchange, "InvalidURI", Status::bad_request,
                    "The request path is not a valid percent-encoded URI path.");
  }
  if (is_form_upload(request, exchange.bucket, exchange.key)) {
    co_return co_await post_object(exchange);
  }
  auto query = http::parse_query(request.raw_query());
  if (!query) {
    co_return error(exchange, "InvalidArgument", Status::bad_request,
                    "The query string has a malformed percent escape.");
  }
  exchange.query = std::move(*query);

  auto caller = authenticator_.authenticate(request);
  if (!caller) {
    const AuthRejection& rejection = caller.error();
    obs::info("store request rejected", {{"request_id", request.request_id()},
                                         {"reason", rejection.reason},
                                         {"key_bytes", uint64_t{exchange.key.size()}}});
    co_return error(exchange, rejection.code, rejection.status, rejection.message);
  }
  exchange.caller = std::move(*caller);
  auto copy_source = request.has_header("x-amz-copy-source")
                         ? std::optional(request.header_value("x-amz-copy-source"))
                         : std::nullopt;
  auto access =
      describe_access(request.method(), exchange.bucket, exchange.key, exchange.query, copy_source);
  if (auto allowed = authenticator_.authorize(*exchange.caller, access); !allowed) {
    const AuthRejection& rejection = allowed.error();
    obs::info("store request denied", {{"request_id", request.request_id()},
                                       {"access_key_id", exchange.caller->access_key_id},
                                       {"reason", rejection.reason}});
    co_return error(exchange, rejection.code, rejection.status, rejection.message);
  }

  if (exchange.bucket.empty()) {
    if (request.method() == Verb::get) co_return co_await list_buckets(exchange);
    co_return error(exchange, "MethodNotAllowed", Status::method_not_allowed,
                    "The specified method is not allowed against this resource.");
  }
  if (!exchange.key.empty()) co_return co_await dispatch_object(exchange);
  co_return co_await dispatch_bucket(exchange);
}

RequestHandler::Awaitable RequestHandler::dispatch_object(Exchange& exchange) {
  const auto& query = exchange.query;
  if (has_any_param(query, kUnsupportedObjectParams)) {
    co_return error(exchange, "NotImplemented", Status::not_implemented,
                    "This object operation is not implemented by the embedded store.");
  }
  // Storing an object under another scheme than the client asked for would
  // be worse than refusing it.
  if (auto encryption = check_encryption_headers(exchange.request); !encryption) {
    co_return error(exchange, encryption.error());
  }
  if (has_param(query, "uploads") || has_param(query, "uploadId")) {
    co_return co_await dispatch_multipart(exchange);
  }
  Verb method = exchange.request.method();
  if (has_param(query, "retention")) {
    if (method == Verb::get) co_return co_await get_object_retention(exchange);
    if (method == Verb::put) co_return co_await put_object_retention(exchange);
    co_return error(exchange, "MethodNotAllowed", Status::method_not_allowed,
                    "The specified method is not allowed against this resource.");
  }
  if (has_param(query, "legal-hold")) {
    if (method == Verb::get) co_return co_await get_object_legal_hold(exchange);
    if (method == Verb::put) co_return co_await put_object_legal_hold(exchange);
    co_return error(exchange, "MethodNotAllowed", Status::method_not_allowed,
                    "The specified method is not allowed against this resource.");
  }
  if (has_param(query, "tagging")) {
    if (method == Verb::get) co_return co_await get_object_tagging(exchange);
    if (method == Verb::put) co_return co_await put_object_tagging(exchange);
    if (method == Verb::delete_) co_return co_await delete_object_tagging(exchange);
    co_return error(exchange, "MethodNotAllowed", Status::method_not_allowed,
                    "The specified method is not allowed against this resource.");
  }
  if (has_param(query, "partNumber")) {
    co_return error(exchange, "NotImplemented", Status::not_implemented,
                    "Reading an object by part number is not implemented by the embedded "
                    "store.");
  }
  switch (exchange.request.method()) {
    case Verb::put:
      co_return co_await put_object(exchange);
    case Verb::get:
      co_return co_await get_object(exchange, false);
    case Verb::head:
      co_return co_await get_object(exchange, true);
    case Verb::delete_:
      co_return co_await delete_object(exchange);
    default:
      co_return error(exchange, "MethodNotAllowed", Status::method_not_allowed,
                      "The specified method is not allowed against this resource.");
  }
}

RequestHandler::Awaitable RequestHandler::dispatch_multipart(Exchange& exchange) {
  Verb method = exchange.request.method();
  if (has_param(exchange.query, "uploads")) {
    if (method == Verb::post) co_return co_await create_multipart_upload(exchange);
  } else {
    switch (method) {
      case Verb::put:
        co_return co_await upload_part(exchange);
      case Verb::get:
        co_return co_await list_parts(exchange);
      case Verb::post:
        co_return co_await complete_multipart_upload(exchange);
      case Verb::delete_:
        co_return co_await abort_multipart_upload(exchange);
      default:
        break;
    }
  }
  co_return error(exchange, "MethodNotAllowed", Status::method_not_allowed,
                  "The specified method is not allowed against this resource.");
}

RequestHandler::Awaitable RequestHandler::dispatch_bucket(Exchange& exchange) {
  const auto& query = exchange.query;
  Verb method = exchange.request.method();
  if (has_param(query, "versioning")) {
    if (method == Verb::get) co_return co_await get_bucket_versioning(exchange);
    if (method == Verb::put) co_return co_await put_bucket_versioning(exchange);
  } else if (has_param(query, "location")) {
    if (method == Verb::get) co_return co_await get_bucket_location(exchange);
  } else if (has_param(query, "cors")) {
    if (method == Verb::get) co_return co_await get_bucket_cors(exchange);
    if (method == Verb::put) co_return co_await put_bucket_cors(exchange);
    if (method == Verb::delete_) co_return co_await delete_bucket_cors(exchange);
  } else if (has_param(query, "lifecycle")) {
    if (method == Verb::get) co_return co_await get_bucket_lifecycle(exchange);
    if (method == Verb::put) co_return co_await put_bucket_lifecycle(exchange);
    if (method == Verb::delete_) co_return co_await delete_bucket_lifecycle(exchange);
  } else if (has_param(query, "encryption")) {
    if (method == Verb::get) co_return co_await get_bucket_encryption(exchange);
    if (method == Verb::put) co_return co_await put_bucket_encryption(exchange);
    if (method == Verb::delete_) co_return co_await delete_bucket_encryption(exchange);
  } else if (has_param(query, "object-lock")) {
    if (method == Verb::get) co_return co_await get_object_lock_configuration(exchange);
    if (method == Verb::put) co_return co_await put_object_lock_configuration(exchange);
  } else if (has_param(query, "versions")) {
    if (method == Verb::get) co_return co_await list_object_versions(exchange);
  } else if (has_param(query, "uploads")) {
    if (method == Verb::get) co_return co_await list_multipart_uploads(exchange);
  } else if (has_param(query, "delete")) {
    if (method == Verb::post) co_return co_await delete_objects(exchange);
  } else if (has_any_param(query, kUnsupportedBucketParams)) {
    co_return error(exchange, "NotImplemented", Status::not_implemented,
                    "This bucket operation is not implemented by the embedded store.");
  } else {
    switch (method) {
      case Verb::head:
        co_return co_await head_bucket(exchange);
      case Verb::put:
        co_return co_await create_bucket(exchange);
      case Verb::delete_:
        co_return co_await delete_bucket(exchange);
      case Verb::get:
        co_return co_await list_objects(exchange);
      default:
        break;
    }
  }
  co_return error(exchange, "MethodNotAllowed", Status::method_not_allowed,
                  "The specified method is not allowed against this resource.");
}

RequestHandler::Generator RequestHandler::preflight(Exchange& exchange) {
  exchange.operation = "PreflightRequest";
  http::Request& request = exchange.request;
  auto method = request.header_value(http::Field::access_control_request_method);
  auto headers = request.header_value(http::Field::access_control_request_headers);
  http::bhttp::response<http::bhttp::empty_body> allowed{Status::ok, 11};
  allowed.content_length(0);
  allowed.set("x-amz-request-id", request.request_id());
  allowed.set(http::Field::server, kServerName);

  auto result = cors_.check_preflight(exchange.origin, method, headers);
  if (result == CorsPolicy::PreflightResult::kAllowed) {
    cors_.add_preflight_headers(allowed.base(), exchange.origin, headers);
    return http::respond(request, std::move(allowed), exchange.operation);
  }
  if (result == CorsPolicy::PreflightResult::kIncomplete) {
    return error(exchange, "BadRequest", Status::bad_request,
                 "Insufficient information: a preflight needs the Origin and "
                 "Access-Control-Request-Method headers.");
  }

  // The store's origins do not allow it; the bucket's own rules may.
  auto rules = exchange.bucket.empty() ? nullptr : engine_.cors_rules(exchange.bucket);
  const CorsRule* rule = rules ? find_cors_rule(*rules, exchange.origin, method, headers) : nullptr;
  if (rule) {
    add_rule_preflight_headers(allowed.base(), *rule, exchange.origin, headers);
    return http::respond(request, std::move(allowed), exchange.operation);
  }

  // A denied preflight carries no CORS headers, so finish() is bypassed for
  // it and only the common headers are set here.
  auto denied = error_response(exchange, "AccessForbidden", Status::forbidden,
                               "CORSResponse: This CORS request is not allowed.");
  denied.set("x-amz-request-id", request.request_id());
  denied.set(http::Field::server, kServerName);
  return http::respond(request, std::move(denied), exchange.operation);
}

void RequestHandler::add_cors_headers(const Exchange& exchange, http::bhttp::fields& fields) const {
  cors_.add_response_headers(fields, exchange.origin);
  if (exchange.origin.empty() || cors_.allows_origin(exchange.origin) || exchange.bucket.empty()) {
    return;
  }
  auto rules = engine_.cors_rules(exchange.bucket);
  if (!rules) return;
  std::string_view method = http::bhttp::to_string(exchange.request.method());
  if (const CorsRule* rule = find_cors_rule(*rules, exchange.origin, method, {})) {
    add_rule_response_headers(fields, *rule, exchange.origin);
  }
}

http::Response RequestHandler::error_response(const Exchange& exchange, std::string_view code,
                                              http::Status status, std::string_view message) const {
  http::Response response{status, 11};
  response.set(http::Field::content_type, "application/xml");
  std::string body =
      error_document(code, message, exchange.request.path(), exchange.request.request_id());
  if (exchange.request.method() == Verb::head) {
    // HEAD replies carry no body; S3 sends only the status.
    response.content_length(0);
  } else {
    response.body() = std::move(body);
  }
  return response;
}

http::Response RequestHandler::error_response(const Exchange& exchange, StoreError error) const {
  return error_response(exchange, s3_code(error), http_status(error), describe(error));
}

RequestHandler::Generator RequestHandler::error(Exchange& exchange, std::string_view code,
                                                http::Status status, std::string_view message) {
  return finish(exchange, error_response(exchange, code, status, message));
}

RequestHandler::Generator RequestHandler::error(Exchange& exchange, StoreError error) {
  return finish(exchange, error_response(exchange, error));
}

RequestHandler::Generator RequestHandler::error(Exchange& exchange, const S3Failure& failure) {
  return error(exchange, failure.code, failure.status, failure.message);
}

S3Failure to_failure(StoreError error) {
  return S3Failure{s3_code(error), http_status(error), describe(error)};
}

S3Failure to_failure(const DocumentError& error) {
  return S3Failure{error.code, error.status, error.message};
}

S3Failure to_failure(s3::AuthError error) {
  return S3Failure{s3::s3_error_code(error), static_cast<http::Status>(s3::http_status(error)),
                   s3::describe(error)};
}

}  // namespace satchel::store
