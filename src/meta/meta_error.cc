#include "meta/meta_error.h"

namespace satchel::meta {

std::string_view to_string(MetaErrorCode code) {
  switch (code) {
    case MetaErrorCode::kNotFound:
      return "not_found";
    case MetaErrorCode::kConflict:
      return "conflict";
    case MetaErrorCode::kAlreadyCompleted:
      return "already_completed";
    case MetaErrorCode::kExpired:
      return "expired";
    case MetaErrorCode::kInvalid:
      return "invalid";
    case MetaErrorCode::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

}  // namespace satchel::meta
