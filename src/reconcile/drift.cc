#include "reconcile/drift.h"

#include <algorithm>

#include "common/encoding.h"

namespace satchel::reconcile {
namespace {

// S3 returns ETags quoted, and some stores leave the quotes out in listings.
std::string_view unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

// The version the record names: the one with its id, or for a record kept without a version
// id (a store without versioning) the live latest version.
const s3::StoreVersion* recorded_version(const KeyState& state) {
  const std::string& wanted = state.record->version_id;
  for (const s3::StoreVersion& version : state.versions) {
    if (version.is_delete_marker) continue;
    if (s3::is_unversioned_id(wanted) ? version.is_latest : version.version_id == wanted) {
      return &version;
    }
  }
  return nullptr;
}

}  // namespace

std::string_view drift_kind_name(DriftKind kind) {
  switch (kind) {
    case DriftKind::kMissingObject:
      return "missing_object";
    case DriftKind::kOrphanObject:
      return "orphan_object";
    case DriftKind::kVersionMismatch:
      return "version_mismatch";
    case DriftKind::kSizeMismatch:
      return "size_mismatch";
    case DriftKind::kEtagMismatch:
      return "etag_mismatch";
    case DriftKind::kPendingUpload:
      return "pending_upload";
    case DriftKind::kMissingObjectMarked:
      return "missing_object_marked";
    case DriftKind::kMissingObjectReturned:
      return "missing_object_returned";
  }
  return "unknown";
}

KeyCheck check_key(std::string_view tenant, const KeyState& state) {
  KeyCheck check;
  auto drift = [&](DriftKind kind, std::string version_id, std::string expected = {},
                   std::string found = {}) {
    check.drift.push_back(
        Drift{.kind = kind,
              .tenant = std::string(tenant),
              .key = state.key,
              .version_id = std::move(version_id),
              .expected = std::move(expected),
              .found = std::move(found),
              .revision = state.record ? state.record->revision : 0,
              .missing_since = state.record ? state.record->missing_since : std::nullopt});
  };
  if (state.record) {
    const meta::ObjectRecord& record = *state.record;
    const bool marked = record.missing_since.has_value();
    if (const s3::StoreVersion* stored = recorded_version(state)) {
      const std::size_t before = check.drift.size();
      if (stored->size != record.size) {
        drift(DriftKind::kSizeMismatch, record.version_id, std::to_string(record.size),
              std::to_string(stored->size));
      }
      if (unquoted(stored->etag) != unquoted(record.etag)) {
        drift(DriftKind::kEtagMismatch, record.version_id, record.etag, stored->etag);
      }
      // Bytes that came back different stay marked: serving them would serve other content.
      if (marked && check.drift.size() == before) {
        drift(DriftKind::kMissingObjectReturned, record.version_id);
      }
    } else {
      drift(marked ? DriftKind::kMissingObjectMarked : DriftKind::kMissingObject,
            record.version_id);
    }
  }
  auto latest = std::find_if(state.versions.begin(), state.versions.end(),
                             [](const s3::StoreVersion& version) { return version.is_latest; });
  if (latest == state.versions.end() || latest->is_delete_marker) return check;
  if (state.record) {
    const std::string& recorded = state.record->version_id;
    // Without versioning the latest version is the record's, checked above.
    if (s3::is_unversioned_id(recorded) || latest->version_id == recorded) return check;
  }
  check.unknown_latest = UnknownVersion{.version = *latest, .has_record = state.record.has_value()};
  return check;
}

std::optional<Drift> classify_unknown(std::string_view tenant, const UnknownVersion& unknown,
                                      bool in_history, SystemTime now, std::chrono::seconds grace) {
  if (in_history) return std::nullopt;
  if (unknown.version.last_modified + grace > now) return std::nullopt;
  return Drift{.kind = unknown.has_record ? DriftKind::kVersionMismatch : DriftKind::kOrphanObject,
               .tenant = std::string(tenant),
               .key = unknown.version.key,
               .version_id = unknown.version.version_id};
}

std::optional<std::string> pending_upload_problem(const meta::PendingUpload& upload,
                                                  std::string_view key, const app::ObjectHead& head,
                                                  SystemTime now) {
  if (upload.state != meta::UploadState::kPending) return "the upload is no longer pending";
  if (upload.expires_at <= now) return "the upload expired";
  if (upload.key != key) return "the upload is for another key";
  if (head.upload_id != upload.id) return "the stored bytes belong to another upload";
  if (head.size != upload.size) {
    return "the stored size " + std::to_string(head.size) + " is not the declared " +
           std::to_string(upload.size);
  }
  if (head.content_type != upload.content_type) {
    return "the stored content type " + head.content_type + " is not the declared " +
           upload.content_type;
  }
  if (upload.sha256) {
    std::optional<std::string> stored = base64_decode(head.checksum_sha256);
    if (!stored || hex_encode(*stored) != *upload.sha256) {
      return std::string("the store reports no matching SHA-256 checksum");
    }
  }
  return std::nullopt;
}

void KeyMerger::add_records(std::vector<meta::ObjectRecord> records, bool last_page) {
  if (!records.empty()) last_record_key_ = records.back().key;
  for (meta::ObjectRecord& record : records) records_.push_back(std::move(record));
  records_done_ = last_page;
}

void KeyMerger::add_versions(std::vector<s3::StoreVersion> versions, bool last_page) {
  if (!versions.empty()) last_version_key_ = versions.back().key;
  for (s3::StoreVersion& version : versions) versions_.push_back(std::move(version));
  versions_done_ = last_page;
}

KeyMerger::Source KeyMerger::next_source() const {
  if (records_done_ && versions_done_) return Source::kNone;
  if (records_done_) return Source::kVersions;
  if (versions_done_) return Source::kRecords;
  // Read the listing that is behind. One that has delivered nothing yet is behind.
  if (!last_record_key_) return Source::kRecords;
  if (!last_version_key_) return Source::kVersions;
  return *last_record_key_ <= *last_version_key_ ? Source::kRecords : Source::kVersions;
}

bool KeyMerger::complete(std::string_view key) const {
  bool records_past = records_done_ || (last_record_key_ && key <= *last_record_key_);
  bool versions_past = versions_done_ || (last_version_key_ && key < *last_version_key_);
  return records_past && versions_past;
}

std::vector<KeyState> KeyMerger::take_complete() {
  std::vector<KeyState> states;
  while (!records_.empty() || !versions_.empty()) {
    std::string key;
    if (records_.empty()) {
      key = versions_.front().key;
    } else if (versions_.empty()) {
      key = records_.front().key;
    } else {
      key = std::min(records_.front().key, versions_.front().key);
    }
    if (!complete(key)) break;
    KeyState state{.key = key, .record = std::nullopt, .versions = {}};
    if (!records_.empty() && records_.front().key == key) {
      state.record = std::move(records_.front());
      records_.pop_front();
    }
    while (!versions_.empty() && versions_.front().key == key) {
      state.versions.push_back(std::move(versions_.front()));
      versions_.pop_front();
    }
    states.push_back(std::move(state));
  }
  return states;
}

}  // namespace satchel::reconcile
