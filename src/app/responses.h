// JSON replies of the product API. Every error has the same body shape:
// {"error": {"code": "...", "message": "..."}, "request_id": "..."}.
#pragma once

#include <chrono>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <string_view>
#include <utility>

#include "http/request.h"

namespace satchel::app {

http::bhttp::message_generator json_reply(http::Request& request, http::Status status,
                                          const nlohmann::json& body);

// Builds an error reply and logs it once: client errors at info, server
// errors at error level.
http::bhttp::message_generator error_reply(http::Request& request, http::Status status,
                                           std::string_view code, std::string_view message);

// An error reply with extra members beside "error", such as the current
// record of a conflict, and extra response headers, such as Allow.
http::bhttp::message_generator error_reply(
    http::Request& request, http::Status status, std::string_view code, std::string_view message,
    const nlohmann::json& details,
    std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {});

// 401 with the Bearer challenge header.
http::bhttp::message_generator unauthorized_reply(http::Request& request, std::string_view reason,
                                                  std::string_view challenge);

// 429 with Retry-After in whole seconds.
http::bhttp::message_generator rate_limited_reply(http::Request& request,
                                                  std::chrono::seconds retry_after);

// Status and code for a request body that could not be read.
http::bhttp::message_generator body_error_reply(http::Request& request, http::BodyError error);

}  // namespace satchel::app
