// A bounded pool of database connections, shared by the back ends.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common/expected.h"
#include "meta/meta_error.h"

namespace satchel::meta {

template <class Connection>
class ConnectionPool;

// Exclusive use of one pooled connection, returned to the pool on destruction.
template <class Connection>
class PooledConnection {
 public:
  PooledConnection(ConnectionPool<Connection>* pool, std::unique_ptr<Connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  PooledConnection(PooledConnection&&) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection() {
    if (connection_ != nullptr) pool_->release(std::move(connection_));
  }

  Connection& operator*() const { return *connection_; }
  Connection* operator->() const { return connection_.get(); }

 private:
  ConnectionPool<Connection>* pool_;
  std::unique_ptr<Connection> connection_;
};

// Thread-safe. Opens connections lazily with open, up to max_connections, and a caller waits
// while all of them are in use. A returned connection for which is_reusable() is false (lost,
// or left inside a transaction) is closed instead of kept, which frees its slot.
template <class Connection>
class ConnectionPool {
 public:
  using Opener = std::function<Expected<std::unique_ptr<Connection>, MetaError>()>;
  using IsReusable = std::function<bool(const Connection&)>;

  ConnectionPool(Opener open, IsReusable is_reusable, std::size_t max_connections)
      : open_(std::move(open)),
        is_reusable_(std::move(is_reusable)),
        max_connections_(max_connections > 0 ? max_connections : 1) {}

  Expected<PooledConnection<Connection>, MetaError> acquire() {
    {
      std::unique_lock lock(mutex_);
      released_.wait(lock, [this] { return !idle_.empty() || open_count_ < max_connections_; });
      if (!idle_.empty()) {
        std::unique_ptr<Connection> connection = std::move(idle_.back());
        idle_.pop_back();
        return PooledConnection<Connection>(this, std::move(connection));
      }
      // Reserve the slot, then open outside the lock so other callers are not held up.
      ++open_count_;
    }

    auto opened = open_();
    if (!opened) {
      free_slot();
      return Unexpected(opened.error());
    }
    return PooledConnection<Connection>(this, std::move(*opened));
  }

  // Closes every idle connection, so the next callers open fresh ones (after the server
  // restarted, for example). Connections in use are kept until they come back.
  void close_idle() {
    std::vector<std::unique_ptr<Connection>> closing;
    {
      std::lock_guard lock(mutex_);
      closing.swap(idle_);
      open_count_ -= closing.size();
    }
    released_.notify_all();
  }

 private:
  friend class PooledConnection<Connection>;

  void release(std::unique_ptr<Connection> connection) {
    if (!is_reusable_(*connection)) {
      connection.reset();
      free_slot();
      return;
    }
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(connection));
    }
    released_.notify_one();
  }

  void free_slot() {
    {
      std::lock_guard lock(mutex_);
      --open_count_;
    }
    released_.notify_one();
  }

  const Opener open_;
  const IsReusable is_reusable_;
  const std::size_t max_connections_;

  std::mutex mutex_;
  std::condition_variable released_;
  // Guarded by mutex_.
  std::vector<std::unique_ptr<Connection>> idle_;
  // Connections open or being opened, idle or in use. Guarded by mutex_.
  std::size_t open_count_ = 0;
};

}  // namespace satchel::meta
