#include "meta/sqlite_connection_pool.h"

#include <utility>

namespace satchel::meta {
namespace {

constexpr std::string_view kReaderPragmas = "PRAGMA query_only = ON;";

}  // namespace

std::unique_ptr<SqliteConnectionPool> make_sqlite_reader_pool(
    std::filesystem::path path, std::chrono::milliseconds busy_timeout,
    std::size_t max_connections) {
  auto open = [path = std::move(path),
               busy_timeout]() -> Expected<std::unique_ptr<SqliteConnection>, MetaError> {
    auto opened = SqliteConnection::open(path, busy_timeout);
    if (!opened) return Unexpected(opened.error());
    if (auto pragmas = (*opened)->execute_script(kReaderPragmas); !pragmas) {
      return Unexpected(pragmas.error());
    }
    return std::move(*opened);
  };
  // Readers never open a transaction, so a returned connection is always reusable.
  auto is_reusable = [](const SqliteConnection&) { return true; };
  return std::make_unique<SqliteConnectionPool>(std::move(open), is_reusable, max_connections);
}

}  // namespace satchel::meta
