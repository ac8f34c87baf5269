// A bounded pool of read-only SQLite connections for concurrent readers (WAL lets readers run
// beside the writer).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

#include "meta/connection_pool.h"
#include "meta/sqlite_connection.h"

namespace satchel::meta {

using SqliteConnectionPool = ConnectionPool<SqliteConnection>;

// Returns a pool that opens up to max_connections connections to the database at path, each
// with query_only=ON so a reader can never write.
std::unique_ptr<SqliteConnectionPool> make_sqlite_reader_pool(
    std::filesystem::path path, std::chrono::milliseconds busy_timeout,
    std::size_t max_connections);

}  // namespace satchel::meta
