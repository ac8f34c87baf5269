// One metadata back end as the shared repository tests see it. Every test gets a new, empty
// database from its backend, so tests never see each other's rows.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "meta/meta_error.h"
#include "meta/migrations.h"
#include "meta/repository.h"

namespace satchel::meta::test_support {

class RepositoryBackend {
 public:
  virtual ~RepositoryBackend() = default;

  // Opens a repository on this test's database, migrating it on the first call. Each call
  // returns a separate repository with its own connections, as another process would have.
  virtual Expected<std::unique_ptr<Repository>, MetaError> open() = 0;

  // The back end's schema steps, as open() applies them.
  virtual std::span<const Migration> migrations() const = 0;

  // Applies migrations to this test's database directly, as open() does with the real ones.
  virtual Expected<int, MetaError> apply(std::span<const Migration> migrations) = 0;

  // The schema version recorded in this test's database, 0 when it has none.
  virtual Expected<int, MetaError> schema_version() = 0;

  // Runs SQL without values on this test's database, outside any repository.
  virtual Expected<void, MetaError> execute(std::string_view sql) = 0;

  // Runs a query whose result is one integer, such as a count.
  virtual Expected<std::int64_t, MetaError> query_int(std::string_view sql) = 0;

  // Whether a table of this name exists in this test's database.
  virtual Expected<bool, MetaError> table_exists(std::string_view name) = 0;
};

// Creates the backend for one test. A backend that cannot provide a database (PostgreSQL not
// installed, for example) still returns an object, whose open() reports why.
struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<RepositoryBackend>()> create;
};

// The back ends this test program runs the shared tests against. Each program links the one
// file that defines it (sqlite_backend.cc or postgres_backend.cc).
std::vector<BackendFactory> backends_under_test();

}  // namespace satchel::meta::test_support
