#include "meta/pg_connection.h"

#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <utility>

#include "fmt/format.h"

namespace satchel::meta {
namespace {

constexpr std::string_view kBegin = "BEGIN";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";
constexpr const char* kApplicationName = "satchel";

// Only the start of a statement goes into messages: enough to identify it, and never a
// value, because every value is bound as a parameter.
constexpr std::size_t kMaxSqlInMessage = 60;

std::string_view sql_excerpt(std::string_view sql) { return sql.substr(0, kMaxSqlInMessage); }

// libpq ends its messages with a newline.
std::string trimmed(const char* text) {
  std::string message = text != nullptr ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

// Maps an SQLSTATE to an error code. Lock and statement timeouts, serialization failures,
// deadlocks and lost connections are kUnavailable, because a retry may succeed.
MetaErrorCode classify(std::string_view sqlstate) {
  if (sqlstate == "23505") return MetaErrorCode::kConflict;  // unique_violation
  if (sqlstate.starts_with("22") || sqlstate.starts_with("23")) {
    return MetaErrorCode::kInvalid;  // data exception or other integrity violation
  }
  return MetaErrorCode::kUnavailable;
}

// The error of a failed result. The detail field is left out because it can quote values.
MetaError result_error(PGconn* connection, const PGresult* result, std::string_view sql) {
  const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary != nullptr ? trimmed(primary) : trimmed(PQerrorMessage(connection));
  std::string_view state = sqlstate != nullptr ? sqlstate : "";
  return MetaError{classify(state),
                   fmt::format("PostgreSQL failed ({}{}) running \"{}\"",
                               state.empty() ? "" : fmt::format("SQLSTATE {}: ", state), message,
                               sql_excerpt(sql)),
                   std::nullopt};
}

bool succeeded(const PGresult* result) {
  ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Only integers are formatted into it. NOTICE messages (such as "relation already exists,
// skipping") are turned off because libpq prints them to stderr.
std::string session_setup_sql(const PgSessionSettings& settings) {
  return fmt::format(
      "SET lock_timeout = {}; SET statement_timeout = {}; SET client_min_messages = warning",
      settings.lock_timeout.count(), settings.statement_timeout.count());
}

}  // namespace

PgParams& PgParams::text(std::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}

PgParams& PgParams::int64(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

PgParams& PgParams::boolean(bool value) {
  values_.emplace_back(value ? "true" : "false");
  return *this;
}

PgParams& PgParams::optional_text(const std::optional<std::string>& value) {
  values_.push_back(value);
  return *this;
}

PgParams& PgParams::optional_int64(std::optional<std::int64_t> value) {
  if (value.has_value()) return int64(*value);
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> pointers;
  pointers.reserve(values_.size());
  for (const auto& value : values_) pointers.push_back(value ? value->c_str() : nullptr);
  return pointers;
}

PgResult::PgResult(PGresult* result) : result_(result) {}

PgResult::PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

int PgResult::rows() const { return PQntuples(result_); }

std::int64_t PgResult::affected_rows() const {
  std::string_view count = PQcmdTuples(result_);
  std::int64_t value = 0;
  std::from_chars(count.data(), count.data() + count.size(), value);
  return value;
}

bool PgResult::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string PgResult::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::optional<std::string> PgResult::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return text(row, column);
}

std::int64_t PgResult::int64(int row, int column) const {
  const char* value = PQgetvalue(result_, row, column);
  std::size_t length = static_cast<std::size_t>(PQgetlength(result_, row, column));
  std::int64_t number = 0;
  std::from_chars(value, value + length, number);
  return number;
}

std::optional<std::int64_t> PgResult::optional_int64(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return int64(row, column);
}

bool PgResult::boolean(int row, int column) const {
  return PQgetlength(result_, row, column) > 0 && PQgetvalue(result_, row, column)[0] == 't';
}

Expected<std::unique_ptr<PgConnection>, MetaError> PgConnection::open(
    const Secret& conninfo, const PgSessionSettings& settings) {
  std::string timeout = std::to_string(settings.connect_timeout.count());
  // Keywords before dbname are defaults that conninfo may override. client_encoding comes
  // after it and wins, because libpq expands the first dbname in place and later keywords
  // replace its values.
  const std::array<const char*, 5> keywords{"application_name", "connect_timeout", "dbname",
                                            "client_encoding", nullptr};
  const std::array<const char*, 5> values{kApplicationName, timeout.c_str(),
                                          conninfo.reveal().c_str(), "UTF8", nullptr};
  PGconn* connection = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (connection == nullptr) {
    return Unexpected(MetaError{MetaErrorCode::kUnavailable,
                                "cannot connect to PostgreSQL: libpq is out of memory",
                                std::nullopt});
  }
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string message = trimmed(PQerrorMessage(connection));
    PQfinish(connection);
    return Unexpected(MetaError{MetaErrorCode::kUnavailable,
                                fmt::format("cannot connect to PostgreSQL: {}", message),
                                std::nullopt});
  }
  std::unique_ptr<PgConnection> opened(new PgConnection(connection));
  std::string setup = session_setup_sql(settings);
  if (auto configured = opened->execute_script(setup); !configured) {
    return Unexpected(configured.error());
  }
  return opened;
}

PgConnection::~PgConnection() { PQfinish(connection_); }

Expected<PgResult, MetaError> PgConnection::execute(std::string_view sql, const PgParams& params) {
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    std::string name = fmt::format("satchel_{}", prepared_.size() + 1);
    PgResult prepared(PQprepare(connection_, name.c_str(), std::string(sql).c_str(), 0, nullptr));
    if (!succeeded(prepared.result_)) {
      return Unexpected(result_error(connection_, prepared.result_, sql));
    }
    found = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values = params.pointers();
  PgResult result(PQexecPrepared(connection_, found->second.c_str(),
                                 static_cast<int>(values.size()), values.data(), nullptr, nullptr,
                                 /*resultFormat=*/0));
  if (!succeeded(result.result_)) return Unexpected(result_error(connection_, result.result_, sql));
  return result;
}

Expected<void, MetaError> PgConnection::execute_script(std::string_view sql) {
  PgResult result(PQexec(connection_, std::string(sql).c_str()));
  if (!succeeded(result.result_)) return Unexpected(result_error(connection_, result.result_, sql));
  return {};
}

bool PgConnection::is_reusable() const {
  return PQstatus(connection_) == CONNECTION_OK && PQtransactionStatus(connection_) == PQTRANS_IDLE;
}

bool PgConnection::is_broken() const { return PQstatus(connection_) != CONNECTION_OK; }

Expected<PgTransaction, MetaError> PgTransaction::begin(PgConnection& connection) {
  if (auto begun = connection.execute_script(kBegin); !begun) return Unexpected(begun.error());
  return PgTransaction(&connection);
}

PgTransaction::PgTransaction(PgTransaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

PgTransaction::~PgTransaction() {
  if (connection_ != nullptr && !connection_->is_broken()) {
    // A failed rollback leaves the connection inside a transaction, and the pool then closes it
    // instead of reusing it.
    (void)connection_->execute_script(kRollback);
  }
}

Expected<void, MetaError> PgTransaction::commit() {
  PgConnection* connection = std::exchange(connection_, nullptr);
  return connection->execute_script(kCommit);
}

}  // namespace satchel::meta
