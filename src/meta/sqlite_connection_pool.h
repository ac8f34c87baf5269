// A bounded pool of read-only SQLite connections for concurrent readers (WAL lets readers run
// beside the writer).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/sqlite_connection.h"

namespace satchel::meta {

class SqliteConnectionPool;

// Exclusive use of one pooled connection, returned to the pool on destruction.
class PooledConnection {
 public:
  PooledConnection(SqliteConnectionPool* pool, std::unique_ptr<SqliteConnection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  PooledConnection(PooledConnection&&) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection();

  SqliteConnection& operator*() const { return *connection_; }
  SqliteConnection* operator->() const { return connection_.get(); }

 private:
  SqliteConnectionPool* pool_;
  std::unique_ptr<SqliteConnection> connection_;
};

// Thread-safe. Opens connections lazily up to max_connections, each with query_only=ON so a
// reader can never write. A caller waits while all of them are in use.
class SqliteConnectionPool {
 public:
  SqliteConnectionPool(std::filesystem::path path, std::chrono::milliseconds busy_timeout,
                       std::size_t max_connections);

  Expected<PooledConnection, MetaError> acquire();

 private:
  friend class PooledConnection;
  void release(std::unique_ptr<SqliteConnection> connection);

  const std::filesystem::path path_;
  const std::chrono::milliseconds busy_timeout_;
  const std::size_t max_connections_;

  std::mutex mutex_;
  std::condition_variable released_;
  // Guarded by mutex_.
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
  // Connections open or being opened, idle or in use. Guarded by mutex_.
  std::size_t open_count_ = 0;
};

}  // namespace satchel::meta
