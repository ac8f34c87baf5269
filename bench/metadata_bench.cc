// Measures the metadata repository at scale on SQLite and PostgreSQL: the first page of one
// subject's listing, a page deep in a tenant-wide listing reached through the cursor, and
// commit throughput with concurrent writers. Prints one Markdown table row per measurement.
//
// The objects are loaded with one INSERT ... SELECT per back end, straight into the schema,
// because committing a million uploads through the repository would take most of an hour. The
// listings and commits then run through the repository, as the API calls them.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "fmt/format.h"
#include "meta/key_range.h"
#include "meta/pg_connection.h"
#include "meta/postgres_repository.h"
#include "meta/repository.h"
#include "meta/sqlite_connection.h"
#include "meta/sqlite_repository.h"
#include "postgres_server.h"

namespace satchel::meta::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kTenant = "acme";
constexpr std::size_t kPageSize = 50;
// Listing calls made, and thrown away, before each latency measurement starts.
constexpr int kWarmupCalls = 200;
constexpr std::int64_t kLoadedTimeUs = 1'700'000'000'000'000;

struct Settings {
  std::vector<std::string> backends = {"sqlite", "postgres"};
  std::int64_t objects = 1'000'000;
  int subjects = 10'000;
  int samples = 2'000;
  int writers = 16;
  int commits_per_writer = 200;
};

// Subject names sort in the order of their numbers, and so do object names.
std::string subject_name(int subject) { return fmt::format("user-{:05}", subject); }
std::string object_key(int subject, std::int64_t object) {
  return fmt::format("{}/{}/file-{:07}", kTenant, subject_name(subject), object);
}

// Objects are spread over subjects round-robin: object i belongs to subject i % subjects.
std::string sqlite_load_sql(const Settings& settings) {
  return fmt::format(R"sql(
BEGIN;
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < {objects})
INSERT INTO objects (tenant, owner, name, key, version_id, size, etag, content_type, sha256,
                     revision, created_at_us, updated_at_us)
SELECT '{tenant}', printf('user-%05d', i % {subjects}), printf('file-%07d', i),
       printf('{tenant}/user-%05d/file-%07d', i % {subjects}, i), 'v' || i, 1000 + i % 5000,
       '"' || printf('%032x', i) || '"', 'application/json', NULL, 1, {time}, {time}
FROM seq;
INSERT INTO object_versions (tenant, key, revision, owner, name, version_id, size, etag,
                             content_type, sha256, committed_at_us, deleted, restored_from)
SELECT tenant, key, revision, owner, name, version_id, size, etag, content_type, sha256,
       updated_at_us, 0, NULL FROM objects;
COMMIT;
ANALYZE;
)sql",
                     fmt::arg("objects", settings.objects), fmt::arg("subjects", settings.subjects),
                     fmt::arg("tenant", kTenant), fmt::arg("time", kLoadedTimeUs));
}

std::string postgres_load_sql(const Settings& settings) {
  return fmt::format(R"sql(
BEGIN;
INSERT INTO objects (tenant, owner, name, key, version_id, size, etag, content_type, sha256,
                     revision, created_at_us, updated_at_us)
SELECT '{tenant}', 'user-' || lpad((i % {subjects})::text, 5, '0'),
       'file-' || lpad(i::text, 7, '0'),
       '{tenant}/user-' || lpad((i % {subjects})::text, 5, '0') || '/file-' || lpad(i::text, 7, '0'),
       'v' || i, 1000 + i % 5000, '"' || md5(i::text) || '"', 'application/json', NULL, 1,
       {time}, {time}
FROM generate_series(0, {last}) AS i;
INSERT INTO object_versions (tenant, key, revision, owner, name, version_id, size, etag,
                             content_type, sha256, committed_at_us, deleted, restored_from)
SELECT tenant, key, revision, owner, name, version_id, size, etag, content_type, sha256,
       updated_at_us, false, NULL FROM objects;
COMMIT;
)sql",
                     fmt::arg("last", settings.objects - 1),
                     fmt::arg("subjects", settings.subjects), fmt::arg("tenant", kTenant),
                     fmt::arg("time", kLoadedTimeUs));
}

// One back end with a database that the benchmark may fill.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Creates the schema, loads the objects, and returns a repository over them.
  virtual Expected<std::unique_ptr<Repository>, std::string> load(const Settings& settings) = 0;
};

class SqliteBackend final : public Backend {
 public:
  explicit SqliteBackend(std::filesystem::path directory) : directory_(std::move(directory)) {}

  std::string name() const override { return "SQLite"; }

  Expected<std::unique_ptr<Repository>, std::string> load(const Settings& settings) override {
    std::filesystem::path path = directory_ / "metadata.db";
    {
      // Opening creates the file and the schema.
      auto created = open_sqlite_repository(path);
      if (!created) return Unexpected(created.error().message);
    }
    auto connection = SqliteConnection::open(path, std::chrono::seconds(30));
    if (!connection) return Unexpected(connection.error().message);
    if (auto loaded = (*connection)->execute_script(sqlite_load_sql(settings)); !loaded) {
      return Unexpected(loaded.error().message);
    }
    auto opened = open_sqlite_repository(path);
    if (!opened) return Unexpected(opened.error().message);
    return std::move(*opened);
  }

