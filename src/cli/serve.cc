// `satchel serve`: the whole system on one machine. The embedded store and
// the API run on one io_context but reach each other only through the S3
// protocol over loopback, as they would with a remote store.
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/api.h"
#include "app/oidc_routes.h"
#include "app/s3_gateway.h"
#include "app/web_routes.h"
#include "auth/dev_provider.h"
#include "auth/jwt_verifier.h"
#include "auth/signing_key.h"
#include "cli/dev_setup.h"
#include "cli/options.h"
#include "http/server.h"
#include "meta/sqlite_repository.h"
#include "obs/log.h"
#include "store/store.h"

namespace satchel::cli {
namespace {

namespace asio = boost::asio;

constexpr std::chrono::seconds kShutdownGrace{10};
constexpr unsigned kWorkerThreads = 4;

// Creates the data folder readable by its owner only, because it contains keys.
Expected<void, std::string> prepare_data_dir(const std::filesystem::path& data_dir) {
  for (const auto& folder : {data_dir, dev_signing_key_path(data_dir).parent_path()}) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) {
      return Unexpected("cannot create data directory " + folder.string() + ": " + error.message());
    }
    ::chmod(folder.c_str(), 0700);
  }
  return {};
}

app::Authenticator make_authenticator(std::shared_ptr<auth::JwtVerifier> verifier) {
  return [verifier](std::string_view token) -> Expected<policy::Principal, app::AuthFailure> {
    auto verified = verifier->verify(token);
    if (!verified) {
      return Unexpected(app::AuthFailure{std::string(auth::token_error_reason(verified.error())),
                                         auth::bearer_challenge(verified.error(), "satchel")});
    }
    return policy::Principal{std::move(verified->subject), std::move(verified->tenant),
                             std::move(verified->roles)};
  };
}

// Stops accepting on SIGINT or SIGTERM, lets requests in flight finish for
// a bounded time, then stops the io_context.
void stop_on_signal(asio::io_context& io, asio::signal_set& signals,
                    std::vector<http::Server*> servers) {
  signals.async_wait([&io, servers](const boost::system::error_code& error, int signal) {
    if (error) return;
    obs::info("shutting down", {{"signal", signal}});
    for (auto* server : servers) server->stop();
    auto timer = std::make_shared<asio::steady_timer>(io);
    auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [&io, servers, timer, deadline, poll] {
      bool busy = std::any_of(servers.begin(), servers.end(),
                              [](auto* server) { return server->active_connections() > 0; });
      if (!busy || std::chrono::steady_clock::now() >= deadline) {
        io.stop();
        return;
      }
      timer->expires_after(std::chrono::milliseconds(50));
      timer->async_wait([poll](const boost::system::error_code&) { (*poll)(); });
    };
    (*poll)();
  });
}

}  // namespace

int run_serve(const ServeOptions& options) {
  obs::Level level{};
  if (!obs::parse_level(options.log_level, level)) {
    std::cerr << "satchel: invalid --log-level '" << options.log_level
              << "': use debug, info, warn or error\n";
    return 2;
  }
  obs::init_logging(level);

  auto api_address = parse_host_port(options.listen);
  auto store_address = parse_host_port(options.store_listen);
  if (!api_address || !store_address) {
    obs::error("invalid listen address",
               {{"error", !api_address ? api_address.error() : store_address.error()}});
    return 2;
  }
  if (auto prepared = prepare_data_dir(options.data_dir); !prepared) {
    obs::error("cannot start", {{"error", prepared.error()}});
    return 1;
  }

  asio::io_context io;
  asio::thread_pool workers(kWorkerThreads);
  auto clock = std::make_shared<SystemClock>();
  const std::string api_origin = "http://" + api_address->to_string();
  const std::string store_origin = "http://" + store_address->to_string();
  DevSetup setup = dev_setup(*api_address);

  // The embedded store.
  store::StoreOptions store_options{
      .data_dir = options.data_dir, .cors_allowed_origins = setup.web_origins, .clock = clock};
  auto store = store::Store::open(store_options, workers);
  if (!store) {
    obs::error("cannot open the embedded store", {{"error", store.error()}});
    return 1;
  }
  http::Server store_server(io, (*store)->server_options(store_address->host, store_address->port),
                            (*store)->make_handler());

  // Metadata.
  auto repository = meta::open_sqlite_repository(options.data_dir / "metadata.db");
  if (!repository) {
    obs::error("cannot open the metadata database", {{"error", repository.error().message}});
    return 1;
  }

  // The development OpenID provider and the token verifier that trusts it.
  auto key = auth::SigningKey::load_or_create(dev_signing_key_path(options.data_dir));
  if (!key) {
    obs::error("cannot load the development provider's signing key",
               {{"error", auth::signing_key_error_description(key.error())}});
    return 1;
  }
  auto signing_key = std::make_shared<const auth::SigningKey>(std::move(*key));
  auto provider =
      std::make_shared<auth::DevProvider>(dev_provider_config(setup), signing_key, *clock);
  obs::warn("development OpenID provider is enabled: anyone can sign in as any user",
            {{"issuer", setup.issuer}});
  auto keys = auth::JwkSet::from_json(signing_key->jwks());
  auto verifier = std::make_shared<auth::JwtVerifier>(
      auth::JwtVerifierConfig{.issuer = setup.issuer, .audiences = {setup.client_id}},
      auth::make_key_lookup(std::make_shared<const auth::JwkSet>(std::move(*keys))), *clock);

  // The API, which reaches the store over S3 with the store's api key.
  auto credentials = store::load_or_create_credentials(options.data_dir);
  if (!credentials) {
    obs::error("cannot read the store credentials", {{"error", credentials.error()}});
    return 1;
  }
  auto gateway = app::S3Gateway::create(
      {.url = *http::parse_url(store_origin),
       .bucket = store_options.default_bucket,
       .region = store_options.region,
       .credentials = {credentials->api.access_key_id, credentials->api.secret_access_key, {}}},
      io.get_executor(), *clock);
  if (!gateway) {
    obs::error("cannot use the store endpoint", {{"error", gateway.error()}});
    return 1;
  }

  app::ApiConfig api_config{.presign_ttl = std::chrono::seconds(options.presign_ttl_seconds),
                            .max_upload_bytes = options.max_upload_bytes,
                            .web_origins = setup.web_origins,
                            .issuer = setup.issuer,
                            .web_client_id = setup.client_id,
                            .store_origin = store_origin};
  app::Api api(api_config, make_authenticator(verifier), **repository, **gateway, workers, *clock);
  http::Router router;
  api.register_routes(router);
  app::register_web_routes(router, api_config);
  app::register_oidc_routes(router, provider, setup.web_origins);
  http::Server api_server(io,
                          {.name = "api",
                           .host = api_address->host,
                           .port = api_address->port,
                           .request = {.max_body_bytes = api_config.max_json_body_bytes}},
                          app::make_dispatcher(router, api_config));

  for (auto* server : {&store_server, &api_server}) {
    if (auto listening = server->listen(); !listening) {
      obs::error("cannot start", {{"error", listening.error()}});
      return 1;
    }
    server->start();
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  stop_on_signal(io, signals, {&api_server, &store_server});

  unsigned threads =
      options.io_threads ? options.io_threads : std::max(1u, std::thread::hardware_concurrency());
  obs::info("satchel is serving", {{"api", api_origin},
                                   {"store", store_origin},
                                   {"data_dir", options.data_dir.string()},
                                   {"io_threads", int64_t{threads}}});
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : pool) thread.join();
  workers.join();
  obs::info("satchel stopped");
  return 0;
}

}  // namespace satchel::cli
