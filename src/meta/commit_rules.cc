#include "meta/commit_rules.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "common/encoding.h"
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
                                              const std::optional<ObjectRecord>& stored,
                                              SystemTime now) {
  // An expired object is no longer served, so it counts as missing although the lifecycle
  // sweeper may not have deleted its row yet.
  const bool expired = stored.has_value() && stored->expires_at && *stored->expires_at <= now;
  std::optional<ObjectRecord> current = expired ? std::nullopt : stored;
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

std::int64_t next_revision(const std::optional<ObjectRecord>& current, std::int64_t last_revision) {
  std::int64_t newest =
      current.has_value() ? std::max(current->revision, last_revision) : last_revision;
  return newest + 1;
}

ObjectRecord build_committed_record(const PendingUpload& upload, const ObjectRecord& observed,
                                    const std::optional<ObjectRecord>& current,
                                    std::int64_t last_revision, SystemTime now) {
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
  record.tags = upload.tags;
  record.revision = next_revision(current, last_revision);
  record.updated_at = floor_to_us(now);
  record.created_at = current.has_value() ? current->created_at : record.updated_at;
  if (upload.object_expires_at.has_value())
    record.expires_at = floor_to_us(*upload.object_expires_at);
  return record;
}

ObjectVersion version_entry(const ObjectRecord& record, std::optional<std::string> restored_from) {
  ObjectVersion version;
  version.tenant = record.tenant;
  version.owner = record.owner;
  version.name = record.name;
  version.key = record.key;
  version.revision = record.revision;
  version.version_id = record.version_id;
  version.size = record.size;
  version.etag = record.etag;
  version.content_type = record.content_type;
  version.sha256 = record.sha256;
  version.committed_at = record.updated_at;
  version.restored_from = std::move(restored_from);
  version.tags = record.tags;
  return version;
}

ObjectVersion delete_marker_entry(const ObjectRecord& record, std::string_view marker_version_id,
                                  SystemTime now) {
  ObjectVersion marker;
  marker.tenant = record.tenant;
  marker.owner = record.owner;
  marker.name = record.name;
  marker.key = record.key;
  marker.revision = record.revision + 1;
  marker.version_id = std::string(marker_version_id);
  marker.committed_at = floor_to_us(now);
  marker.deleted = true;
  return marker;
}

Expected<void, MetaError> validate_restore_request(const RestoreRequest& request) {
  struct Field {
    std::string_view name;
    std::string_view value;
  };
  for (const Field& field : {Field{"tenant", request.tenant}, Field{"key", request.key},
                             Field{"source_version_id", request.source_version_id},
                             Field{"observed etag", request.observed.etag},
                             Field{"observed content_type", request.observed.content_type}}) {
    if (field.value.empty()) {
      return Unexpected(
          make_error(MetaErrorCode::kInvalid, fmt::format("{} is empty", field.name)));
    }
    if (!is_valid_utf8(field.value) || field.value.find('\0') != std::string_view::npos) {
      return Unexpected(
          make_error(MetaErrorCode::kInvalid,
                     fmt::format("{} is not valid UTF-8 or contains NUL", field.name)));
    }
  }
  if (request.observed.size >
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Unexpected(make_error(MetaErrorCode::kInvalid, "observed size is too large"));
  }
  return {};
}

Expected<void, MetaError> check_restore(const RestoreRequest& request, const ObjectVersion& source,
                                        const std::optional<ObjectRecord>& current) {
  if (source.deleted) {
    return Unexpected(make_error(MetaErrorCode::kInvalid,
                                 fmt::format("version {} is a delete marker and has no bytes to "
                                             "restore",
                                             request.source_version_id)));
  }
  if (source.purged_at.has_value()) {
    return Unexpected(make_error(MetaErrorCode::kInvalid,
                                 fmt::format("version {} was removed from the store by the "
                                             "noncurrent version retention and cannot be restored",
                                             request.source_version_id)));
  }
  if (!request.expected_revision.has_value()) {
    if (!current.has_value()) return {};
    return Unexpected(make_error(MetaErrorCode::kConflict,
                                 "the object was written again since the restore started",
                                 current));
  }
  if (!current.has_value()) {
    return Unexpected(
        make_error(MetaErrorCode::kConflict, "the object was deleted since the restore started"));
  }
  if (current->revision != *request.expected_revision) {
    return Unexpected(
        make_error(MetaErrorCode::kConflict,
                   fmt::format("object is at revision {} but the restore expected revision {}",
                               current->revision, *request.expected_revision),
                   current));
  }
  return {};
}

ObjectRecord build_restored_record(const RestoreRequest& request, const ObjectVersion& source,
                                   const std::optional<ObjectRecord>& current,
                                   std::int64_t last_revision, SystemTime now) {
  ObjectRecord record;
  record.tenant = request.tenant;
  record.owner = source.owner;
  record.name = source.name;
  record.key = request.key;
  record.version_id = request.observed.version_id;
  record.size = request.observed.size;
  record.etag = request.observed.etag;
  record.content_type = request.observed.content_type;
  // The copy has the source's bytes, so it has the source's checksum.
  record.sha256 = source.sha256;
  record.tags = source.tags;
  record.revision = next_revision(current, last_revision);
  record.updated_at = floor_to_us(now);
  record.created_at = current.has_value() ? current->created_at : record.updated_at;
  return record;
}

Expected<ObjectRecord, MetaError> check_expiry_change(const std::optional<ObjectRecord>& current,
                                                      std::string_view key,
                                                      std::int64_t expected_revision) {
  if (!current.has_value()) {
    return Unexpected(
        make_error(MetaErrorCode::kNotFound, fmt::format("object {} not found", key)));
  }
  if (current->revision != expected_revision) {
    return Unexpected(make_error(
        MetaErrorCode::kConflict,
        fmt::format("object is at revision {} but the expiry change expected revision {}",
                    current->revision, expected_revision),
        current));
  }
  return *current;
}

Expected<ObjectRecord, MetaError> apply_missing_change(const std::optional<ObjectRecord>& current,
                                                       std::string_view key,
                                                       std::int64_t expected_revision,
                                                       std::string_view expected_version_id,
                                                       std::optional<SystemTime> missing_since) {
  if (!current.has_value()) {
    return Unexpected(
        make_error(MetaErrorCode::kNotFound, fmt::format("object {} not found", key)));
  }
  if (current->revision != expected_revision || current->version_id != expected_version_id) {
    return Unexpected(make_error(
        MetaErrorCode::kConflict,
        fmt::format("object is at revision {} with version {:?} but the missing mark expected "
                    "revision {} with version {:?}",
                    current->revision, current->version_id, expected_revision, expected_version_id),
        current));
  }
  ObjectRecord record = *current;
  if (!missing_since) {
    record.missing_since.reset();
  } else if (!record.missing_since) {
    record.missing_since = floor_to_us(*missing_since);
  }
  return record;
}

Expected<void, MetaError> check_purgeable(const ObjectVersion& version) {
  if (!version.deleted) return {};
  return Unexpected(
      make_error(MetaErrorCode::kInvalid,
                 fmt::format("revision {} of {} is a delete marker and has no bytes to purge",
                             version.revision, version.key)));
}

Expected<void, MetaError> check_store_cleanable(const PendingUpload& upload) {
  if (upload.state == UploadState::kAborted) return {};
  return Unexpected(make_error(
      MetaErrorCode::kConflict,
      fmt::format("upload {} is {}, and only an aborted upload's store clean-up can be marked",
                  upload.id, upload_state_text(upload.state))));
}

}  // namespace satchel::meta