 private:
  std::filesystem::path directory_;
};

class PostgresBackend final : public Backend {
 public:
  std::string name() const override { return "PostgreSQL"; }

  Expected<std::unique_ptr<Repository>, std::string> load(const Settings& settings) override {
    auto started = test_support::PostgresServer::start({.durable = true});
    if (!started) return Unexpected(started.error());
    server_ = std::move(*started);
    auto conninfo = server_->create_database();
    if (!conninfo) return Unexpected(conninfo.error());
    PostgresOptions options;
    options.max_connections = static_cast<std::size_t>(settings.writers);
    auto created = open_postgres_repository(*conninfo, options);
    if (!created) return Unexpected(created.error().message);

    auto connection = PgConnection::open(*conninfo, PgSessionSettings{});
    if (!connection) return Unexpected(connection.error().message);
    if (auto loaded = (*connection)->execute_script(postgres_load_sql(settings)); !loaded) {
      return Unexpected(loaded.error().message);
    }
    // VACUUM cannot share a query string with other statements.
    if (auto analyzed = (*connection)->execute_script("VACUUM ANALYZE"); !analyzed) {
      return Unexpected(analyzed.error().message);
    }
    return std::move(*created);
  }

 private:
  std::unique_ptr<test_support::PostgresServer> server_;
};

struct Latencies {
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

Latencies summarize(std::vector<double> milliseconds) {
  std::sort(milliseconds.begin(), milliseconds.end());
  auto at = [&](double fraction) {
    std::size_t index = static_cast<std::size_t>(fraction * (milliseconds.size() - 1));
    return milliseconds[index];
  };
  return Latencies{at(0.50), at(0.99), milliseconds.back()};
}

// Times list_objects calls made by make_call(i) for i in 0..samples, after a warm-up.
template <class Call>
Expected<Latencies, std::string> time_listing(int samples, Call&& call) {
  for (int i = 0; i < kWarmupCalls; ++i) {
    if (auto page = call(i); !page) return Unexpected(page.error().message);
  }
  std::vector<double> milliseconds;
  milliseconds.reserve(static_cast<std::size_t>(samples));
  for (int i = 0; i < samples; ++i) {
    auto started = Clock::now();
    auto page = call(kWarmupCalls + i);
    std::chrono::duration<double, std::milli> elapsed = Clock::now() - started;
    if (!page) return Unexpected(page.error().message);
    if (page->items.size() != kPageSize) {
      return Unexpected(
          fmt::format("a page had {} rows instead of {}", page->items.size(), kPageSize));
    }
    milliseconds.push_back(elapsed.count());
  }
  return summarize(std::move(milliseconds));
}

// Commits new objects from several threads at once, each thread writing its own subject's
// keys, and returns the commits per second.
Expected<double, std::string> time_commits(Repository& repository, const Settings& settings) {
  std::atomic<int> failures{0};
  std::string first_error;
  std::mutex error_mutex;
  auto write = [&](int writer) {
    for (int i = 0; i < settings.commits_per_writer; ++i) {
      SystemTime now = std::chrono::system_clock::now();
      std::string owner = fmt::format("writer-{:02}", writer);
      std::string name = fmt::format("bench-{:06}.json", i);
      PendingUpload upload{.id = random_token(18),
                           .tenant = std::string(kTenant),
                           .owner = owner,
                           .name = name,
                           .key = fmt::format("{}/{}/{}", kTenant, owner, name),
                           .content_type = "application/json",
                           .size = 64,
                           .created_at = now,
                           .expires_at = now + std::chrono::minutes(15)};
      auto created = repository.create_pending_upload(upload);
      ObjectRecord observed{.version_id = "v-" + upload.id,
                            .size = 64,
                            .etag = "\"0123456789abcdef0123456789abcdef\"",
                            .content_type = "application/json"};
      auto committed = created ? repository.commit_upload(upload.id, observed, now)
                               : Expected<ObjectRecord, MetaError>(Unexpected(created.error()));
      if (!committed) {
        ++failures;
        std::lock_guard lock(error_mutex);
        if (first_error.empty()) first_error = committed.error().message;
      }
    }
  };
  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int writer = 0; writer < settings.writers; ++writer) threads.emplace_back(write, writer);
  for (std::thread& thread : threads) thread.join();
  std::chrono::duration<double> elapsed = Clock::now() - started;
  if (failures > 0) {
    return Unexpected(
        fmt::format("{} commits failed, the first with: {}", failures.load(), first_error));
  }
  return settings.writers * settings.commits_per_writer / elapsed.count();
}

