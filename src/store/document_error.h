// The error a bucket or object configuration document (lifecycle, Object Lock, retention,
// legal hold, default encryption) is rejected with.
#pragma once

#include <string_view>

#include "http/beast.h"

namespace satchel::store {

// An S3 error code, message and status for a rejected configuration document.
struct DocumentError {
  std::string_view code;
  std::string_view message;
  http::Status status = http::Status::bad_request;
};

// The S3 error for a document that is not well-formed XML or lacks a required element.
inline constexpr DocumentError kMalformedDocument{
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published "
    "schema."};

}  // namespace satchel::store
