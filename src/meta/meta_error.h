// The error value of every metadata operation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "meta/records.h"

namespace satchel::meta {

enum class MetaErrorCode {
  // The object or upload does not exist, or it belongs to another tenant.
  kNotFound,
  // A precondition failed (revision mismatch, create-only over an existing object) or an
  // identifier is already taken.
  kConflict,
  // The upload was already committed.
  kAlreadyCompleted,
  // The upload is past its expiry time or was aborted.
  kExpired,
  // The request is malformed, or the database is not usable by this binary (for example its
  // schema is newer).
  kInvalid,
  // The database failed or stayed busy past the busy timeout. Retrying may succeed.
  kUnavailable,
};

std::string_view to_string(MetaErrorCode code);

struct MetaError {
  MetaErrorCode code = MetaErrorCode::kUnavailable;
  std::string message;
  // The object as it is now, set on kConflict when the object exists.
  std::optional<ObjectRecord> current;
};

}  // namespace satchel::meta
