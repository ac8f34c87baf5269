#include "postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/crypto.h"
#include "fmt/format.h"
#include "meta/pg_connection.h"

extern char** environ;

namespace satchel::meta::test_support {
namespace {

constexpr std::string_view kDebianPostgresRoot = "/usr/lib/postgresql";
constexpr std::string_view kRunuser = "/usr/sbin/runuser";
constexpr std::string_view kServerUser = "postgres";
constexpr std::string_view kSuperuser = "satchel";
constexpr std::string_view kServerOptions = "-c listen_addresses='' -c max_connections=200";
// The data of a test server is thrown away, so durability is turned off to make tests faster.
constexpr std::string_view kNonDurableOptions =
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off";

Expected<std::filesystem::path, std::string> find_bin_dir() {
  if (const char* configured = std::getenv("SATCHEL_POSTGRES_BIN"); configured != nullptr) {
    return std::filesystem::path(configured);
  }
  std::vector<std::filesystem::path> candidates;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(kDebianPostgresRoot, error)) {
    if (std::filesystem::exists(entry.path() / "bin" / "initdb")) {
      candidates.push_back(entry.path() / "bin");
    }
  }
  if (candidates.empty()) {
    return Unexpected(fmt::format(
        "no PostgreSQL server binaries (bin/initdb) under {}. Install the postgresql package "
        "(scripts/install-deps --test) or set SATCHEL_POSTGRES_BIN.",
        kDebianPostgresRoot));
  }
  // Version folders are numbers ("15", "16"), so the longest, then the largest, is the newest.
  std::sort(candidates.begin(), candidates.end(), [](const auto& left, const auto& right) {
    std::string a = left.parent_path().filename().string();
    std::string b = right.parent_path().filename().string();
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return candidates.back();
}

Expected<std::filesystem::path, std::string> make_directory() {
  std::string pattern = (std::filesystem::temp_directory_path() / "satchel-pg-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Unexpected(fmt::format("cannot create a temporary directory from {}", pattern));
  }
  return std::filesystem::path(pattern);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace

Expected<std::unique_ptr<PostgresServer>, std::string> PostgresServer::start(
    const PostgresServerOptions& server_options) {
  auto bin_dir = find_bin_dir();
  if (!bin_dir) return Unexpected(bin_dir.error());
  auto directory = make_directory();
  if (!directory) return Unexpected(directory.error());

  bool as_postgres = ::geteuid() == 0;
  if (as_postgres) {
    const passwd* user = ::getpwnam(std::string(kServerUser).c_str());
    if (user == nullptr) {
      std::filesystem::remove_all(*directory);
      return Unexpected(fmt::format(
          "running as root, but there is no \"{}\" user to own the PostgreSQL cluster. Install "
          "the postgresql package, which creates it, or run the tests as another user.",
          kServerUser));
    }
    if (::chown(directory->c_str(), user->pw_uid, user->pw_gid) != 0) {
      std::filesystem::remove_all(*directory);
      return Unexpected(
          fmt::format("cannot give {} to the {} user", directory->string(), kServerUser));
    }
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer(*bin_dir, *directory, as_postgres));

  auto initialized = server->run(
      "initdb", {(server->bin_dir_ / "initdb").string(), "--pgdata", server->data_dir().string(),
                 "--username", std::string(kSuperuser), "--auth", "trust", "--encoding", "UTF8",
                 "--locale", "C", "--no-sync"});
  if (!initialized) return Unexpected(initialized.error());

  std::string options = fmt::format("-k {} {} {}", server->directory_.string(), kServerOptions,
                                    server_options.durable ? "" : kNonDurableOptions);
  auto started = server->run("pg_ctl start",
                             {(server->bin_dir_ / "pg_ctl").string(), "start", "--wait", "--pgdata",
                              server->data_dir().string(), "--log",
                              (server->directory_ / "server.log").string(), "--options", options});
  if (!started) return Unexpected(started.error());
  server->running_ = true;
  return server;
}

PostgresServer::~PostgresServer() {
  if (running_) {
    (void)run("pg_ctl stop", {(bin_dir_ / "pg_ctl").string(), "stop", "--wait", "--pgdata",
                              data_dir().string(), "--mode", "fast"});
  }
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

Secret PostgresServer::conninfo(std::string_view database) const {
  return Secret(
      fmt::format("host={} user={} dbname={}", directory_.string(), kSuperuser, database));
}

Expected<Secret, std::string> PostgresServer::create_database() {
  auto connection = PgConnection::open(conninfo("postgres"), PgSessionSettings{});
  if (!connection) return Unexpected(connection.error().message);
  // The name is made of letters, digits and '_' only, so it is safe inside the statement.
  std::string name = fmt::format("satchel_{}_{}", ::getpid(), ++database_count_);
  std::string create = fmt::format("CREATE DATABASE {}", name);
  if (auto created = (*connection)->execute_script(create); !created) {
    return Unexpected(created.error().message);
  }
  return conninfo(name);
}

// Runs command with its output appended to the log, as the postgres user when running as
// root. Fails when it does not exit with status 0.
Expected<void, std::string> PostgresServer::run(std::string_view step,
                                                const std::vector<std::string>& command) {
  std::vector<std::string> arguments;
  if (as_postgres_) {
    arguments = {std::string(kRunuser), "-u", std::string(kServerUser), "--"};
  }
  arguments.insert(arguments.end(), command.begin(), command.end());
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string log = log_path().string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  int spawned = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return Unexpected(
        fmt::format("{}: cannot run {}: {}", step, arguments.front(), std::strerror(spawned)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  return Unexpected(fmt::format("{} failed with status {}. Its output:\n{}", step, status,
                                read_file(log_path())));
}

}  // namespace satchel::meta::test_support
