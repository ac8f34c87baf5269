// satchel: secure per-user storage for internal micro-apps.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/bucket_init.h"
#include "cli/config_flags.h"
#include "cli/keys_command.h"
#include "cli/migrate_command.h"
#include "cli/migrate_db.h"
#include "cli/options.h"
#include "cli/policy_check.h"
#include "cli/reconcile_command.h"
#include "config/load.h"

namespace {

// Prints a configuration error as the one line an operator needs.
int report_config_error(const std::string& command, const std::string& error) {
  std::cerr << "satchel " << command << ": " << error << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using satchel::cli::ConfigFlags;
  using satchel::cli::TokenOptions;

  CLI::App app{"Satchel: per-user storage behind OpenID Connect and S3 presigned URLs"};
  app.require_subcommand(1);

  ConfigFlags serve_flags;
  auto* serve_command = app.add_subcommand(
      "serve",
      "Run the API and web page, and with the default settings the embedded S3 store and the "
      "development OpenID provider. Settings come from the --config file, then SATCHEL_* "
      "environment variables, then these flags; docs/configuration.md lists every key");
  serve_flags.add_to(*serve_command);

  auto* config_command = app.add_subcommand("config", "Configuration tools");
  config_command->require_subcommand(1);
  ConfigFlags print_flags;
  auto* print_command = config_command->add_subcommand(
      "print", "Check the configuration and print it as TOML, secrets redacted");
  print_flags.add_to(*print_command);
  auto* keys_command = config_command->add_subcommand(
      "keys", "Print every configuration key with its default, unit, variable and flag");

  TokenOptions token;
  auto* token_command = app.add_subcommand(
      "token", "Print an ID token signed by the development provider's key, for scripts and tests");
  token_command->add_option("--user", token.user, "Subject (sub claim)")->required();
  token_command->add_option("--org", token.org, "Tenant (org claim)")->required();
  token_command->add_option("--roles", token.roles, "Comma-separated roles, such as admin");
  token_command->add_option("--data-dir", token.data_dir, "Data folder of the server")
      ->capture_default_str();
  token_command
      ->add_option("--listen", token.listen, "API address of the server, which names the issuer")
      ->capture_default_str();
  token_command->add_option("--issuer", token.issuer,
                            "Issuer (iss claim), overriding the one derived from --listen, for a "
                            "server with TLS or server.public_url");
  token_command->add_option("--ttl", token.ttl_seconds, "Token lifetime in seconds")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{24 * 3600}));
  token_command->add_option("--expires-at", token.expires_at,
                            "Expiry as Unix seconds, overriding --ttl (to test expiry handling)");

  std::filesystem::path store_data_dir = "satchel-data";
  std::string store_listen = "127.0.0.1:9000";
  auto* store_command = app.add_subcommand("store", "Embedded S3 store tools");
  store_command->require_subcommand(1);
  auto* credentials_command = store_command->add_subcommand(
      "credentials", "Print the store's endpoint and admin key as shell export lines");
  credentials_command->add_option("--data-dir", store_data_dir, "Data folder of the server")
      ->capture_default_str();
  credentials_command->add_option("--store-listen", store_listen, "Store address, HOST:PORT")
      ->capture_default_str();

  ConfigFlags migrate_flags;
  auto* migrate_command = app.add_subcommand(
      "migrate-db",
      "Bring the metadata database to this binary's schema version, as serve does at start-up. "
      "It reads the same settings as serve");
  migrate_flags.add_to(*migrate_command);

  satchel::cli::PolicyCheckOptions policy_check;
  auto* policy_check_command = satchel::cli::add_policy_check_command(app, policy_check);

  satchel::cli::KeysOptions keys_options;
  auto* master_keys_command = satchel::cli::add_keys_command(app, keys_options);

  satchel::cli::MigrateOptions import_options;
  auto* import_command = satchel::cli::add_migrate_command(app, import_options);

  satchel::cli::BucketInitOptions bucket_init;
  auto* bucket_init_command = satchel::cli::add_bucket_init_command(app, bucket_init);

  satchel::cli::ReconcileCommandOptions reconcile_options;
  auto* reconcile_command = satchel::cli::add_reconcile_command(app, reconcile_options);

  CLI11_PARSE(app, argc, argv);

  if (serve_command->parsed()) {
    auto config = serve_flags.load();
    if (!config) return report_config_error("serve", config.error());
    return satchel::cli::run_serve(*config);
  }
  if (print_command->parsed()) {
    auto config = print_flags.load();
    if (!config) return report_config_error("config print", config.error());
    std::cout << satchel::config::render(*config);
    return 0;
  }
  if (migrate_command->parsed()) {
    auto config = migrate_flags.load();
    if (!config) return report_config_error("migrate-db", config.error());
    return satchel::cli::run_migrate_db(*config);
  }
  if (import_command->parsed()) return satchel::cli::run_migrate(import_options);
  if (keys_command->parsed()) return satchel::cli::run_config_keys();
  if (token_command->parsed()) return satchel::cli::run_token(token);
  if (credentials_command->parsed()) {
    return satchel::cli::run_store_credentials(store_data_dir, store_listen);
  }
  if (policy_check_command->parsed()) return satchel::cli::run_policy_check(policy_check);
  if (bucket_init_command->parsed()) return satchel::cli::run_bucket_init(bucket_init);
  if (reconcile_command->parsed()) return satchel::cli::run_reconcile(reconcile_options);
  if (master_keys_command->parsed()) {
    return satchel::cli::run_keys(*master_keys_command, keys_options);
  }
  return 2;
}
