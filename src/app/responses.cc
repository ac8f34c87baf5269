#include "app/responses.h"

#include <nlohmann/json.hpp>

#include "obs/log.h"

namespace satchel::app {
namespace {

http::Response make_json_response(http::Status status, const nlohmann::json& body) {
  http::Response response{status, 11};
  response.set(http::Field::content_type, "application/json");
  response.set(http::Field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  response.body() = body.dump();
  return response;
}

nlohmann::json error_body(http::Request& request, std::string_view code, std::string_view message) {
  return {{"error", {{"code", code}, {"message", message}}}, {"request_id", request.request_id()}};
}

void log_error_reply(http::Request& request, http::Status status, std::string_view code,
                     std::string_view message) {
  obs::Fields fields = {{"request_id", request.request_id()},
                        {"route", request.route()},
                        {"status", static_cast<int64_t>(status)},
                        {"code", code},
                        {"error", message}};
  if (static_cast<int>(status) >= 500) {
    obs::error("request failed", fields);
  } else {
    obs::info("request rejected", fields);
  }
}

}  // namespace

http::bhttp::message_generator json_reply(http::Request& request, http::Status status,
                                          const nlohmann::json& body) {
  return http::respond(request, make_json_response(status, body));
}

http::bhttp::message_generator error_reply(http::Request& request, http::Status status,
                                           std::string_view code, std::string_view message) {
  log_error_reply(request, status, code, message);
  return http::respond(request, make_json_response(status, error_body(request, code, message)));
}

http::bhttp::message_generator error_reply(
    http::Request& request, http::Status status, std::string_view code, std::string_view message,
    const nlohmann::json& details,
    std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
  log_error_reply(request, status, code, message);
  nlohmann::json body = error_body(request, code, message);
  for (const auto& [name, value] : details.items()) body[name] = value;
  http::Response response = make_json_response(status, body);
  for (const auto& [name, value] : headers) response.set(name, value);
  return http::respond(request, std::move(response));
}

http::bhttp::message_generator unauthorized_reply(http::Request& request, std::string_view reason,
                                                  std::string_view challenge) {
  obs::info("authentication failed", {{"request_id", request.request_id()},
                                      {"route", request.route()},
                                      {"reason", reason},
                                      {"remote", request.remote_address()}});
  auto response =
      make_json_response(http::Status::unauthorized,
                         error_body(request, "unauthorized", "a valid bearer token is required"));
  response.set(http::Field::www_authenticate, challenge);
  return http::respond(request, std::move(response));
}

http::bhttp::message_generator rate_limited_reply(http::Request& request,
                                                  std::chrono::seconds retry_after) {
  obs::info("request rate limited", {{"request_id", request.request_id()},
                                     {"route", request.route()},
                                     {"retry_after_seconds", int64_t{retry_after.count()}}});
  auto response =
      make_json_response(http::Status::too_many_requests,
                         error_body(request, "rate_limited",
                                    "too many presign requests; retry after " +
                                        std::to_string(retry_after.count()) + " seconds"));
  response.set(http::Field::retry_after, std::to_string(retry_after.count()));
  return http::respond(request, std::move(response));
}

http::bhttp::message_generator body_error_reply(http::Request& request, http::BodyError error) {
  switch (error) {
    case http::BodyError::kTooLarge:
      return error_reply(request, http::Status::payload_too_large, "body_too_large",
                         http::describe(error));
    case http::BodyError::kTimedOut:
      return error_reply(request, http::Status::request_timeout, "timeout", http::describe(error));
    case http::BodyError::kTruncated:
    case http::BodyError::kMalformed:
      break;
  }
  return error_reply(request, http::Status::bad_request, "invalid_body", http::describe(error));
}

}  // namespace satchel::app
