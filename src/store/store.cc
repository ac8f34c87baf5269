#include "store/store.h"

#include <limits>

#include "obs/log.h"
#include "store/request_handler.h"
#include "store/s3_xml.h"
#include "store/sigv4_authenticator.h"

namespace satchel::store {
namespace {

Expected<void, std::string> create_default_bucket(Engine& engine, const std::string& name) {
  auto created = engine.create_bucket(name, Versioning::kEnabled);
  if (created) {
    obs::info("created the default bucket", {{"bucket", name}});
    return {};
  }
  if (created.error() == StoreError::kBucketAlreadyOwnedByYou) return {};
  return Unexpected("cannot create the default bucket '" + name +
                    "': " + std::string(describe(created.error())));
}

// S3's XML error for a request the server rejects before the handler reads it.
http::EarlyReply s3_early_reply(http::Status status, std::string_view message,
                                std::string_view request_id) {
  std::string_view code = "BadRequest";
  if (status == http::Status::request_header_fields_too_large) {
    code = "RequestHeaderSectionTooLarge";
  }
  if (status == http::Status::payload_too_large) code = "EntityTooLarge";
  return {"application/xml", error_document(code, message, "", request_id)};
}

}  // namespace

Expected<std::unique_ptr<Store>, std::string> Store::open(StoreOptions options,
                                                          boost::asio::thread_pool& pool) {
  return open(std::move(options), pool, nullptr);
}

Expected<std::unique_ptr<Store>, std::string> Store::open(
    StoreOptions options, boost::asio::thread_pool& pool,
    std::unique_ptr<Authenticator> authenticator) {
  auto credentials = load_or_create_credentials(
      options.data_dir, KeyPolicy::objects_only(options.default_bucket, ""));
  if (!credentials) return Unexpected(credentials.error());

  EngineOptions engine_options{options.data_dir / "store", options.max_object_bytes,
                               options.max_upload_age, options.clock, nullptr};
  if (!options.master_key.empty()) {
    auto keys = MasterKeyRing::from_base64(options.master_key);
    if (!keys) return Unexpected(keys.error());
    engine_options.master_keys = std::move(*keys);
  }
  auto engine = Engine::open(std::move(engine_options));
  if (!engine) return Unexpected(engine.error());
  auto bucket = create_default_bucket(**engine, options.default_bucket);
  if (!bucket) return Unexpected(bucket.error());
  // A failed sweep only delays the cleanup, so start-up goes on.
  if (!(*engine)->abort_stale_uploads()) obs::warn("cannot abort stale multipart uploads", {});

  if (!authenticator) {
    authenticator =
        std::make_unique<SigV4Authenticator>(*credentials, options.region, *options.clock);
  }
  return std::unique_ptr<Store>(new Store(std::move(options), std::move(*credentials),
                                          std::move(*engine), std::move(authenticator), pool));
}

Store::Store(StoreOptions options, StoreCredentials credentials, std::unique_ptr<Engine> engine,
             std::unique_ptr<Authenticator> authenticator, boost::asio::thread_pool& pool)
    : options_(std::move(options)),
      credentials_(std::move(credentials)),
      engine_(std::move(engine)),
      authenticator_(std::move(authenticator)),
      handler_(std::make_unique<RequestHandler>(
          *engine_, pool, *authenticator_, CorsPolicy(options_.cors_allowed_origins),
          options_.region, options_.stale_upload_sweep_interval)),
      key_rotation_([this](const std::stop_token& stop) { follow_key_rotation(stop); }),
      lifecycle_([this](const std::stop_token& stop) { apply_lifecycle_periodically(stop); }) {}

void Store::apply_lifecycle_periodically(const std::stop_token& stop) {
  if (options_.lifecycle_interval.count() == 0) return;
  std::mutex mutex;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    auto report = engine_->run_lifecycle_once(options_.clock->now());
    if (!report) {
      obs::error("lifecycle pass failed", {{"error", describe(report.error())}});
    } else if (report->expired + report->noncurrent_removed + report->delete_markers_removed +
                   report->uploads_aborted + report->locked_skipped + report->failed >
               0) {
      obs::info("applied bucket lifecycle rules",
                {{"buckets", report->buckets},
                 {"expired", report->expired},
                 {"noncurrent_removed", report->noncurrent_removed},
                 {"delete_markers_removed", report->delete_markers_removed},
                 {"uploads_aborted", report->uploads_aborted},
                 {"locked_skipped", report->locked_skipped},
                 {"failed", report->failed}});
    }
    std::unique_lock lock(mutex);
    wake.wait_for(lock, stop, options_.lifecycle_interval, [] { return false; });
  }
}

void Store::follow_key_rotation(const std::stop_token& stop) {
  // Data keys left under an older master key by a rotation that a stop
  // interrupted are rewrapped at start-up.
  bool rewrap = true;
  std::mutex mutex;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    // Passes repeat while they find work, because an upload that began
    // under the old key publishes its file after the pass that saw it.
    bool more = false;
    if (rewrap) {
      auto report = engine_->rewrap_data_keys(stop);
      if (report && (report->rewrapped > 0 || report->failed > 0)) {
        obs::info("rewrapped data keys under the current master key",
                  {{"key_id", engine_->master_keys().current().id},
                   {"rewrapped", report->rewrapped},
                   {"failed", report->failed},
                   {"uploads_in_progress", report->uploads_in_progress}});
      }
      more = report && (report->rewrapped > 0 || report->uploads_in_progress > 0);
    }
    if (options_.key_check_interval.count() == 0) return;
    std::unique_lock lock(mutex);
    wake.wait_for(lock, stop, options_.key_check_interval, [] { return false; });
    if (stop.stop_requested()) return;
    auto changed = engine_->master_keys().reload();
    if (!changed) obs::error("cannot reread the master key file", {{"error", changed.error()}});
    rewrap = more || (changed && *changed);
  }
}

Store::~Store() = default;

http::Handler Store::make_handler() {
  RequestHandler* handler = handler_.get();
  return [handler](http::Request& request) { return handler->handle(request); };
}

http::ServerOptions Store::server_options(std::string host, uint16_t port) const {
  http::ServerOptions server;
  server.name = "store";
  server.host = std::move(host);
  server.port = port;
  // The handler enforces max_object_bytes itself so that clients get S3's
  // EntityTooLarge; a server limit would reject the header first with a
  // plain-text 400.
  server.request.max_body_bytes = std::numeric_limits<uint64_t>::max();
  server.early_reply = s3_early_reply;
  return server;
}

}  // namespace satchel::store
