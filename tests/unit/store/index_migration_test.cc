#include <gtest/gtest.h>
#include <sqlite3.h>

#include "engine_fixture.h"

namespace satchel::store {
namespace {

// The schema of the first release, with one bucket and one object row.
constexpr const char* kVersion1Database = R"sql(
CREATE TABLE buckets (name TEXT PRIMARY KEY, created_at_ms INTEGER NOT NULL,
  versioning INTEGER NOT NULL);
CREATE TABLE versions (seq INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket TEXT NOT NULL REFERENCES buckets(name), key TEXT NOT NULL, version_id TEXT NOT NULL,
  delete_marker INTEGER NOT NULL, file_id TEXT NOT NULL, size INTEGER NOT NULL,
  etag TEXT NOT NULL, sha256 TEXT NOT NULL, content_type TEXT NOT NULL,
  user_metadata TEXT NOT NULL, stored_headers TEXT NOT NULL,
  last_modified_ms INTEGER NOT NULL, UNIQUE (bucket, key, version_id));
CREATE INDEX versions_by_key ON versions (bucket, key, seq);
INSERT INTO buckets VALUES ('old', 1700000000000, 1);
INSERT INTO versions (bucket, key, version_id, delete_marker, file_id, size, etag, sha256,
  content_type, user_metadata, stored_headers, last_modified_ms)
  VALUES ('old', 'k', 'v1', 0, 'f', 1, 'e', 's', 'text/plain', '[]', '[]', 1700000000000);
PRAGMA user_version=1;
)sql";

TEST(IndexMigration, UpgradesVersion1Database) {
  TempDir dir;
  auto path = dir.path() / "index.db";
  sqlite3* database = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(database, kVersion1Database, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(database);

  auto index = StoreIndex::open(path);
  ASSERT_TRUE(index) << index.error();
  auto version = (*index)->find_version("old", "k", "v1");
  ASSERT_TRUE(version);
  ASSERT_TRUE(*version);
  EXPECT_EQ((*version)->content_type, "text/plain");
  EXPECT_FALSE((*version)->checksum);
  EXPECT_TRUE((*index)->set_cors("old", "[]"));
  MultipartUpload upload;
  upload.upload_id = "u";
  upload.bucket = "old";
  upload.key = "k";
  EXPECT_TRUE((*index)->create_upload(upload));
}

// The schema of version 2 (checksums, CORS and multipart uploads), with a
// bucket, an object version and an upload in progress.
constexpr const char* kVersion2Database = R"sql(CREATE TABLE buckets (
  name TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  versioning INTEGER NOT NULL,
  cors TEXT NOT NULL DEFAULT ''
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
  checksum_algorithm TEXT NOT NULL DEFAULT '',
  checksum_value TEXT NOT NULL DEFAULT '',
  checksum_type TEXT NOT NULL DEFAULT '',
  UNIQUE (bucket, key, version_id)
);
CREATE INDEX versions_by_key ON versions (bucket, key, seq);
CREATE INDEX versions_by_file ON versions (file_id);
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
CREATE INDEX parts_by_file ON parts (file_id);
INSERT INTO buckets (name, created_at_ms, versioning) VALUES ('old', 1700000000000, 1);
INSERT INTO versions (bucket, key, version_id, delete_marker, file_id, size, etag, sha256,
  content_type, user_metadata, stored_headers, last_modified_ms)
  VALUES ('old', 'k', 'v1', 0, 'f', 1, 'e', 's', 'text/plain', '[]', '[]', 1700000000000);
INSERT INTO uploads VALUES ('u', 'old', 'k', 1700000000000, 'text/plain', '[]', '[]', '',
  'COMPOSITE');
PRAGMA user_version=2;
)sql";

TEST(IndexMigration, UpgradesVersion2Database) {
  TempDir dir;
  auto path = dir.path() / "index.db";
  sqlite3* database = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(database, kVersion2Database, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(database);

  auto index = StoreIndex::open(path);
  ASSERT_TRUE(index) << index.error();
  auto bucket = (*index)->find_bucket("old");
  ASSERT_TRUE(bucket);
  ASSERT_TRUE(*bucket);
  EXPECT_FALSE((*bucket)->object_lock);
  auto version = (*index)->find_version("old", "k", "v1");
  ASSERT_TRUE(version);
  ASSERT_TRUE(*version);
  EXPECT_FALSE((*version)->lock.retention);
  EXPECT_FALSE((*version)->lock.legal_hold);
  auto upload = (*index)->find_upload("old", "k", "u");
  ASSERT_TRUE(upload);
  ASSERT_TRUE(*upload);
  EXPECT_FALSE((*upload)->lock.legal_hold);
  EXPECT_TRUE((*index)->set_bucket_document("old", StoreIndex::BucketDocument::kLifecycle, "x"));
  EXPECT_TRUE((*index)->set_object_lock("old", {}));
}

// The buckets and versions tables of version 3 (lifecycle, encryption and
// Object Lock), with one locked object version; kSchema adds the rest.
constexpr const char* kVersion3Database = R"sql(CREATE TABLE buckets (
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
  checksum_algorithm TEXT NOT NULL DEFAULT '',
  checksum_value TEXT NOT NULL DEFAULT '',
  checksum_type TEXT NOT NULL DEFAULT '',
  lock_mode TEXT NOT NULL DEFAULT '',
  retain_until_ms INTEGER NOT NULL DEFAULT 0,
  legal_hold TEXT NOT NULL DEFAULT '',
  UNIQUE (bucket, key, version_id)
);
INSERT INTO buckets (name, created_at_ms, versioning) VALUES ('old', 1700000000000, 1);
INSERT INTO versions (bucket, key, version_id, delete_marker, file_id, size, etag, sha256,
  content_type, user_metadata, stored_headers, last_modified_ms, legal_hold)
  VALUES ('old', 'k', 'v1', 0, 'f', 1, 'e', 's', 'text/plain', '[]', '[]', 1700000000000, 'ON');
PRAGMA user_version=3;
)sql";

TEST(IndexMigration, UpgradesVersion3Database) {
  TempDir dir;
  auto path = dir.path() / "index.db";
  sqlite3* database = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(database, kVersion3Database, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(database);

  auto index = StoreIndex::open(path);
  ASSERT_TRUE(index) << index.error();
  auto version = (*index)->find_version("old", "k", "v1");
  ASSERT_TRUE(version);
  ASSERT_TRUE(*version);
  EXPECT_TRUE((*version)->tags.empty());
  EXPECT_EQ((*version)->lock.legal_hold, std::optional<bool>(true));
  auto tagged = (*index)->update_tags("old", "k", "v1", {{"a", "1"}});
  ASSERT_TRUE(tagged);
  auto reread = (*index)->find_version("old", "k", "v1");
  ASSERT_TRUE(reread && *reread);
  EXPECT_EQ((*reread)->tags, (HeaderList{{"a", "1"}}));
  EXPECT_EQ((*reread)->lock.legal_hold, std::optional<bool>(true));
}

TEST(IndexMigration, RejectsNewerSchema) {
  TempDir dir;
  auto path = dir.path() / "index.db";
  sqlite3* database = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(database, "PRAGMA user_version=99;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(database);
  auto index = StoreIndex::open(path);
  ASSERT_FALSE(index);
  EXPECT_NE(index.error().find("newer"), std::string::npos);
}

}  // namespace
}  // namespace satchel::store