int run(Backend& backend, const Settings& settings) {
  auto load_started = Clock::now();
  auto repository = backend.load(settings);
  std::chrono::duration<double> load_time = Clock::now() - load_started;
  if (!repository) {
    std::cerr << backend.name() << ": cannot load the objects: " << repository.error() << "\n";
    return 1;
  }
  std::cerr << backend.name() << ": loaded " << settings.objects << " objects in "
            << fmt::format("{:.1f}", load_time.count()) << " s\n";

  std::mt19937 random(42);
  std::uniform_int_distribution<int> any_subject(0, settings.subjects - 1);
  std::uniform_int_distribution<std::int64_t> any_object(0, settings.objects - kPageSize - 1);
  std::vector<int> subjects(static_cast<std::size_t>(settings.samples + kWarmupCalls));
  for (int& subject : subjects) subject = any_subject(random);
  std::vector<std::int64_t> offsets(subjects.size());
  for (std::int64_t& offset : offsets) offset = any_object(random);

  auto first_page = time_listing(settings.samples, [&](int i) {
    std::string prefix = fmt::format("{}/{}/", kTenant, subject_name(subjects[i]));
    return (*repository)->list_objects(kTenant, prefix, "", kPageSize);
  });
  // Object o's key is the o % subjects'th subject's (o / subjects)'th file, so a cursor after a
  // random object lands at a random depth of the tenant's million keys.
  auto deep_page = time_listing(settings.samples, [&](int i) {
    std::int64_t object = offsets[i];
    std::string cursor =
        encode_list_cursor(object_key(static_cast<int>(object % settings.subjects), object));
    return (*repository)->list_objects(kTenant, std::string(kTenant) + "/", cursor, kPageSize);
  });
  if (!first_page || !deep_page) {
    std::cerr << backend.name()
              << ": listing failed: " << (!first_page ? first_page.error() : deep_page.error())
              << "\n";
    return 1;
  }
  auto commits = time_commits(**repository, settings);
  if (!commits) {
    std::cerr << backend.name() << ": commits failed: " << commits.error() << "\n";
    return 1;
  }

  std::cout << fmt::format(
                   "| {} | first page of a subject (50 rows) | {:.3f} | {:.3f} | {:.3f} |\n",
                   backend.name(), first_page->p50_ms, first_page->p99_ms, first_page->max_ms)
            << fmt::format(
                   "| {} | page deep in the tenant listing, by cursor (50 rows) | {:.3f} "
                   "| {:.3f} | {:.3f} |\n",
                   backend.name(), deep_page->p50_ms, deep_page->p99_ms, deep_page->max_ms)
            << fmt::format("| {} | commits with {} writers: {:.0f} per second | | | |\n",
                           backend.name(), settings.writers, *commits);
  return 0;
}

// Parses "--name=value" arguments. Returns false, after printing why, on an unknown one.
bool parse_arguments(int argc, char** argv, Settings& settings) {
  for (int i = 1; i < argc; ++i) {
    std::string_view argument = argv[i];
    std::size_t equals = argument.find('=');
    std::string_view name = argument.substr(0, equals);
    std::string value(equals == std::string_view::npos ? "" : argument.substr(equals + 1));
    try {
      if (name == "--backend") {
        if (value == "both") continue;
        settings.backends = {value};
      } else if (name == "--objects") {
        settings.objects = std::stoll(value);
      } else if (name == "--subjects") {
        settings.subjects = std::stoi(value);
      } else if (name == "--samples") {
        settings.samples = std::stoi(value);
      } else if (name == "--writers") {
        settings.writers = std::stoi(value);
      } else if (name == "--commits-per-writer") {
        settings.commits_per_writer = std::stoi(value);
      } else {
        std::cerr << "unknown argument " << argument << "\n";
        return false;
      }
    } catch (const std::exception&) {
      std::cerr << "invalid number in " << argument << "\n";
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace satchel::meta::bench

int main(int argc, char** argv) {
  using namespace satchel::meta::bench;
  Settings settings;
  if (!parse_arguments(argc, argv, settings)) {
    std::cerr << "usage: metadata_bench [--backend=sqlite|postgres|both] [--objects=N] "
                 "[--subjects=N] [--samples=N] [--writers=N] [--commits-per-writer=N]\n";
    return 2;
  }
  if (settings.subjects < 1 ||
      settings.objects < static_cast<std::int64_t>(settings.subjects * kPageSize) ||
      settings.samples < 1 || settings.writers < 1) {
    std::cerr << "need at least one subject, sample and writer, and 50 objects per subject\n";
    return 2;
  }
  std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("satchel-bench-" + satchel::random_token(8));
  std::filesystem::create_directories(directory);
  int status = 0;
  std::cout << "| back end | measurement | p50 ms | p99 ms | max ms |\n"
            << "| --- | --- | --- | --- | --- |\n";
  for (const std::string& name : settings.backends) {
    std::unique_ptr<Backend> backend;
    if (name == "sqlite") {
      backend = std::make_unique<SqliteBackend>(directory);
    } else if (name == "postgres") {
      backend = std::make_unique<PostgresBackend>();
    } else {
      std::cerr << "unknown back end " << name << ": use sqlite, postgres or both\n";
      status = 2;
      continue;
    }
    status = std::max(status, run(*backend, settings));
  }
  std::filesystem::remove_all(directory);
  return status;
}
