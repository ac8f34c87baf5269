#include "cli/migrate_command.h"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdlib>
#include <iostream>

#include "app/object_names.h"
#include "app/s3_gateway.h"
#include "cli/migrate_db.h"
#include "common/time_format.h"
#include "config/host_port.h"
#include "http/tls.h"
#include "meta/open_repository.h"
#include "migrate/migration.h"
#include "migrate/user_table.h"
#include "obs/log.h"
#include "store/credentials.h"

namespace satchel::cli {
namespace {

namespace asio = boost::asio;

constexpr size_t kMaxConcurrency = 64;

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// Accepts "2027-01-31" (midnight UTC) or an RFC 3339 time.
std::optional<SystemTime> parse_cut_over(const std::string& text) {
  if (text.size() == 10) return parse_iso8601(text + "T00:00:00Z");
  return parse_iso8601(text);
}

Expected<migrate::MappingRules, std::string> mapping_rules(const MigrateOptions& options) {
  migrate::MappingRules rules;
  for (const std::string& text : options.mappings) {
    auto mapping = migrate::parse_mapping(text);
    if (!mapping) return Unexpected("--map: " + mapping.error());
    rules.mappings.push_back(std::move(*mapping));
  }
  if (options.org.empty() == options.users_file.empty()) {
    return Unexpected(std::string("give exactly one of --org and --users"));
  }
  if (!options.org.empty()) {
    if (auto problem = app::check_identity_part(options.org, "--org")) return Unexpected(*problem);
    rules.org = options.org;
  } else {
    auto users = migrate::load_user_table(options.users_file);
    if (!users) return Unexpected("--users: " + users.error());
    rules.users = std::move(*users);
  }
  return rules;
}

Expected<std::unique_ptr<migrate::Source>, std::string> open_source(const MigrateOptions& options,
                                                                    asio::io_context& io,
                                                                    asio::thread_pool& workers,
                                                                    const Clock& clock,
                                                                    uint64_t max_object_bytes) {
  if (options.source_dir.empty() == options.source_s3.empty()) {
    return Unexpected(std::string("give exactly one of --source-dir and --source-s3"));
  }
  if (!options.source_dir.empty()) {
    return migrate::make_directory_source(options.source_dir, workers);
  }
  if (options.source_bucket.empty()) {
    return Unexpected(std::string("--source-s3 needs --source-bucket"));
  }
  auto endpoint = http::parse_url(options.source_s3);
  if (!endpoint) return Unexpected("--source-s3: invalid URL '" + options.source_s3 + "'");
  std::string access_key_id = environment("AWS_ACCESS_KEY_ID");
  std::string secret_access_key = environment("AWS_SECRET_ACCESS_KEY");
  if (access_key_id.empty() || secret_access_key.empty()) {
    return Unexpected(std::string(
        "--source-s3 reads its key from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; set both"));
  }
  s3::Credentials credentials{access_key_id, Secret(secret_access_key), std::nullopt};
  if (std::string token = environment("AWS_SESSION_TOKEN"); !token.empty()) {
    credentials.session_token = Secret(token);
  }
  std::string region = environment("AWS_REGION");
  if (region.empty()) region = environment("AWS_DEFAULT_REGION");
  if (region.empty()) region = "us-east-1";
  auto tls = http::make_client_tls_context(environment("AWS_CA_BUNDLE"));
  if (!tls) return Unexpected("AWS_CA_BUNDLE: " + tls.error());
  migrate::S3SourceSettings settings{
      .endpoint = *endpoint,
      .bucket = options.source_bucket,
      .prefix = options.source_prefix,
      .region = region,
      .credentials = std::move(credentials),
      .client = {.max_response_bytes =
                     std::max(http::ClientOptions{}.max_response_bytes, max_object_bytes),
                 .tls = *tls}};
  return migrate::make_s3_source(std::move(settings), io.get_executor(), clock);
}

// The target store as serve reaches it: the embedded store's listener with
// its api key, or store.endpoint with store.access_key_id.
Expected<std::unique_ptr<app::S3Gateway>, std::string> open_target_store(
    const config::Config& config, asio::io_context& io, const Clock& clock,
    uint64_t max_object_bytes) {
  std::string origin = config.store.endpoint;
  s3::Credentials credentials{config.store.access_key_id, config.store.secret_access_key, {}};
  if (config.store.embedded) {
    auto address = config::parse_host_port(config.store.listen);
    if (!address) return Unexpected("store.listen: " + address.error());
    origin = (config.store.tls.enabled() ? "https://" : "http://") + address->to_string();
    if (!std::filesystem::exists(store::credentials_path(config.data_dir))) {
      return Unexpected(store::credentials_path(config.data_dir).string() +
                        " does not exist: start `satchel serve` with this configuration first");
    }
    auto keys = store::load_or_create_credentials(config.data_dir);
    if (!keys) return Unexpected(keys.error());
    credentials = {keys->api.access_key_id, keys->api.secret_access_key, {}};
  }
  auto url = http::parse_url(origin);
  if (!url) return Unexpected("invalid store URL '" + origin + "'");
  auto tls = http::make_client_tls_context(config.store.ca_file);
  if (!tls) return Unexpected("store.ca_file: " + tls.error());
  return app::S3Gateway::create(
      {.url = *url,
       .bucket = config.store.bucket,
       .region = config.store.region,
       .credentials = credentials},
      io.get_executor(), clock,
      {.timeout = config.store.timeout,
       .max_response_bytes = std::max(http::ClientOptions{}.max_response_bytes, max_object_bytes),
       .tls = *tls});
}

// Sends a HEAD of the bucket on io, before any object is read, to check that the store is
// reachable.
Expected<void, std::string> probe_store(asio::io_context& io, app::S3Gateway& gateway) {
  Expected<void, std::string> result = Unexpected(std::string("the store probe did not finish"));
  asio::co_spawn(io, gateway.probe(),
                 [&](std::exception_ptr error, Expected<void, std::string> probed) {
                   if (!error) result = std::move(probed);
                 });
  io.run();
  io.restart();
  return result;
}

Expected<std::shared_ptr<const app::PreferencesSchema>, std::string> preferences_schema(
    const config::Config& config) {
  if (config.api.preferences_schema_file.empty()) return app::PreferencesSchema::builtin();
  auto loaded = app::PreferencesSchema::load_file(config.api.preferences_schema_file);
  if (!loaded) return Unexpected("api.preferences_schema_file: " + loaded.error());
  return std::move(*loaded);
}

int usage_error(const std::string& message) {
  std::cerr << "satchel migrate: " << message << "\n";
  return 2;
}

}  // namespace

CLI::App* add_migrate_command(CLI::App& app, MigrateOptions& options) {
  auto* command = app.add_subcommand(
      "migrate",
      "Import a legacy directory tree or S3 prefix: map keys through templates, validate each "
      "object, copy it into the store and record it in the metadata index, with the old key as "
      "a redirect. Reads the same settings as serve; with the embedded store, serve must be "
      "running. docs/migration.md walks through a cut-over");
  options.config.add_to(*command);

  command->add_option("--source-dir", options.source_dir, "Directory tree to import");
  command->add_option("--source-s3", options.source_s3,
                      "S3 endpoint URL to import from, such as https://s3.example.com; the key "
                      "comes from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  command->add_option("--source-bucket", options.source_bucket, "Bucket of --source-s3");
  command->add_option("--source-prefix", options.source_prefix,
                      "Import only keys of --source-bucket that start with this text");

  command
      ->add_option("--map", options.mappings,
                   "SOURCE=TARGET key templates, such as "
                   "'legacy/{user}/prefs.json={org}/{sub}/preferences.json'; repeatable, the "
                   "first match wins")
      ->required();
  command->add_option("--org", options.org, "Tenant of every imported object");
  command->add_option("--users", options.users_file,
                      "CSV file with the columns legacy_user, org and sub, which gives each "
                      "legacy user's tenant and subject");

  command->add_option("--report", options.report_file,
                      "File that lists every object with its outcome: .csv or .jsonl");
  command->add_option("--checkpoint", options.checkpoint_file,
                      "File that records finished objects, so that an interrupted run resumes "
                      "where it stopped");
  command->add_option("--cut-over", options.cut_over,
                      "Date (2027-01-31, midnight UTC) or RFC 3339 time until which old keys "
                      "redirect to the new ones; required unless --dry-run");

  command
      ->add_option("--staging-prefix", options.staging_prefix, "Store key prefix for staged copies")
      ->capture_default_str();
  command->add_flag("--dry-run", options.dry_run,
                    "Map and validate every object and write the report, but write nothing to "
                    "the store or the metadata index");
  command->add_option("--concurrency", options.concurrency, "Objects imported at once")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, kMaxConcurrency));
  command
      ->add_option("--progress-interval", options.progress_interval_seconds,
                   "Seconds between progress log lines when standard error is not a terminal")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  return command;
}

