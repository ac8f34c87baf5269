// Upgrades of the store index from older schema versions. Each old database
// is built from the first release's tables and the upgrade steps that
// index.cc runs, so the test and the upgrade agree on every old layout.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine_fixture.h"
#include "store/index_schema.h"

namespace satchel::store {
namespace {

// Writes a database of the given schema version, then runs rows, INSERT
// statements in that version's layout. Returns SQLite's error message, or
// an empty string on success.
std::string create_database(const std::filesystem::path& path, int version, std::string_view rows) {
  std::string script(index_schema::kVersion1Schema);
  for (int from = 1; from < version; ++from) {
    script += index_schema::kUpgradeSteps[static_cast<size_t>(from - 1)];
  }
  script += rows;
  script += "PRAGMA user_version=" + std::to_string(version) + ";";
  sqlite3* database = nullptr;
  if (sqlite3_open(path.c_str(), &database) != SQLITE_OK) {
    sqlite3_close(database);
    return "cannot open " + path.string();
  }
  char* message = nullptr;
  std::string error;
  if (sqlite3_exec(database, script.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    error = message ? message : "sqlite3_exec failed";
  }
  sqlite3_free(message);
  sqlite3_close(database);
  return error;
}

int append_row(void* output, int columns, char** values, char** /*names*/) {
  std::string line;
  for (int i = 0; i < columns; ++i) {
    line += (i == 0 ? "" : " | ") + std::string(values[i] ? values[i] : "NULL");
  }
  static_cast<std::vector<std::string>*>(output)->push_back(std::move(line));
  return 0;
}

// Every table's columns (name, type, NOT NULL, default, primary key) and
// every named index, one line each, in a stable order.
std::vector<std::string> describe_schema(const std::filesystem::path& path) {
  sqlite3* database = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
  std::vector<std::string> tables;
  EXPECT_EQ(
      sqlite3_exec(database, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                   append_row, &tables, nullptr),
      SQLITE_OK);
  std::vector<std::string> lines;
  for (const auto& table : tables) {
    std::string columns = "SELECT '" + table +
                          "', name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('" +
                          table + "') ORDER BY cid";
    EXPECT_EQ(sqlite3_exec(database, columns.c_str(), append_row, &lines, nullptr), SQLITE_OK);
  }
  EXPECT_EQ(sqlite3_exec(database,
                         "SELECT 'index', name, tbl_name FROM sqlite_master WHERE type = 'index' "
                         "AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
                         append_row, &lines, nullptr),
            SQLITE_OK);
  sqlite3_close(database);
  return lines;
}

constexpr std::string_view kBucketRow =
    "INSERT INTO buckets (name, created_at_ms, versioning) VALUES ('old', 1700000000000, 1);";
constexpr std::string_view kVersionRow =
    "INSERT INTO versions (bucket, key, version_id, delete_marker, file_id, size, etag, sha256, "
    "content_type, user_metadata, stored_headers, last_modified_ms) "
    "VALUES ('old', 'k', 'v1', 0, 'f', 1, 'e', 's', 'text/plain', '[]', '[]', 1700000000000);";
constexpr std::string_view kUploadRow =
    "INSERT INTO uploads (upload_id, bucket, key, initiated_ms, content_type, user_metadata, "
    "stored_headers, checksum_algorithm, checksum_type) "
    "VALUES ('u', 'old', 'k', 1700000000000, 'text/plain', '[]', '[]', '', 'COMPOSITE');";
constexpr std::string_view kPartRow =
    "INSERT INTO parts (upload_id, part_number, file_id, size, etag, checksum, last_modified_ms) "
    "VALUES ('u', 1, 'p1', 5242880, 'e1', '', 1700000000000);";

std::string rows(std::initializer_list<std::string_view> statements) {
  std::string script;
  for (auto statement : statements) script += statement;
  return script;
}

TEST(IndexMigration, UpgradesVersion1Database) {
  TempDir dir;
  auto path = dir.path() / "index.db";
  ASSERT_EQ(create_database(path, 1, rows({kBucketRow, kVersionRow})), "");

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
  upload.tags = {{"a", "1"}};
  EXPECT_TRUE((*index)->create_upload(upload));
  auto created = (*index)->find_upload("old", "k", "u");
  ASSERT_TRUE(created);
  ASSERT_TRUE(*created);
  EXPECT_EQ((*created)->tags, (HeaderList{{"a", "1"}}));
}

TEST(IndexMigration, UpgradesVersion2Database) {
  TempDir dir;
  auto path = dir.path() / "index.db";
  ASSERT_EQ(create_database(path, 2, rows({kBucketRow, kVersionRow, kUploadRow})), "");

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
  EXPECT_TRUE((*upload)->tags.empty());
  EXPECT_TRUE((*index)->set_bucket_document("old", StoreIndex::BucketDocument::kLifecycle, "x"));
  EXPECT_TRUE((*index)->set_object_lock("old", {}));
}

TEST(IndexMigration, UpgradesVersion3Database) {
  TempDir dir;
  auto path = dir.path() / "index.db";
  constexpr std::string_view kLockedVersionRow =
      "INSERT INTO versions (bucket, key, version_id, delete_marker, file_id, size, etag, sha256, "
      "content_type, user_metadata, stored_headers, last_modified_ms, legal_hold) "
      "VALUES ('old', 'k', 'v1', 0, 'f', 1, 'e', 's', 'text/plain', '[]', '[]', 1700000000000, "
      "'ON');";
  ASSERT_EQ(create_database(path, 3, rows({kBucketRow, kLockedVersionRow})), "");

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

TEST(IndexMigration, Version4UploadStaysCompletable) {
  TempDir dir;
  auto path = dir.path() / "index.db";
  ASSERT_EQ(create_database(path, 4, rows({kBucketRow, kUploadRow, kPartRow})), "");

  auto index = StoreIndex::open(path);
  ASSERT_TRUE(index) << index.error();
  auto upload = (*index)->find_upload("old", "k", "u");
  ASSERT_TRUE(upload);
  ASSERT_TRUE(*upload);
  EXPECT_TRUE((*upload)->tags.empty());
  EXPECT_EQ((*upload)->content_type, "text/plain");

  UploadedPart second{2, "p2", 3, "e2", "", from_unix_seconds(1700000001)};
  auto replaced = (*index)->record_part(**upload, second);
  ASSERT_TRUE(replaced);
  EXPECT_TRUE(replaced->empty());
  auto parts = (*index)->list_parts("u");
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].file_id, "p1");
  EXPECT_EQ((*parts)[1].file_id, "p2");

  ObjectVersion assembled;
  assembled.bucket = "old";
  assembled.key = "k";
  assembled.file_id = "assembled";
  assembled.size = 5242883;
  assembled.etag = "e-2";
  assembled.content_type = (*upload)->content_type;
  assembled.tags = (*upload)->tags;
  auto completed = (*index)->complete_upload(**upload, assembled, "v2", {});
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->orphaned_file_ids, (std::vector<std::string>{"p1", "p2"}));
  auto version = (*index)->find_version("old", "k", "v2");
  ASSERT_TRUE(version);
  ASSERT_TRUE(*version);
  EXPECT_EQ((*version)->file_id, "assembled");
  EXPECT_TRUE((*version)->tags.empty());
  auto finished_upload = (*index)->find_upload("old", "k", "u");
  ASSERT_TRUE(finished_upload);
  EXPECT_FALSE(*finished_upload);
}

TEST(IndexMigration, UpgradedTablesMatchNewTables) {
  TempDir dir;
  auto upgraded = dir.path() / "upgraded.db";
  ASSERT_EQ(create_database(upgraded, 1, ""), "");
  ASSERT_TRUE(StoreIndex::open(upgraded));
  auto created = dir.path() / "created.db";
  ASSERT_TRUE(StoreIndex::open(created));

  auto expected = describe_schema(created);
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(describe_schema(upgraded), expected);
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
