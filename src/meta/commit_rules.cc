#include "meta/commit_rules.h"

#include <utility>

#include "fmt/format.h"
#include "meta/storage_encoding.h"

namespace satchel::meta {
namespace {

MetaError make_error(MetaErrorCode code, std::string message,
                     std::optional<ObjectRecord> current = std::nullopt) {
  return MetaError{code, std::move(message), std::move(current)};
}

}  // namespace

Expected<void, MetaError> check_committable(const PendingUpload& upload, SystemTime now) {
  switch (upload.state) {
    case UploadState::kCompleted:
      return Unexpected(
          make_error(MetaErrorCode::kAlreadyCompleted, "upload was already completed"));
    case UploadState::kAborted:
      return Unexpected(make_error(MetaErrorCode::kExpired, "upload was aborted"));
    case UploadState::kPending:
      break;
  }
  if (upload.expires_at <= now) {
    return Unexpected(
        make_error(MetaErrorCode::kExpired, "upload has expired. Start a new upload."));
  }
  return {};
}

Expected<void, MetaError> check_preconditions(const PendingUpload& upload,
                                              const std::optional<ObjectRecord>& current) {
  if (upload.if_none_match && current.has_value()) {
    return Unexpected(make_error(MetaErrorCode::kConflict,
                                 "object already exists and the upload is create-only", current));
  }
  if (!upload.if_match.has_value()) return {};
  if (!current.has_value()) {
    return Unexpected(
        make_error(MetaErrorCode::kConflict,
                   fmt::format("object does not exist but the upload expected revision {}",
                               *upload.if_match)));
  }
  if (current->revision != *upload.if_match) {
    return Unexpected(
        make_error(MetaErrorCode::kConflict,
                   fmt::format("object is at revision {} but the upload expected revision {}",
                               current->revision, *upload.if_match),
                   current));
  }
  return {};
}

ObjectRecord build_committed_record(const PendingUpload& upload, const ObjectRecord& observed,
                                    const std::optional<ObjectRecord>& current, SystemTime now) {
  ObjectRecord record;
  record.tenant = upload.tenant;
  record.owner = upload.owner;
  record.name = upload.name;
  record.key = upload.key;
  record.version_id = observed.version_id;
  record.size = observed.size;
  record.etag = observed.etag;
  record.content_type = observed.content_type;
  record.sha256 = observed.sha256;
  record.revision = current.has_value() ? current->revision + 1 : 1;
  record.updated_at = floor_to_us(now);
  record.created_at = current.has_value() ? current->created_at : record.updated_at;
  return record;
}

}  // namespace satchel::meta
