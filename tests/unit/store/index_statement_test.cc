// The store index's cache of prepared statements, on an in-memory database.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>

#include "store/index_sqlite.h"

namespace satchel::store::index_sqlite {
namespace {

std::unique_ptr<Connection> open_memory_database() {
  sqlite3* handle = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &handle), SQLITE_OK);
  auto connection = std::make_unique<Connection>(handle);
  EXPECT_TRUE(execute(handle, "CREATE TABLE items (name TEXT NOT NULL)").has_value());
  return connection;
}

constexpr std::string_view kEcho = "SELECT ?1";

TEST(StatementCache, ReusedStatementStartsClean) {
  auto database = open_memory_database();
  {
    Statement first(*database, kEcho);
    first.bind(1, "bound");
    auto row = first.step();
    ASSERT_TRUE(row.has_value());
    ASSERT_TRUE(*row);
    EXPECT_EQ(first.text(0), "bound");
  }
  // The cached statement comes back reset and without the earlier binding, which reads as NULL.
  Statement second(*database, kEcho);
  auto row = second.step();
  ASSERT_TRUE(row.has_value());
  ASSERT_TRUE(*row);
  EXPECT_EQ(second.text(0), "");
}

TEST(StatementCache, SameSqlTwiceAtOnce) {
  auto database = open_memory_database();
  Statement outer(*database, kEcho);
  outer.bind(1, "outer");
  Statement inner(*database, kEcho);
  inner.bind(1, "inner");
  auto inner_row = inner.step();
  ASSERT_TRUE(inner_row.has_value());
  ASSERT_TRUE(*inner_row);
  auto outer_row = outer.step();
  ASSERT_TRUE(outer_row.has_value());
  ASSERT_TRUE(*outer_row);
  EXPECT_EQ(inner.text(0), "inner");
  EXPECT_EQ(outer.text(0), "outer");
}

TEST(StatementCache, WritesSeenByLaterReads) {
  auto database = open_memory_database();
  for (std::string_view name : {"a", "b", "c"}) {
    Statement insert(*database, "INSERT INTO items (name) VALUES (?1)");
    insert.bind(1, name);
    ASSERT_TRUE(insert.run().has_value());
  }
  Statement count(*database, "SELECT count(*) FROM items");
  auto row = count.step();
  ASSERT_TRUE(row.has_value());
  ASSERT_TRUE(*row);
  EXPECT_EQ(count.int64(0), 3);
}

TEST(StatementCache, InvalidSqlFailsOnStep) {
  auto database = open_memory_database();
  for (int attempt = 0; attempt < 2; ++attempt) {
    Statement broken(*database, "SELECT FROM nowhere");
    EXPECT_FALSE(broken.step().has_value());
  }
}

}  // namespace
}  // namespace satchel::store::index_sqlite
