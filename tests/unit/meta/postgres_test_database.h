// Databases on the private PostgreSQL server that meta_postgres_test starts once per run.
#pragma once

#include <string>

#include "common/expected.h"
#include "common/secret.h"

namespace satchel::meta::test_support {

// Creates a new, empty database and returns its conninfo. Fails, with the reason, when the
// server did not start.
Expected<Secret, std::string> create_postgres_test_database();

}  // namespace satchel::meta::test_support
