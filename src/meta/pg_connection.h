// A thin owner of one libpq connection, its prepared statements and its results. Internal to
// the PostgreSQL back end: nothing outside src/meta includes it, except tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/expected.h"
#include "common/secret.h"
#include "meta/meta_error.h"

extern "C" {
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
}

namespace satchel::meta {

// Per-session settings applied to every connection right after it opens.
struct PgSessionSettings {
  // How long to wait for the server when connecting, in whole seconds (libpq's unit).
  std::chrono::seconds connect_timeout{10};
  // How long a statement waits for a row or advisory lock held by another transaction before
  // failing with kUnavailable, like SQLite's busy timeout.
  std::chrono::milliseconds lock_timeout{5000};
  // How long one statement may run before the server cancels it (kUnavailable).
  std::chrono::milliseconds statement_timeout{30000};
};

// The values bound to $1, $2, ... of one statement, sent in text format. NULL for nullopt.
class PgParams {
 public:
  PgParams& text(std::string_view value);
  PgParams& int64(std::int64_t value);
  PgParams& boolean(bool value);
  PgParams& optional_text(const std::optional<std::string>& value);
  PgParams& optional_int64(std::optional<std::int64_t> value);

  std::size_t size() const { return values_.size(); }
  // Pointers for libpq, valid while this object is unchanged. nullptr stands for NULL.
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// The rows of one successful statement, in text format. Rows and columns are numbered from 0.
class PgResult {
 public:
  explicit PgResult(PGresult* result);
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&&) = delete;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const;
  // The number of rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected_rows() const;

  bool is_null(int row, int column) const;
  std::string text(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  // A column of an integer type. 0 when the value is NULL.
  std::int64_t int64(int row, int column) const;
  std::optional<std::int64_t> optional_int64(int row, int column) const;
  // A boolean column, which libpq's text format sends as "t" or "f".
  bool boolean(int row, int column) const;

 private:
  friend class PgConnection;

  PGresult* result_;
};

// One PostgreSQL connection. Not thread-safe: one thread uses it at a time, which its owner
// guarantees with a pool.
class PgConnection {
 public:
  // Connects with conninfo, a libpq key=value string or a postgres:// URI, forcing
  // client_encoding UTF8 and applying settings. Fails with kUnavailable, and the message never
  // contains the conninfo, which may hold a password.
  static Expected<std::unique_ptr<PgConnection>, MetaError> open(const Secret& conninfo,
                                                                 const PgSessionSettings& settings);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // Runs sql as a prepared statement with params. sql must be a constant with static storage,
  // because the statement cache keeps a view of it. Each distinct sql is prepared once per
  // connection.
  Expected<PgResult, MetaError> execute(std::string_view sql, const PgParams& params);

  // Runs constant SQL that may contain several statements and binds no values (schema
  // scripts, BEGIN, COMMIT).
  Expected<void, MetaError> execute_script(std::string_view sql);

  // True while the connection is open and outside any transaction, so it may be reused.
  bool is_reusable() const;
  // True once the connection to the server is lost.
  bool is_broken() const;

 private:
  explicit PgConnection(PGconn* connection) : connection_(connection) {}

  PGconn* connection_;
  // Statement names by SQL. Keys are views of static SQL constants.
  std::unordered_map<std::string_view, std::string> prepared_;
};

// A transaction on one connection, rolled back on destruction unless committed.
class PgTransaction {
 public:
  static Expected<PgTransaction, MetaError> begin(PgConnection& connection);

  PgTransaction(PgTransaction&& other) noexcept;
  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();

  Expected<void, MetaError> commit();

 private:
  explicit PgTransaction(PgConnection* connection) : connection_(connection) {}

  // Null once committed, rolled back or moved from.
  PgConnection* connection_;
};

}  // namespace satchel::meta
