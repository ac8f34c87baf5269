// The SQLite schema of the store index: the current tables, the first
// release's tables, and the steps that upgrade a database from one schema
// version to the next. index.cc runs them, and the upgrade tests build old
// databases from the same texts. Internal to the index.
#pragma once

#include <array>
#include <string_view>

namespace satchel::store::index_schema {

// The PRAGMA user_version this binary writes. Version 1 had buckets and
// versions only. Version 2 added checksums, bucket CORS configurations and
// multipart uploads. Version 3 added bucket lifecycle, encryption and Object
// Lock configurations, and the lock state of versions and uploads. Version 4
// added the tags of versions, and version 5 the tags of uploads.
inline constexpr int kSchemaVersion = 5;

// The tables of kSchemaVersion. Every open runs it after the upgrade steps,
// so it creates the tables of a new database. It also creates the indexes
// that some version 2 databases lack, because a release added them to
// version 2 without a new version number.
inline constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  versioning INTEGER NOT NULL,
  cors TEXT NOT NULL DEFAULT '',
  lifecycle TEXT NOT NULL DEFAULT '',
  encryption TEXT NOT NULL DEFAULT '',
  object_lock INTEGER NOT NULL DEFAULT 0,
  default_retention_mode TEXT NOT NULL DEFAULT '',
  default_retention_days INTEGER NOT NULL DEFAULT 0,
  default_retention_years INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  delete_marker INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  content_type TEXT NOT NULL,
  user_metadata TEXT NOT NULL,
  stored_headers TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  checksum_algorithm TEXT NOT NULL DEFAULT '',
  checksum_value TEXT NOT NULL DEFAULT '',
  checksum_type TEXT NOT NULL DEFAULT '',
  lock_mode TEXT NOT NULL DEFAULT '',
  retain_until_ms INTEGER NOT NULL DEFAULT 0,
  legal_hold TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '',
  UNIQUE (bucket, key, version_id)
);
CREATE INDEX IF NOT EXISTS versions_by_key ON versions (bucket, key, seq);
CREATE INDEX IF NOT EXISTS versions_by_file ON versions (file_id);
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  initiated_ms INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  user_metadata TEXT NOT NULL,
  stored_headers TEXT NOT NULL,
  checksum_algorithm TEXT NOT NULL,
  checksum_type TEXT NOT NULL,
  lock_mode TEXT NOT NULL DEFAULT '',
  retain_until_ms INTEGER NOT NULL DEFAULT 0,
  legal_hold TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, initiated_ms);
CREATE TABLE IF NOT EXISTS parts (
  upload_id TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
  part_number INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  checksum TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
CREATE INDEX IF NOT EXISTS parts_by_file ON parts (file_id);
)sql";

// The tables of schema version 1, the first release. The index never
// creates them, but upgrades databases that have them.
inline constexpr std::string_view kVersion1Schema = R"sql(
CREATE TABLE buckets (
  name TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  versioning INTEGER NOT NULL
);
CREATE TABLE versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  delete_marker INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  content_type TEXT NOT NULL,
  user_metadata TEXT NOT NULL,
  stored_headers TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  UNIQUE (bucket, key, version_id)
);
CREATE INDEX versions_by_key ON versions (bucket, key, seq);
)sql";

// Version 1 to 2: checksum columns, bucket CORS, and the multipart upload
// tables in their version 2 layout.
inline constexpr std::string_view kUpgradeTo2 = R"sql(
ALTER TABLE buckets ADD COLUMN cors TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN checksum_algorithm TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN checksum_value TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN checksum_type TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS versions_by_file ON versions (file_id);
CREATE TABLE uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  initiated_ms INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  user_metadata TEXT NOT NULL,
  stored_headers TEXT NOT NULL,
  checksum_algorithm TEXT NOT NULL,
  checksum_type TEXT NOT NULL
);
CREATE INDEX uploads_by_key ON uploads (bucket, key, initiated_ms);
CREATE TABLE parts (
  upload_id TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
  part_number INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  checksum TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
CREATE INDEX IF NOT EXISTS parts_by_file ON parts (file_id);
)sql";

// Version 2 to 3: bucket lifecycle, encryption and Object Lock
// configurations, and the lock state of versions and uploads.
inline constexpr std::string_view kUpgradeTo3 = R"sql(
ALTER TABLE buckets ADD COLUMN lifecycle TEXT NOT NULL DEFAULT '';
ALTER TABLE buckets ADD COLUMN encryption TEXT NOT NULL DEFAULT '';
ALTER TABLE buckets ADD COLUMN object_lock INTEGER NOT NULL DEFAULT 0;
ALTER TABLE buckets ADD COLUMN default_retention_mode TEXT NOT NULL DEFAULT '';
ALTER TABLE buckets ADD COLUMN default_retention_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE buckets ADD COLUMN default_retention_years INTEGER NOT NULL DEFAULT 0;
ALTER TABLE versions ADD COLUMN lock_mode TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN retain_until_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE versions ADD COLUMN legal_hold TEXT NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN lock_mode TEXT NOT NULL DEFAULT '';
ALTER TABLE uploads ADD COLUMN retain_until_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN legal_hold TEXT NOT NULL DEFAULT '';
)sql";

// Version 3 to 4: the tags of versions.
inline constexpr std::string_view kUpgradeTo4 = R"sql(
ALTER TABLE versions ADD COLUMN tags TEXT NOT NULL DEFAULT '';
)sql";

// Version 4 to 5: the tags of uploads, which CompleteMultipartUpload gives
// the new version. Uploads begun before have none.
inline constexpr std::string_view kUpgradeTo5 = R"sql(
ALTER TABLE uploads ADD COLUMN tags TEXT NOT NULL DEFAULT '';
)sql";

// kUpgradeSteps[n - 1] brings a database of version n to version n + 1.
// Applied in order to kVersion1Schema, they give the tables of kSchema.
inline constexpr std::array<std::string_view, kSchemaVersion - 1> kUpgradeSteps = {
    kUpgradeTo2, kUpgradeTo3, kUpgradeTo4, kUpgradeTo5};

}  // namespace satchel::store::index_schema
