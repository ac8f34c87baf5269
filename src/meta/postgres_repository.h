// The PostgreSQL back end of the metadata repository, for API replicas sharing one database.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "common/expected.h"
#include "common/secret.h"
#include "meta/meta_error.h"
#include "meta/repository.h"

namespace satchel::meta {

struct PostgresOptions {
  // Connections opened on demand and shared by all calls. A call waits while all of them are
  // in use. Each API replica holds up to this many, so the server's max_connections must
  // cover replicas * max_connections.
  std::size_t max_connections = 8;
  // How long to wait for the server when connecting, in whole seconds (libpq's unit).
  std::chrono::seconds connect_timeout{10};
  // How long a write waits for another transaction's lock on the same object before failing
  // with kUnavailable, like the SQLite back end's busy timeout.
  std::chrono::milliseconds lock_timeout{5000};
  // How long one statement may run before the server cancels it (kUnavailable).
  std::chrono::milliseconds statement_timeout{30000};
};

// Connects to the database that conninfo names (a libpq "key=value" string or a
// postgres:// URI) and applies the pending schema migrations. Several processes may open the
// same database at once: an advisory lock makes them migrate one after the other.
//
// The repository runs each write in one READ COMMITTED transaction, which takes a
// transaction-level advisory lock on the object's key before it reads the object. Writers of
// one key therefore run one after the other across every process, and writers of different
// keys do not wait for each other.
//
// Fails with kInvalid when the database's schema version is newer than this binary's, and
// with kUnavailable when the server cannot be reached or the migration fails. Error messages
// never contain conninfo.
Expected<std::unique_ptr<Repository>, MetaError> open_postgres_repository(
    const Secret& conninfo, const PostgresOptions& options = {});

}  // namespace satchel::meta
