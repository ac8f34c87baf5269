// `satchel serve`. With the default configuration it runs the whole system
// on one machine: the API and web page, the embedded store, SQLite metadata
// and the development OpenID provider. The embedded store and the API run on
// one io_context but reach each other only through the S3 protocol, as they
// do with an external store (store.embedded = false).
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/api.h"
#include "app/lifecycle_sweeper.h"
#include "app/oidc_routes.h"
#include "app/preferences_schema.h"
#include "app/s3_gateway.h"
#include "app/store_capabilities.h"
#include "app/web_routes.h"
#include "auth/dev_provider.h"
#include "auth/signing_key.h"
#include "auth/token_authenticator.h"
#include "cli/dev_setup.h"
#include "cli/metered_repository.h"
#include "cli/migrate_db.h"
#include "cli/options.h"
#include "cli/shutdown.h"
#include "common/encoding.h"
#include "config/load.h"
#include "http/offload.h"
#include "http/server.h"
#include "http/tls.h"
#include "media/thumbnail.h"
#include "meta/open_repository.h"
#include "obs/catalog.h"
#include "obs/log.h"
#include "obs/process_metrics.h"
#include "obs/request_context.h"
#include "policy/policy.h"
#include "store/store.h"

namespace satchel::cli {
namespace {

namespace asio = boost::asio;
using TlsContext = std::shared_ptr<asio::ssl::context>;

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

// Counts the outcome of a token check in the metrics, and on success records
// the caller in the request context for the access log.
void note_authentication(const Expected<policy::Principal, app::AuthFailure>& result) {
  if (!result) {
    obs::catalog::token_rejections().labels({result.error().reason}).increment();
    return;
  }
  if (obs::RequestContext* context = obs::current_request()) {
    context->subject = result->subject;
    context->tenant = result->tenant;
  }
  obs::catalog::tenant_requests().labels({obs::catalog::tenant_label(result->tenant)}).increment();
}

// Wraps an authenticator so that every outcome reaches note_authentication().
app::Authenticator count_authentications(app::Authenticator inner) {
  return [inner = std::move(inner)](
             std::string token) -> http::asio::awaitable<app::Authenticator::Result> {
    auto result = co_await inner(std::move(token));
    note_authentication(result);
    co_return result;
  };
}

// Copies the signing key caches' and the verified-token cache's counters into
// the metrics at each scrape.
void export_key_cache_counters(std::shared_ptr<const auth::TokenAuthenticator> tokens) {
  obs::default_registry().on_render([tokens = std::move(tokens)] {
    const auth::VerifiedTokenCacheCounters verified = tokens->verified_token_cache_counters();
    auto& verified_events = obs::catalog::verified_token_cache_events();
    verified_events.labels({"hit"}).set_total(verified.hits);
    verified_events.labels({"miss"}).set_total(verified.misses);
    verified_events.labels({"eviction"}).set_total(verified.evictions);
    auto& events = obs::catalog::jwks_cache_events();
    for (const auto& [issuer, counters] : tokens->key_cache_counters()) {
      events.labels({issuer, "fetch"}).set_total(counters.fetches);
      events.labels({issuer, "fetch_failure"}).set_total(counters.fetch_failures);
      events.labels({issuer, "hit"}).set_total(counters.hits);
      events.labels({issuer, "miss"}).set_total(counters.misses);
      events.labels({issuer, "unknown_kid_refetch"}).set_total(counters.unknown_kid_refetches);
      events.labels({issuer, "refetch_suppressed"}).set_total(counters.refetches_suppressed);
      events.labels({issuer, "stale_lookup"}).set_total(counters.stale_lookups);
    }
  });
}

// The access policy of policy.file, or null for the built-in one.
Expected<std::shared_ptr<const policy::Policy>, std::string> load_policy(
    const config::Config& config) {
  if (config.policy.file.empty()) return std::shared_ptr<const policy::Policy>();
  auto loaded = policy::Policy::load(config.policy.file.string());
  if (!loaded) return Unexpected("policy.file: " + loaded.error());
  return std::make_shared<const policy::Policy>(std::move(*loaded));
}

// The largest store reply the API reads: the client's default, or an
// avatar, which complete reads whole, when that is larger.
uint64_t store_response_limit(const config::Config& config) {
  return std::max(http::ClientOptions{}.max_response_bytes, config.api.max_avatar_bytes);
}

// The schema of api.preferences_schema_file, or the built-in one.
Expected<std::shared_ptr<const app::PreferencesSchema>, std::string> load_preferences_schema(
    const config::Config& config) {
  if (config.api.preferences_schema_file.empty()) return app::PreferencesSchema::builtin();
  auto loaded = app::PreferencesSchema::load_file(config.api.preferences_schema_file);
  if (!loaded) return Unexpected("api.preferences_schema_file: " + loaded.error());
  return std::move(*loaded);
}

// The provider and client the web page signs in with: the development
// provider when it is on, else the first configured issuer and its first
// audience.
struct WebSignIn {
  std::string issuer;
  std::string client_id;
};

WebSignIn web_sign_in(const config::Config& config, const DevSetup& setup) {
  if (config.dev_provider_enabled()) return {setup.issuer, setup.client_id};
  const toml::node_view first = config.document.at_path("auth.issuers[0]");
  return {first["issuer"].value_or(std::string()), first["audiences"][0].value_or(std::string())};
}

// The origin browsers use for a listener: the configured public URL, or the
// scheme and listen address.
std::string public_origin(const std::string& public_url, const HostPort& address, bool tls) {
  if (!public_url.empty()) return public_url;
  return (tls ? "https://" : "http://") + address.to_string();
}

// Counts the embedded store's object bytes per tenant: the key's first
// segment after the bucket in the path-style URL "/bucket/tenant/...".
void count_tenant_bytes(const http::Request& request, const http::Exchange& exchange) {
  std::string_view path = request.path();
  if (path.size() < 2) return;
  size_t bucket_end = path.find('/', 1);
  if (bucket_end == std::string_view::npos) return;
  std::string_view rest = path.substr(bucket_end + 1);
  // The capability probe's scratch objects belong to no tenant.
  if (rest.starts_with(app::kProbeKeyPrefix)) return;
  auto tenant = percent_decode(rest.substr(0, rest.find('/')));
  if (!tenant || tenant->empty() || rest.find('/') == std::string_view::npos) return;
  std::string_view label = obs::catalog::tenant_label(*tenant);
  auto& bytes = obs::catalog::tenant_store_bytes();
  if (exchange.body_bytes_read > 0) bytes.labels({label, "in"}).increment(exchange.body_bytes_read);
  if (request.method() == http::Verb::get && exchange.status / 100 == 2) {
    bytes.labels({label, "out"}).increment(exchange.bytes_written);
  }
}

void apply_limits(const config::ServerConfig& server, http::ServerOptions& options) {
  options.max_header_bytes = server.max_header_bytes;
  options.request.read_timeout = server.read_timeout;
  options.idle_timeout = server.idle_timeout;
  options.write_timeout = server.write_timeout;
  options.max_connections = server.max_connections;
  options.max_connections_per_client = server.max_connections_per_client;
}

Expected<TlsContext, std::string> server_tls(const std::string& table,
                                             const config::TlsFiles& files) {
  if (!files.enabled()) return TlsContext{};
  auto context = http::make_server_tls_context(files.cert_file, files.key_file);
  if (!context) return Unexpected(table + ": " + context.error());
  return *context;
}

// The metadata repository that metadata.url names.
Expected<std::unique_ptr<meta::Repository>, std::string> open_metadata(
    const config::Config& config) {
  Secret url = metadata_url(config);
  auto location = meta::parse_repository_url(url);
  if (!location) return Unexpected("metadata.url: " + location.error().message);
  auto repository = meta::open_repository(url);
  if (!repository) {
    return Unexpected("cannot open the " + std::string(meta::backend_name(location->backend)) +
                      " metadata database: " + repository.error().message);
  }
  obs::info("metadata database open", {{"backend", meta::backend_name(location->backend)}});
  return std::move(*repository);
}

// The readiness probe of the metadata index: a lookup that finds nothing
// proves that the database responds.
app::ReadinessCheck metadata_check(meta::Repository& repository, asio::thread_pool& workers) {
  return {"metadata", [&repository, &workers]() -> asio::awaitable<Expected<void, std::string>> {
            auto result = co_await http::offload(workers, [&repository] {
              return repository.get_object("satchel-readiness", "satchel-readiness/probe/probe");
            });
            if (!result && result.error().code == meta::MetaErrorCode::kUnavailable) {
              co_return Unexpected("metadata index unavailable: " + result.error().message);
            }
            co_return Expected<void, std::string>{};
          }};
}

app::CapabilitySetting capability_setting(config::FeatureSetting setting) {
  switch (setting) {
    case config::FeatureSetting::kOn:
      return app::CapabilitySetting::kOn;
    case config::FeatureSetting::kOff:
      return app::CapabilitySetting::kOff;
    case config::FeatureSetting::kAuto:
      break;
  }
  return app::CapabilitySetting::kAuto;
}

// Runs the capability probe to completion on io before the API serves, so
// that no request sees the capabilities change. A failed probe leaves a
// capability off, which is correct with every store.
app::StoreCapabilities decide_store_capabilities(asio::io_context& io, app::S3Gateway& gateway,
                                                 const config::StoreConfig& store) {
  bool done = false;
  app::StoreCapabilities capabilities;
  asio::co_spawn(
      io,
      app::probe_store_capabilities(gateway, capability_setting(store.conditional_writes),
                                    capability_setting(store.checksums)),
      [&](std::exception_ptr error, app::StoreCapabilities probed) {
        done = true;
        if (error) {
          obs::error(
              "store capability probe failed; conditional writes and "
              "checksums stay off");
          return;
        }
        capabilities = probed;
      });
  while (!done && io.run_one() > 0) {
  }
  if (io.stopped()) io.restart();
  return capabilities;
}

}  // namespace

int run_serve(const config::Config& config) {
  obs::Level level{};
  obs::parse_level(config.log_level, level);  // the configuration checked the name
  obs::init_logging(level);
  obs::register_process_metrics(obs::default_registry());
  obs::catalog::register_all();
  obs::catalog::build_info().labels({SATCHEL_VERSION}).set(1);
  obs::catalog::set_max_tenants(config.metrics.max_tenants);

  auto fail = [](std::string_view what, const std::string& error) {
    obs::error(what, {{"error", error}});
    obs::flush_logs();
    return 1;
  };
  auto api_address = parse_host_port(config.server.listen);
  auto store_address = parse_host_port(config.store.listen);
  if (auto prepared = prepare_data_dir(config.data_dir); !prepared) {
    return fail("cannot start", prepared.error());
  }
  auto api_tls = server_tls("server.tls", config.server.tls);
  if (!api_tls) return fail("cannot start", api_tls.error());
  auto store_tls = config.store.embedded ? server_tls("store.tls", config.store.tls)
                                         : Expected<TlsContext, std::string>(TlsContext{});
  if (!store_tls) return fail("cannot start", store_tls.error());
  auto client_tls = http::make_client_tls_context(config.store.ca_file);
  if (!client_tls) return fail("cannot start", "store.ca_file: " + client_tls.error());

  asio::io_context io;
  asio::thread_pool workers(config.server.worker_threads);
  auto clock = std::make_shared<SystemClock>();
  const std::string api_origin =
      public_origin(config.server.public_url, *api_address, *api_tls != nullptr);
  DevSetup setup = dev_setup(*api_address, config.server.public_url, *api_tls != nullptr);
  std::vector<std::string> web_origins = setup.web_origins;
  web_origins.insert(web_origins.end(), config.api.web_origins.begin(),
                     config.api.web_origins.end());

  // The embedded store, or the external store's endpoint and key pair.
  std::unique_ptr<store::Store> embedded_store;
  std::unique_ptr<http::Server> store_server;
  std::string store_origin = config.store.endpoint;
  s3::Credentials api_credentials{config.store.access_key_id, config.store.secret_access_key, {}};
  if (config.store.embedded) {
    store::StoreOptions store_options{
        .data_dir = config.data_dir,
        .region = config.store.region,
        .default_bucket = config.store.bucket,
        .cors_allowed_origins = web_origins,
        .max_object_bytes = config.store.max_object_bytes,
        .max_upload_age = config.store.max_upload_age,
        .stale_upload_sweep_interval = config.store.stale_upload_sweep_interval,
        .master_key = config.store.master_key,
        .key_check_interval = config.store.key_check_interval,
        .lifecycle_interval = config.store.lifecycle_interval,
        .clock = clock};
    auto opened = store::Store::open(store_options, workers);
    if (!opened) return fail("cannot open the embedded store", opened.error());
    embedded_store = std::move(*opened);
    auto options = embedded_store->server_options(store_address->host, store_address->port);
    apply_limits(config.server, options);
    options.tls = *store_tls;
    options.on_exchange = count_tenant_bytes;
    store_server =
        std::make_unique<http::Server>(io, std::move(options), embedded_store->make_handler());
    store_origin = public_origin(config.store.public_url, *store_address, *store_tls != nullptr);
    auto credentials = store::load_or_create_credentials(
        config.data_dir, store::KeyPolicy::objects_only(config.store.bucket, ""));
    if (!credentials) return fail("cannot read the store credentials", credentials.error());
    // The api key's policy names the bucket it was created for. After a
    // change of store.bucket every API call would be denied, so stop here.
    const store::KeyPolicy& api_policy = credentials->api.policy;
    if (!api_policy.is_full_access() && api_policy.bucket() != config.store.bucket) {
      return fail("cannot start",
                  "the store's api key is limited to bucket '" + api_policy.bucket() +
                      "' but store.bucket is '" + config.store.bucket + "'; edit the api key's " +
                      "policy in " + store::credentials_path(config.data_dir).string());
    }
    api_credentials = {credentials->api.access_key_id, credentials->api.secret_access_key, {}};
  }

  // Metadata.
  auto database = open_metadata(config);
  if (!database) return fail("cannot start", database.error());
  auto repository = make_metered_repository(**database);

  // Tokens: every [[auth.issuers]] entry, and the development OpenID provider
  // when it is on.
  std::shared_ptr<auth::DevProvider> provider;
  std::vector<auth::TrustedIssuer> fixed_issuers;
  if (config.dev_provider_enabled()) {
    auto key = auth::SigningKey::load_or_create(dev_signing_key_path(config.data_dir));
    if (!key) {
      return fail("cannot load the development provider's signing key",
                  std::string(auth::signing_key_error_description(key.error())));
    }
    auto signing_key = std::make_shared<const auth::SigningKey>(std::move(*key));
    provider = std::make_shared<auth::DevProvider>(dev_provider_config(setup), signing_key, *clock);
    obs::warn("development OpenID provider is enabled: anyone can sign in as any user",
              {{"issuer", setup.issuer}});
    auto keys = auth::JwkSet::from_json(signing_key->jwks());
    fixed_issuers.push_back(auth::make_fixed_issuer(
        setup.issuer, {setup.client_id}, std::make_shared<const auth::JwkSet>(std::move(*keys))));
  }
  auto tokens = auth::make_token_authenticator(config.document, std::move(fixed_issuers),
                                               io.get_executor(), *clock);
  if (!tokens) return fail("cannot start", tokens.error());
  if ((*tokens)->issuer_count() == 0) {
    obs::warn(
        "no token issuer is configured, so every API call will be rejected: configure "
        "[[auth.issuers]] or turn dev_provider.enabled on");
  }
  export_key_cache_counters(*tokens);
  WebSignIn sign_in = web_sign_in(config, setup);
  auto access_policy = load_policy(config);
  if (!access_policy) return fail("cannot start", access_policy.error());
  auto preferences_schema = load_preferences_schema(config);
  if (!preferences_schema) return fail("cannot start", preferences_schema.error());
  // libvips starts once, before any worker makes a thumbnail.
  if (auto started = media::initialize_image_library("satchel"); !started) {
    return fail("cannot start", started.error());
  }

  // The API, which reaches the store over S3.
  auto store_url = http::parse_url(store_origin);
  if (!store_url) return fail("cannot start", "invalid store URL '" + store_origin + "'");
  auto gateway = app::S3Gateway::create({.url = *store_url,
                                         .bucket = config.store.bucket,
                                         .region = config.store.region,
                                         .credentials = api_credentials,
                                         .sse = config.store.sse,
                                         .sse_kms_key_id = config.store.sse_kms_key_id},
                                        io.get_executor(), *clock,
                                        {.timeout = config.store.timeout,
                                         .max_response_bytes = store_response_limit(config),
                                         .tls = *client_tls});
  if (!gateway) return fail("cannot use the store endpoint", gateway.error());
  // The embedded store listens before the API, so that the capability probe
  // can reach it.
  if (store_server) {
    if (auto listening = store_server->listen(); !listening) {
      return fail("cannot start", listening.error());
    }
    store_server->start();
  }
  app::ApiConfig api_config{
      .presign_ttl = config.api.presign_ttl,
      .upload_ttl = config.api.upload_ttl,
      .max_upload_bytes = config.api.max_upload_bytes,
      .max_json_body_bytes = config.api.max_json_body_bytes,
      .presign_rate_limit = {.burst = double(config.api.presign_burst),
                             .rate_per_second = double(config.api.presign_per_second)},
      .web_origins = web_origins,
      .issuer = sign_in.issuer,
      .web_client_id = sign_in.client_id,
      .store_origin = store_url->origin(),
      .preferences_schema = *preferences_schema,
      .max_avatar_bytes = config.api.max_avatar_bytes,
      .keep_avatar_original = config.api.keep_avatar_original};
  auto audit_log = app::make_database_audit_log(*repository, workers);
  app::Api api(api_config, count_authentications(app::make_authenticator(*tokens)), *repository,
               **gateway, workers, *clock, *access_policy, audit_log);
  std::atomic<bool> draining{false};
  http::Router router;
  api.register_routes(router);
  app::register_web_routes(router, api_config);
  if (provider) app::register_oidc_routes(router, provider, web_origins);
  app::S3Gateway& store_gateway = **gateway;
  app::register_readiness_route(router,
                                {metadata_check(*repository, workers),
                                 {"store", [&store_gateway] { return store_gateway.probe(); }}},
                                [&draining] { return draining.load(); });
  if (config.metrics.enabled) app::register_metrics_route(router, obs::default_registry());

  http::ServerOptions api_options{.name = "api",
                                  .host = api_address->host,
                                  .port = api_address->port,
                                  .request = {.max_body_bytes = api_config.max_json_body_bytes}};
  apply_limits(config.server, api_options);
  api_options.tls = *api_tls;
  api_options.early_reply = app::api_early_reply;
  http::Server api_server(io, std::move(api_options), app::make_dispatcher(router, api_config));

  std::vector<http::Server*> servers = {&api_server};
  if (store_server) servers.push_back(store_server.get());
  if (auto listening = api_server.listen(); !listening) {
    return fail("cannot start", listening.error());
  }
  // The API binds its port before the probe, so the probe's own store
  // connections cannot take that port as their ephemeral source port, and
  // it accepts only after the capabilities are decided.
  (*gateway)->set_capabilities(config.store.embedded
                                   ? app::decide_embedded_store_capabilities(
                                         capability_setting(config.store.conditional_writes),
                                         capability_setting(config.store.checksums))
                                   : decide_store_capabilities(io, **gateway, config.store));
  api_server.start();
  // The sweeper reads across tenants through the unmetered database, which both back ends
  // open with these queries.
  meta::LifecycleIndex* lifecycle_index = meta::find_lifecycle_index(**database);
  if (lifecycle_index == nullptr)
    return fail("cannot start", "the metadata index has no lifecycle queries");
  app::LifecycleSweeper sweeper(
      {.enabled = config.lifecycle.enabled,
       .sweep_interval = config.lifecycle.sweep_interval,
       .batch_size = config.lifecycle.batch_size,
       .pending_upload_max_age = config.lifecycle.pending_upload_max_age,
       .noncurrent_version_days = config.lifecycle.noncurrent_version_days,
       .noncurrent_version_max_count = config.lifecycle.noncurrent_version_max_count},
      *repository, *lifecycle_index, **gateway, workers, *clock, *access_policy, audit_log);
  sweeper.start(io.get_executor(), [&draining] { return draining.load(); });
  asio::signal_set signals(io, SIGINT, SIGTERM);
  drain_on_signal(io, signals, servers, config.server.shutdown_timeout, draining);

  unsigned threads = config.server.io_threads ? config.server.io_threads
                                              : std::max(1u, std::thread::hardware_concurrency());
  obs::info("satchel is serving",
            {{"api", api_origin},
             {"store", store_origin},
             {"embedded_store", config.store.embedded},
             {"mode", config.mode == config::Mode::kProduction ? "production" : "development"},
             {"data_dir", config.data_dir.string()},
             {"io_threads", int64_t{threads}}});
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : pool) thread.join();
  // The audit store writes in batches, so the last requests' events may still be queued.
  audit_log->flush();
  workers.join();
  obs::info("satchel stopped");
  obs::flush_logs();
  return 0;
}

}  // namespace satchel::cli
