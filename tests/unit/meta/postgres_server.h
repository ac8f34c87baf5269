// A private PostgreSQL server for tests and benchmarks: a new cluster made with initdb in a
// temporary directory, listening only on a Unix socket inside that directory, so it needs no
// TCP port and cannot clash with another server. Stopping it removes the directory.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "common/secret.h"

namespace satchel::meta::test_support {

struct PostgresServerOptions {
  // Keeps PostgreSQL's default durability (fsync, synchronous_commit, full_page_writes), for
  // benchmarks. Tests turn it off, because their data is thrown away.
  bool durable = false;
};

class PostgresServer {
 public:
  // Runs initdb and pg_ctl start from the newest /usr/lib/postgresql/<version>/bin, or from
  // the folder in $SATCHEL_POSTGRES_BIN. PostgreSQL refuses to run as root, so as root the
  // cluster belongs to the "postgres" user that Debian's package creates, and every server
  // command runs through runuser. Fails with a message naming the step and its log.
  static Expected<std::unique_ptr<PostgresServer>, std::string> start(
      const PostgresServerOptions& options = {});

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  // Stops the server (pg_ctl stop -m fast) and removes its directory.
  ~PostgresServer();

  // Creates an empty database with a unique name and returns the libpq conninfo for it.
  Expected<Secret, std::string> create_database();

  // The conninfo of database on this server.
  Secret conninfo(std::string_view database) const;

 private:
  PostgresServer(std::filesystem::path bin_dir, std::filesystem::path directory, bool as_postgres)
      : bin_dir_(std::move(bin_dir)), directory_(std::move(directory)), as_postgres_(as_postgres) {}

  Expected<void, std::string> run(std::string_view step, const std::vector<std::string>& command);
  std::filesystem::path data_dir() const { return directory_ / "data"; }
  std::filesystem::path log_path() const { return directory_ / "commands.log"; }

  std::filesystem::path bin_dir_;
  std::filesystem::path directory_;
  bool as_postgres_;
  bool running_ = false;
  int database_count_ = 0;
};

}  // namespace satchel::meta::test_support
