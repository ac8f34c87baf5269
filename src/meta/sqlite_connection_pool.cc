#include "meta/sqlite_connection_pool.h"

#include <algorithm>
#include <utility>

namespace satchel::meta {
namespace {

constexpr std::string_view kReaderPragmas = "PRAGMA query_only = ON;";

}  // namespace

PooledConnection::~PooledConnection() {
  if (connection_ != nullptr) pool_->release(std::move(connection_));
}

SqliteConnectionPool::SqliteConnectionPool(std::filesystem::path path,
                                           std::chrono::milliseconds busy_timeout,
                                           std::size_t max_connections)
    : path_(std::move(path)),
      busy_timeout_(busy_timeout),
      max_connections_(std::max<std::size_t>(max_connections, 1)) {}

Expected<PooledConnection, MetaError> SqliteConnectionPool::acquire() {
  {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [this] { return !idle_.empty() || open_count_ < max_connections_; });
    if (!idle_.empty()) {
      std::unique_ptr<SqliteConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return PooledConnection(this, std::move(connection));
    }
    // Reserve the slot, then open outside the lock so other readers are not held up.
    ++open_count_;
  }

  auto opened = SqliteConnection::open(path_, busy_timeout_);
  if (opened) {
    if (auto pragmas = (*opened)->execute_script(kReaderPragmas); !pragmas) {
      opened = Unexpected(pragmas.error());
    }
  }
  if (!opened) {
    std::lock_guard lock(mutex_);
    --open_count_;
    released_.notify_one();
    return Unexpected(opened.error());
  }
  return PooledConnection(this, std::move(*opened));
}

void SqliteConnectionPool::release(std::unique_ptr<SqliteConnection> connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  released_.notify_one();
}

}  // namespace satchel::meta
