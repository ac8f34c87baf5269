// A thin owner of one SQLite connection and its prepared statements. Internal to the SQLite
// back end: nothing outside src/meta includes it, except tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/expected.h"
#include "meta/meta_error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace satchel::meta {

// A prepared statement borrowed from its connection's cache. Destroying it resets the
// statement and clears its bindings, so the next borrower starts clean. Parameters are
// numbered from 1 and columns from 0, as in the SQLite C API.
class SqliteStatement {
 public:
  explicit SqliteStatement(sqlite3_stmt* statement) : statement_(statement) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // A binding failure is a programming error, such as a wrong index. The first one is kept
  // and returned by the next step().
  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t value);
  // Binds NULL for nullopt.
  void bind_optional(int index, const std::optional<std::string>& text);
  void bind_optional(int index, std::optional<std::int64_t> value);

  // Advances the statement. Returns true when a row is ready and false when it is done.
  Expected<bool, MetaError> step();
  // Runs a statement that returns no rows.
  Expected<void, MetaError> run();

  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t int64(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;

 private:
  sqlite3_stmt* statement_;
  int bind_status_ = 0;
};

// One SQLite connection. Not thread-safe: one thread uses it at a time, which its owner
// guarantees with a mutex or a pool.
class SqliteConnection {
 public:
  // Opens an existing database file read-write with foreign_keys=ON, synchronous=NORMAL and
  // the busy timeout. It never creates the file, so the file's mode stays the creator's.
  static Expected<std::unique_ptr<SqliteConnection>, MetaError> open(
      const std::filesystem::path& path, std::chrono::milliseconds busy_timeout);

  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection();

  // Returns the cached prepared statement for sql, preparing it on first use. sql must be a
  // constant with static storage, because the cache keeps a view of it. One statement is
  // borrowed at a time: borrowing the same sql twice at once is a programming error.
  Expected<SqliteStatement, MetaError> prepare(std::string_view sql);

  // Runs constant SQL that may contain several statements and binds no values (schema scripts).
  Expected<void, MetaError> execute_script(std::string_view sql);

 private:
  explicit SqliteConnection(sqlite3* database) : database_(database) {}

  sqlite3* database_;
  // Keys are views of static SQL constants.
  std::unordered_map<std::string_view, sqlite3_stmt*> statements_;
};

// A write transaction started with BEGIN IMMEDIATE, which takes the database's write lock at
// once so that the reads inside it cannot go stale. Rolled back on destruction unless
// committed.
class SqliteTransaction {
 public:
  static Expected<SqliteTransaction, MetaError> begin_immediate(SqliteConnection& connection);

  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();

  Expected<void, MetaError> commit();

 private:
  explicit SqliteTransaction(SqliteConnection* connection) : connection_(connection) {}

  // Null once committed, rolled back or moved from.
  SqliteConnection* connection_;
};

}  // namespace satchel::meta
