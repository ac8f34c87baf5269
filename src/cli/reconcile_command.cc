#include "cli/reconcile_command.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <exception>
#include <iostream>

#include "cli/migrate_db.h"
#include "cli/options.h"
#include "http/client.h"
#include "http/tls.h"
#include "http/url.h"
#include "meta/open_repository.h"
#include "obs/log.h"
#include "reconcile/reconciler.h"
#include "reconcile/report.h"
#include "store/credentials.h"

namespace satchel::cli {
namespace {

namespace asio = boost::asio;

// ListObjectVersions pages of 1000 entries with long keys stay well below this.
constexpr std::uint64_t kMaxListingBytes = 32ULL << 20;

int fail(const std::string& message) {
  std::cerr << "satchel reconcile: " << message << "\n";
  return 2;
}

// The store's endpoint and a key pair that may list and delete versions: the embedded store's
// admin key, or the configured key of an external store.
struct StoreAccess {
  std::string origin;
  s3::Credentials credentials;
};

Expected<StoreAccess, std::string> store_access(const config::Config& config) {
  if (!config.store.embedded) {
    return StoreAccess{config.store.endpoint,
                       {config.store.access_key_id, config.store.secret_access_key, {}}};
  }
  auto address = parse_host_port(config.store.listen);
  if (!address) return Unexpected("store.listen: " + address.error());
  if (!std::filesystem::exists(store::credentials_path(config.data_dir))) {
    return Unexpected(store::credentials_path(config.data_dir).string() +
                      " does not exist. Start `satchel serve` with this data folder first.");
  }
  auto keys = store::load_or_create_credentials(config.data_dir);
  if (!keys) return Unexpected("cannot read the store credentials: " + keys.error());
  std::string scheme = config.store.tls.enabled() ? "https://" : "http://";
  return StoreAccess{scheme + address->to_string(),
                     {keys->admin.access_key_id, keys->admin.secret_access_key, {}}};
}

}  // namespace

CLI::App* add_reconcile_command(CLI::App& app, ReconcileCommandOptions& options) {
  auto* command = app.add_subcommand(
      "reconcile",
      "Compare the metadata index with the object store and report records without an object, "
      "objects without a record, and size, ETag or version mismatches. Exits 0 when both agree "
      "(records already marked missing are listed but agree), 1 on drift, 2 on errors. It reads "
      "the same settings as serve");
  options.config.add_to(*command);
  command->add_option("--tenant", options.tenant, "Check only this tenant (default: every one)");
  command
      ->add_option("--grace", options.grace_seconds,
                   "Age in seconds below which a store version is an upload in flight, never "
                   "drift")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{365} * 24 * 3600));
  command->add_flag("--json", options.json, "Print one JSON document instead of a table");
  command->add_flag("--fix", options.fix,
                    "Repair what is safe: hide orphan objects behind delete markers, mark "
                    "records whose object is gone (and clear the mark when it returns), complete "
                    "uploads whose bytes check out");
  return command;
}

int run_reconcile(const ReconcileCommandOptions& options) {
  auto config = options.config.load();
  if (!config) return fail(config.error());
  obs::Level level{};
  obs::parse_level(config->log_level, level);  // the configuration checked the name
  obs::init_logging(level);

  auto access = store_access(*config);
  if (!access) return fail(access.error());
  auto store_url = http::parse_url(access->origin);
  if (!store_url) return fail("invalid store URL '" + access->origin + "'");
  auto client_tls = http::make_client_tls_context(config->store.ca_file);
  if (!client_tls) return fail("store.ca_file: " + client_tls.error());
  auto repository = meta::open_repository(metadata_url(*config));
  if (!repository) {
    return fail("cannot open the metadata database: " + repository.error().message);
  }

  asio::io_context io;
  asio::thread_pool workers(2);
  SystemClock clock;
  auto gateway = app::S3Gateway::create({.url = *store_url,
                                         .bucket = config->store.bucket,
                                         .region = config->store.region,
                                         .credentials = access->credentials},
                                        io.get_executor(), clock,
                                        {.timeout = config->store.timeout,
                                         .max_response_bytes = kMaxListingBytes,
                                         .tls = *client_tls});
  if (!gateway) return fail("cannot use the store endpoint: " + gateway.error());
  // Checksums are read back only to complete uploads that declared a
  // SHA-256. A store without them leaves such uploads pending.
  (*gateway)->set_capabilities(
      {.conditional_writes = false,
       .checksums = config->store.checksums != config::FeatureSetting::kOff});

  reconcile::Reconciler reconciler(**repository, **gateway, workers, clock);
  reconcile::ReconcileOptions run_options{.tenant = std::nullopt,
                                          .grace = std::chrono::seconds(options.grace_seconds),
                                          .fix = options.fix};
  if (!options.tenant.empty()) run_options.tenant = options.tenant;

  std::optional<Expected<reconcile::ReconcileReport, std::string>> outcome;
  auto run = [&]() -> asio::awaitable<void> { outcome = co_await reconciler.run(run_options); };
  asio::co_spawn(io, run(), [&outcome](std::exception_ptr error) {
    if (error) outcome = Unexpected(std::string("reconcile stopped on an internal error"));
  });
  io.run();
  workers.join();
  if (!outcome || !*outcome) return fail(outcome ? outcome->error() : "reconcile did not finish");

  const reconcile::ReconcileReport& report = **outcome;
  if (options.json) {
    std::cout << reconcile::report_json(report, options.fix).dump(2) << "\n";
  } else {
    std::cout << reconcile::format_table(report, options.fix);
  }
  if (report.failed_fixes()) return 2;
  return report.has_drift() ? 1 : 0;
}

}  // namespace satchel::cli
