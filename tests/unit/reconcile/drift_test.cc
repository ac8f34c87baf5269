// The drift check of one key, from index records and store versions alone.
#include "reconcile/drift.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/time_format.h"

using namespace std::chrono_literals;

namespace satchel::reconcile {
namespace {

using s3::StoreVersion;

const SystemTime kNow = from_unix_seconds(1'800'000'000);

StoreVersion version(std::string id, bool latest, std::uint64_t size = 5,
                     SystemTime modified = kNow - 2h) {
  return StoreVersion{.key = "acme/u/a.txt",
                      .version_id = std::move(id),
                      .is_latest = latest,
                      .is_delete_marker = false,
                      .size = size,
                      .etag = "\"etag\"",
                      .last_modified = modified};
}

StoreVersion marker(std::string id, bool latest) {
  StoreVersion entry = version(std::move(id), latest, 0);
  entry.is_delete_marker = true;
  entry.etag.clear();
  return entry;
}

meta::ObjectRecord record(std::string version_id, std::uint64_t size = 5) {
  meta::ObjectRecord stored;
  stored.tenant = "acme";
  stored.key = "acme/u/a.txt";
  stored.version_id = std::move(version_id);
  stored.size = size;
  stored.etag = "\"etag\"";
  stored.revision = 3;
  return stored;
}

KeyState state(std::optional<meta::ObjectRecord> recorded, std::vector<StoreVersion> versions) {
  return KeyState{.key = "acme/u/a.txt", .record = std::move(recorded), .versions = versions};
}

TEST(CheckKey, RecordMatchingLatestIsClean) {
  KeyCheck check =
      check_key("acme", state(record("v2"), {version("v2", true), version("v1", false)}));
  EXPECT_TRUE(check.drift.empty());
  EXPECT_FALSE(check.unknown_latest.has_value());
}

TEST(CheckKey, RecordVersionGoneIsMissingObject) {
  KeyCheck check = check_key("acme", state(record("v2"), {version("v1", true)}));
  ASSERT_EQ(check.drift.size(), 1u);
  EXPECT_EQ(check.drift[0].kind, DriftKind::kMissingObject);
  EXPECT_EQ(check.drift[0].version_id, "v2");
  EXPECT_EQ(check.drift[0].revision, 3);
  // The remaining latest version is not the record's, so it is looked up further.
  ASSERT_TRUE(check.unknown_latest.has_value());
  EXPECT_EQ(check.unknown_latest->version.version_id, "v1");
  EXPECT_TRUE(check.unknown_latest->has_record);
}

TEST(CheckKey, RecordWithNoStoreVersionsIsMissingObject) {
  KeyCheck check = check_key("acme", state(record("v2"), {}));
  ASSERT_EQ(check.drift.size(), 1u);
  EXPECT_EQ(check.drift[0].kind, DriftKind::kMissingObject);
}

TEST(CheckKey, RecordBehindDeleteMarkerIsClean) {
  // Satchel presigns the record's version id, so a delete marker above it hides nothing.
  KeyCheck check =
      check_key("acme", state(record("v1"), {marker("m1", true), version("v1", false)}));
  EXPECT_TRUE(check.drift.empty());
  EXPECT_FALSE(check.unknown_latest.has_value());
}

TEST(CheckKey, SizeAndEtagMismatchAreSeparate) {
  StoreVersion stored = version("v1", true, 9);
  stored.etag = "\"other\"";
  KeyCheck check = check_key("acme", state(record("v1"), {stored}));
  ASSERT_EQ(check.drift.size(), 2u);
  EXPECT_EQ(check.drift[0].kind, DriftKind::kSizeMismatch);
  EXPECT_EQ(check.drift[0].expected, "5");
  EXPECT_EQ(check.drift[0].found, "9");
  EXPECT_EQ(check.drift[1].kind, DriftKind::kEtagMismatch);
  EXPECT_EQ(check.drift[1].expected, "\"etag\"");
  EXPECT_EQ(check.drift[1].found, "\"other\"");
}

TEST(CheckKey, EtagQuotesDoNotMatter) {
  StoreVersion stored = version("v1", true);
  stored.etag = "etag";
  EXPECT_TRUE(check_key("acme", state(record("v1"), {stored})).drift.empty());
}

TEST(CheckKey, UnversionedRecordComparesLatest) {
  EXPECT_TRUE(check_key("acme", state(record(""), {version("null", true)})).drift.empty());
  KeyCheck gone = check_key("acme", state(record(""), {marker("null", true)}));
  ASSERT_EQ(gone.drift.size(), 1u);
  EXPECT_EQ(gone.drift[0].kind, DriftKind::kMissingObject);
}

TEST(CheckKey, KeyWithoutRecordHasUnknownLatest) {
  KeyCheck check = check_key("acme", state(std::nullopt, {version("v9", true)}));
  EXPECT_TRUE(check.drift.empty());
  ASSERT_TRUE(check.unknown_latest.has_value());
  EXPECT_FALSE(check.unknown_latest->has_record);
}

TEST(CheckKey, DeletedKeyWithoutRecordIsClean) {
  KeyCheck check =
      check_key("acme", state(std::nullopt, {marker("m", true), version("v1", false)}));
  EXPECT_TRUE(check.drift.empty());
  EXPECT_FALSE(check.unknown_latest.has_value());
}

TEST(ClassifyUnknown, OldVersionWithoutRecordIsOrphan) {
  UnknownVersion unknown{.version = version("v9", true), .has_record = false};
  auto drift = classify_unknown("acme", unknown, false, kNow, 1h);
  ASSERT_TRUE(drift.has_value());
  EXPECT_EQ(drift->kind, DriftKind::kOrphanObject);
  EXPECT_EQ(drift->tenant, "acme");
  EXPECT_EQ(drift->key, "acme/u/a.txt");
  EXPECT_EQ(drift->version_id, "v9");
}

TEST(ClassifyUnknown, OldVersionBesideRecordIsVersionMismatch) {
  UnknownVersion unknown{.version = version("v9", true), .has_record = true};
  auto drift = classify_unknown("acme", unknown, false, kNow, 1h);
  ASSERT_TRUE(drift.has_value());
  EXPECT_EQ(drift->kind, DriftKind::kVersionMismatch);
}

TEST(ClassifyUnknown, GracePeriodCoversUploadsInFlight) {
  ManualClock clock(kNow);
  UnknownVersion unknown{.version = version("v9", true, 5, kNow), .has_record = false};
  EXPECT_FALSE(classify_unknown("acme", unknown, false, clock.now(), 1h).has_value());
  clock.advance(1h - 1s);
  EXPECT_FALSE(classify_unknown("acme", unknown, false, clock.now(), 1h).has_value());
  clock.advance(1s);
  EXPECT_TRUE(classify_unknown("acme", unknown, false, clock.now(), 1h).has_value());
  EXPECT_TRUE(classify_unknown("acme", unknown, false, kNow, 0s).has_value());
}

TEST(ClassifyUnknown, HistoryEntryIsNotDrift) {
  UnknownVersion unknown{.version = version("v9", true), .has_record = false};
  EXPECT_FALSE(classify_unknown("acme", unknown, true, kNow, 0s).has_value());
}

meta::PendingUpload pending() {
  meta::PendingUpload upload;
  upload.id = "up-1";
  upload.tenant = "acme";
  upload.key = "acme/u/a.txt";
  upload.content_type = "text/plain";
  upload.size = 5;
  upload.expires_at = kNow + 10min;
  return upload;
}

app::ObjectHead head() {
  return app::ObjectHead{.size = 5,
                         .etag = "\"etag\"",
                         .content_type = "text/plain",
                         .version_id = "v9",
                         .upload_id = "up-1",
                         .checksum_sha256 = ""};
}

TEST(PendingUploadProblem, MatchingUploadChecksOut) {
  EXPECT_EQ(pending_upload_problem(pending(), "acme/u/a.txt", head(), kNow), std::nullopt);
}

TEST(PendingUploadProblem, NamesEachMismatch) {
  meta::PendingUpload expired = pending();
  expired.expires_at = kNow;
  EXPECT_EQ(pending_upload_problem(expired, "acme/u/a.txt", head(), kNow), "the upload expired");
  meta::PendingUpload completed = pending();
  completed.state = meta::UploadState::kCompleted;
  EXPECT_EQ(pending_upload_problem(completed, "acme/u/a.txt", head(), kNow),
            "the upload is no longer pending");
  EXPECT_EQ(pending_upload_problem(pending(), "acme/u/b.txt", head(), kNow),
            "the upload is for another key");
  app::ObjectHead other = head();
  other.upload_id = "up-2";
  EXPECT_EQ(pending_upload_problem(pending(), "acme/u/a.txt", other, kNow),
            "the stored bytes belong to another upload");
  app::ObjectHead longer = head();
  longer.size = 6;
  EXPECT_EQ(pending_upload_problem(pending(), "acme/u/a.txt", longer, kNow),
            "the stored size 6 is not the declared 5");
  app::ObjectHead typed = head();
  typed.content_type = "image/png";
  EXPECT_EQ(pending_upload_problem(pending(), "acme/u/a.txt", typed, kNow),
            "the stored content type image/png is not the declared text/plain");
}

TEST(PendingUploadProblem, DeclaredChecksumMustMatchStore) {
  meta::PendingUpload upload = pending();
  // SHA-256 of "hello".
  upload.sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  app::ObjectHead stored = head();
  EXPECT_EQ(pending_upload_problem(upload, "acme/u/a.txt", stored, kNow),
            "the store reports no matching SHA-256 checksum");
  stored.checksum_sha256 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";
  EXPECT_EQ(pending_upload_problem(upload, "acme/u/a.txt", stored, kNow), std::nullopt);
}

TEST(DriftKindName, NamesEveryKind) {
  EXPECT_EQ(drift_kind_name(DriftKind::kMissingObject), "missing_object");
  EXPECT_EQ(drift_kind_name(DriftKind::kOrphanObject), "orphan_object");
  EXPECT_EQ(drift_kind_name(DriftKind::kVersionMismatch), "version_mismatch");
  EXPECT_EQ(drift_kind_name(DriftKind::kSizeMismatch), "size_mismatch");
  EXPECT_EQ(drift_kind_name(DriftKind::kEtagMismatch), "etag_mismatch");
  EXPECT_EQ(drift_kind_name(DriftKind::kPendingUpload), "pending_upload");
  EXPECT_EQ(drift_kind_name(DriftKind::kMissingObjectMarked), "missing_object_marked");
  EXPECT_EQ(drift_kind_name(DriftKind::kMissingObjectReturned), "missing_object_returned");
}

meta::ObjectRecord marked_record(std::string version_id, std::uint64_t size = 5) {
  meta::ObjectRecord stored = record(std::move(version_id), size);
  stored.missing_since = kNow - 1h;
  return stored;
}

TEST(CheckKey, MarkedRecordStillGoneIsAlreadyMarked) {
  KeyCheck check = check_key("acme", state(marked_record("v2"), {version("v1", true)}));
  ASSERT_EQ(check.drift.size(), 1u);
  EXPECT_EQ(check.drift[0].kind, DriftKind::kMissingObjectMarked);
  EXPECT_EQ(check.drift[0].version_id, "v2");
  EXPECT_EQ(check.drift[0].missing_since, kNow - 1h);
  EXPECT_EQ(check.drift[0].revision, 3);
}

TEST(CheckKey, MarkedRecordWhoseVersionIsBackHasReturned) {
  KeyCheck check =
      check_key("acme", state(marked_record("v2"), {version("v2", true), version("v1", false)}));
  ASSERT_EQ(check.drift.size(), 1u);
  EXPECT_EQ(check.drift[0].kind, DriftKind::kMissingObjectReturned);
  EXPECT_EQ(check.drift[0].version_id, "v2");
  EXPECT_FALSE(check.unknown_latest.has_value());
}

TEST(CheckKey, MarkedRecordBackWithOtherSizeStaysMarked) {
  KeyCheck check = check_key("acme", state(marked_record("v2", 9), {version("v2", true)}));
  ASSERT_EQ(check.drift.size(), 1u);
  EXPECT_EQ(check.drift[0].kind, DriftKind::kSizeMismatch);
}

}  // namespace
}  // namespace satchel::reconcile
