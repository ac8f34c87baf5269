// satchel: secure per-user storage for internal micro-apps.
#include <CLI/CLI.hpp>

#include "cli/options.h"
#include "cli/policy_check.h"

int main(int argc, char** argv) {
  using satchel::cli::ServeOptions;
  using satchel::cli::TokenOptions;

  CLI::App app{"Satchel: per-user storage behind OpenID Connect and S3 presigned URLs"};
  app.require_subcommand(1);

  ServeOptions serve;
  auto* serve_command = app.add_subcommand(
      "serve", "Run the API, web page, embedded S3 store and dev OpenID provider");
  serve_command->add_option("--listen", serve.listen, "API and web page address, HOST:PORT")
      ->capture_default_str();
  serve_command
      ->add_option("--store-listen", serve.store_listen, "Embedded S3 store address, HOST:PORT")
      ->capture_default_str();
  serve_command
      ->add_option("--data-dir", serve.data_dir,
                   "Folder for objects, metadata and keys (created if missing)")
      ->capture_default_str();
  serve_command->add_option("--log-level", serve.log_level, "debug, info, warn or error")
      ->capture_default_str();
  serve_command
      ->add_option("--presign-ttl", serve.presign_ttl_seconds,
                   "Lifetime of presigned URLs, in seconds (1 to 604800)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{604800}));
  serve_command
      ->add_option("--max-upload-bytes", serve.max_upload_bytes,
                   "Largest object a user may upload, in bytes")
      ->capture_default_str();
  serve_command
      ->add_option("--io-threads", serve.io_threads,
                   "Threads serving network I/O (0: one per core)")
      ->capture_default_str();

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

  satchel::cli::PolicyCheckOptions policy_check;
  auto* policy_check_command = satchel::cli::add_policy_check_command(app, policy_check);

  CLI11_PARSE(app, argc, argv);

  if (serve_command->parsed()) return satchel::cli::run_serve(serve);
  if (token_command->parsed()) return satchel::cli::run_token(token);
  if (credentials_command->parsed()) {
    return satchel::cli::run_store_credentials(store_data_dir, store_listen);
  }
  if (policy_check_command->parsed()) return satchel::cli::run_policy_check(policy_check);
  return 2;
}
