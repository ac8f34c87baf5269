// Drift between the metadata index and the store, found one key at a time, and the merge of
// the two key-ordered listings that hands each key's state to that check.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/store_gateway.h"
#include "common/clock.h"
#include "meta/records.h"
#include "s3/version_listing.h"

namespace satchel::reconcile {

enum class DriftKind {
  // The record's version is not in the store, so a download would presign a URL to nothing.
  kMissingObject,
  // The key's latest store version is not in the index, and the key has no record.
  kOrphanObject,
  // The key has a record, but its latest store version is another one, unknown to the index.
  kVersionMismatch,
  // The record's version is in the store with another size.
  kSizeMismatch,
  // The record's version is in the store with another ETag.
  kEtagMismatch,
  // An upload whose bytes are in the store and check out, but that was never completed.
  kPendingUpload,
  // The record's version is not in the store, and an earlier --fix already marked the record
  // missing. Known drift: it does not make reconcile exit 1.
  kMissingObjectMarked,
  // The record is marked missing, but its version is in the store again with the recorded size
  // and ETag, so the mark may be cleared.
  kMissingObjectReturned,
};

// The name used in reports and JSON, such as "missing_object".
std::string_view drift_kind_name(DriftKind kind);

struct Drift {
  DriftKind kind = DriftKind::kOrphanObject;
  std::string tenant;
  std::string key;
  // The store version concerned: the record's for kMissingObject and the mismatches, the
  // unknown latest version otherwise.
  std::string version_id;
  // The index's value and the store's value of a mismatch, such as "12" and "15".
  std::string expected;
  std::string found;
  // The record's revision, for the drift of a key that has a record, so that a repair never
  // touches a record that changed since the check.
  std::int64_t revision = 0;
  // For kPendingUpload, the upload to complete.
  std::string upload_id;
  // For kMissingObjectMarked and kMissingObjectReturned, when the record was marked missing.
  std::optional<SystemTime> missing_since;

  bool operator==(const Drift&) const = default;
};

// Everything known about one key: its record, if any, and its store versions newest first.
struct KeyState {
  std::string key;
  std::optional<meta::ObjectRecord> record;
  std::vector<s3::StoreVersion> versions;
};

// The latest store version of a key that is not the record's, and that reconcile must look up
// further (in the history, and as a pending upload) before calling it drift.
struct UnknownVersion {
  s3::StoreVersion version;
  bool has_record = false;
};

// The result of checking one key from the listings alone.
struct KeyCheck {
  std::vector<Drift> drift;
  std::optional<UnknownVersion> unknown_latest;
};

// Compares a key's record with its store versions: kMissingObject when the record's version is
// not listed (or, for a record without a version id, when the key has no live version), or
// kMissingObjectMarked when the record is already marked missing; kSizeMismatch or
// kEtagMismatch when it is listed with other values, and otherwise kMissingObjectReturned when
// the record is marked missing. A live latest version
// other than the record's is returned as unknown_latest. Delete markers are never drift, and
// older versions that are not the record's are store history and are not checked.
KeyCheck check_key(std::string_view tenant, const KeyState& state);

// Decides what an unknown latest version is once the lookups are done: nothing when it is a
// known history entry or younger than grace (an upload in flight), otherwise kOrphanObject or,
// when the key has a record, kVersionMismatch.
std::optional<Drift> classify_unknown(std::string_view tenant, const UnknownVersion& unknown,
                                      bool in_history, SystemTime now, std::chrono::seconds grace);

// Returns why an upload's stored bytes may not be committed by reconcile, or nullopt when they
// check out: the upload is pending and unexpired at now, head names this upload (its upload id
// metadata), and its key, size and content type are the upload's. When the upload declared a
// SHA-256 the store must report the same checksum, because reconcile reads no bytes.
std::optional<std::string> pending_upload_problem(const meta::PendingUpload& upload,
                                                  std::string_view key, const app::ObjectHead& head,
                                                  SystemTime now);

// Merges index records and store versions, each delivered in pages ordered by key bytes, into
// one KeyState per key. A key is handed out once neither listing can still add to it: the
// records have passed it (records are unique per key) and the store versions have moved past
// it (one key's versions may span pages), or the listing has ended.
class KeyMerger {
 public:
  enum class Source { kRecords, kVersions, kNone };

  void add_records(std::vector<meta::ObjectRecord> records, bool last_page);
  void add_versions(std::vector<s3::StoreVersion> versions, bool last_page);

  // The listing to read the next page of, so that memory stays within about one page of each:
  // the one that is behind, or kNone when both have ended.
  Source next_source() const;

  // Removes and returns the keys that are complete, in key order.
  std::vector<KeyState> take_complete();

 private:
  bool complete(std::string_view key) const;

  std::deque<meta::ObjectRecord> records_;
  std::deque<s3::StoreVersion> versions_;
  std::optional<std::string> last_record_key_;
  std::optional<std::string> last_version_key_;
  bool records_done_ = false;
  bool versions_done_ = false;
};

}  // namespace satchel::reconcile
