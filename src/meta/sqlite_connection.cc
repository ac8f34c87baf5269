#include "meta/sqlite_connection.h"

#include <sqlite3.h>

#include <limits>
#include <string>
#include <utility>

#include "fmt/format.h"

namespace satchel::meta {
namespace {

constexpr std::string_view kBeginImmediate = "BEGIN IMMEDIATE";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";
constexpr std::string_view kConnectionPragmas =
    "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

// Only the start of a statement goes into messages: enough to identify it, and never a
// value, because every value is bound as a parameter.
constexpr std::size_t kMaxSqlInMessage = 60;

std::string_view sql_excerpt(std::string_view sql) { return sql.substr(0, kMaxSqlInMessage); }

MetaErrorCode classify(int code) {
  switch (code) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return MetaErrorCode::kConflict;
    default:
      break;
  }
  if ((code & 0xff) == SQLITE_CONSTRAINT) {
    return MetaErrorCode::kInvalid;
  }
  return MetaErrorCode::kUnavailable;
}

MetaError sqlite_error(sqlite3* database, int code, std::string_view sql) {
  const char* detail = database != nullptr ? sqlite3_errmsg(database) : sqlite3_errstr(code);
  return MetaError{classify(code),
                   fmt::format("SQLite failed ({}: {}) running \"{}\"", sqlite3_errstr(code),
                               detail, sql_excerpt(sql)),
                   std::nullopt};
}

}  // namespace

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)), bind_status_(other.bind_status_) {}

SqliteStatement::~SqliteStatement() {
  if (statement_ != nullptr) {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
}

void SqliteStatement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT makes SQLite copy the bytes, so the view may die before step().
  int status = sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
}

void SqliteStatement::bind(int index, std::int64_t value) {
  int status = sqlite3_bind_int64(statement_, index, value);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
}

void SqliteStatement::bind_optional(int index, const std::optional<std::string>& text) {
  if (text.has_value()) {
    bind(index, std::string_view(*text));
    return;
  }
  int status = sqlite3_bind_null(statement_, index);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
}

void SqliteStatement::bind_optional(int index, std::optional<std::int64_t> value) {
  if (value.has_value()) {
    bind(index, *value);
    return;
  }
  int status = sqlite3_bind_null(statement_, index);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
}

Expected<bool, MetaError> SqliteStatement::step() {
  sqlite3* database = sqlite3_db_handle(statement_);
  if (bind_status_ != SQLITE_OK) {
    return Unexpected(sqlite_error(database, bind_status_, sqlite3_sql(statement_)));
  }
  int status = sqlite3_step(statement_);
  if (status == SQLITE_ROW) return true;
  if (status == SQLITE_DONE) return false;
  return Unexpected(sqlite_error(database, status, sqlite3_sql(statement_)));
}

Expected<void, MetaError> SqliteStatement::run() {
  auto row = step();
  if (!row) return Unexpected(row.error());
  return {};
}

std::string SqliteStatement::text(int column) const {
  // sqlite3_column_bytes must follow sqlite3_column_text to count the text form's bytes.
  const unsigned char* data = sqlite3_column_text(statement_, column);
  int size = sqlite3_column_bytes(statement_, column);
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::optional<std::string> SqliteStatement::optional_text(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

std::int64_t SqliteStatement::int64(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::optional<std::int64_t> SqliteStatement::optional_int64(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return int64(column);
}

Expected<std::unique_ptr<SqliteConnection>, MetaError> SqliteConnection::open(
    const std::filesystem::path& path, std::chrono::milliseconds busy_timeout) {
  sqlite3* database = nullptr;
  // NOMUTEX: the owner already keeps each connection on one thread at a time.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  int status = sqlite3_open_v2(path.c_str(), &database, flags, nullptr);
  if (status != SQLITE_OK) {
    MetaError error{
        MetaErrorCode::kUnavailable,
        fmt::format("cannot open SQLite database {}: {}", path.string(),
                    database != nullptr ? sqlite3_errmsg(database) : sqlite3_errstr(status)),
        std::nullopt};
    sqlite3_close_v2(database);
    return Unexpected(std::move(error));
  }
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(database));

  auto timeout_ms = std::min<std::chrono::milliseconds::rep>(busy_timeout.count(),
                                                             std::numeric_limits<int>::max());
  sqlite3_busy_timeout(database, static_cast<int>(timeout_ms));
  if (auto pragmas = connection->execute_script(kConnectionPragmas); !pragmas) {
    return Unexpected(pragmas.error());
  }
  return connection;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, statement] : statements_) {
    sqlite3_finalize(statement);
  }
  sqlite3_close_v2(database_);
}

Expected<SqliteStatement, MetaError> SqliteConnection::prepare(std::string_view sql) {
  if (auto cached = statements_.find(sql); cached != statements_.end()) {
    return SqliteStatement(cached->second);
  }
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  int status = sqlite3_prepare_v3(database_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &statement, &tail);
  if (status != SQLITE_OK) {
    return Unexpected(sqlite_error(database_, status, sql));
  }
  if (tail != sql.data() + sql.size()) {
    sqlite3_finalize(statement);
    return Unexpected(MetaError{
        MetaErrorCode::kInvalid,
        fmt::format("SQL holds more than one statement: \"{}\"", sql_excerpt(sql)), std::nullopt});
  }
  statements_.emplace(sql, statement);
  return SqliteStatement(statement);
}

Expected<void, MetaError> SqliteConnection::execute_script(std::string_view sql) {
  // sqlite3_exec needs a NUL-terminated string.
  std::string script(sql);
  char* message = nullptr;
  int status = sqlite3_exec(database_, script.c_str(), nullptr, nullptr, &message);
  if (status == SQLITE_OK) return {};
  MetaError error{classify(status),
                  fmt::format("SQLite failed ({}: {}) running \"{}\"", sqlite3_errstr(status),
                              message != nullptr ? message : "no detail", sql_excerpt(sql)),
                  std::nullopt};
  sqlite3_free(message);
  return Unexpected(std::move(error));
}

Expected<SqliteTransaction, MetaError> SqliteTransaction::begin_immediate(
    SqliteConnection& connection) {
  auto begin = connection.prepare(kBeginImmediate);
  if (!begin) return Unexpected(begin.error());
  if (auto started = begin->run(); !started) return Unexpected(started.error());
  return SqliteTransaction(&connection);
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

SqliteTransaction::~SqliteTransaction() {
  if (connection_ == nullptr) return;
  // After some errors SQLite has already rolled back, and ROLLBACK then fails only because no
  // transaction is active, so its result is ignored.
  if (auto rollback = connection_->prepare(kRollback)) {
    (void)rollback->run();
  }
}

Expected<void, MetaError> SqliteTransaction::commit() {
  auto commit = connection_->prepare(kCommit);
  if (!commit) return Unexpected(commit.error());
  if (auto done = commit->run(); !done) return Unexpected(done.error());
  connection_ = nullptr;
  return {};
}

}  // namespace satchel::meta