int run_migrate(const MigrateOptions& options) {
  auto config = options.config.load();
  if (!config) return usage_error(config.error());
  obs::Level level{};
  obs::parse_level(config->log_level, level);
  obs::init_logging(level);

  auto rules = mapping_rules(options);
  if (!rules) return usage_error(rules.error());
  SystemTime cut_over_at{};
  if (!options.cut_over.empty()) {
    auto parsed = parse_cut_over(options.cut_over);
    if (!parsed) {
      return usage_error("--cut-over: invalid date '" + options.cut_over +
                         "', expected 2027-01-31 or 2027-01-31T12:00:00Z");
    }
    cut_over_at = *parsed;
  } else if (!options.dry_run) {
    return usage_error(
        "--cut-over is required: the date until which requests for old keys are redirected");
  }
  auto schema = preferences_schema(*config);
  if (!schema) return usage_error(schema.error());
  const uint64_t max_object_bytes = config->api.max_upload_bytes;

  SystemClock clock;
  asio::io_context io;
  asio::thread_pool workers(std::max<size_t>(options.concurrency, 2));
  auto source = open_source(options, io, workers, clock, max_object_bytes);
  if (!source) return usage_error(source.error());

  std::unique_ptr<migrate::ReportWriter> report;
  if (!options.report_file.empty()) {
    auto created = migrate::ReportWriter::create(options.report_file);
    if (!created) return usage_error(created.error());
    report = std::move(*created);
  }
  std::unique_ptr<migrate::CheckpointFile> checkpoint;
  if (!options.checkpoint_file.empty() && !options.dry_run) {
    std::string plan_id = migrate::make_plan_id((*source)->description(), options.mappings, *rules);
    auto opened = migrate::CheckpointFile::open(options.checkpoint_file, plan_id);
    if (!opened) return usage_error(opened.error());
    checkpoint = std::move(*opened);
    obs::info("checkpoint open", {{"file", options.checkpoint_file.string()},
                                  {"finished_objects", int64_t(checkpoint->loaded().done.size())}});
  }

  std::unique_ptr<app::S3Gateway> store;
  std::unique_ptr<meta::Repository> repository;
  std::unique_ptr<migrate::Importer> importer;
  if (!options.dry_run) {
    auto gateway = open_target_store(*config, io, clock, max_object_bytes);
    if (!gateway) return usage_error(gateway.error());
    store = std::move(*gateway);
    if (auto reachable = probe_store(io, *store); !reachable) {
      std::string hint = config->store.embedded
                             ? " (the embedded store runs inside `satchel serve`: start it first)"
                             : "";
      return usage_error(reachable.error() + hint);
    }
    auto opened = meta::open_repository(metadata_url(*config));
    if (!opened) return usage_error("cannot open the metadata index: " + opened.error().message);
    repository = std::move(*opened);
    importer = std::make_unique<migrate::Importer>(
        migrate::ImportSettings{.staging_prefix = options.staging_prefix,
                                .cut_over_at = cut_over_at},
        *store, *repository, workers, clock, **schema);
  }

  migrate::RunParts parts{.source = **source,
                          .rules = *rules,
                          .schema = **schema,
                          .importer = importer.get(),
                          .report = report.get(),
                          .checkpoint = checkpoint.get()};
  migrate::RunSettings settings{
      .concurrency = options.concurrency,
      .max_object_bytes = max_object_bytes,
      .dry_run = options.dry_run,
      .progress_bar = ::isatty(STDERR_FILENO) == 1,
      .progress_log_interval = std::chrono::seconds(options.progress_interval_seconds)};
  migrate::RunSummary summary = migrate::run_migration(io, workers, parts, settings);
  workers.join();

  int status = summary.failed > 0 || summary.interrupted ? 1 : 0;
  if (report) {
    if (auto closed = report->close(); !closed) {
      obs::error("report incomplete", {{"error", closed.error()}});
      status = 1;
    }
  }
  if (checkpoint) {
    if (auto closed = checkpoint->close(); !closed) {
      obs::error("checkpoint incomplete", {{"error", closed.error()}});
      status = 1;
    }
  }
  obs::flush_logs();
  if (!summary.error.empty()) {
    std::cerr << "satchel migrate: " << summary.error << "\n";
    return 2;
  }
  std::cout << format_summary(summary, options.dry_run) << "\n";
  return status;
}

}  // namespace satchel::cli
