// The SQLite back end of the metadata repository, for a single machine.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>

#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/repository.h"

namespace satchel::meta {

struct SqliteOptions {
  // How long a statement waits for another process's write lock before failing with
  // kUnavailable. Writers inside one process queue on a mutex instead.
  std::chrono::milliseconds busy_timeout{5000};
  // Read-only connections opened on demand for get, find and list calls. A reader waits when
  // all of them are in use.
  std::size_t max_reader_connections = 4;
};

// Opens the database at path, creating the file with mode 0600 when it does not exist (its
// directory must exist), and applies the pending schema migrations. Sets journal_mode=WAL,
// synchronous=NORMAL, foreign_keys=ON and the busy timeout.
//
// The repository serializes writes on one connection guarded by a mutex, and serves reads
// from a pool of connections, each used by one thread at a time. Several processes may open
// the same file: SQLite's write lock (BEGIN IMMEDIATE) orders their writes.
//
// Fails with kInvalid when the database's schema version is newer than this binary's, and
// with kUnavailable when the file cannot be created, opened or migrated.
Expected<std::unique_ptr<Repository>, MetaError> open_sqlite_repository(
    const std::filesystem::path& path, const SqliteOptions& options = {});

}  // namespace satchel::meta
