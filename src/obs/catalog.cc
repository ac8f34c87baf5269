#include "obs/catalog.h"

#include <atomic>

namespace satchel::obs::catalog {
namespace {

// Routes times methods times statuses stays far below this; it only guards
// against a bug that puts raw paths into the route label.
constexpr size_t kMaxRouteSeries = 2000;
// A backstop behind tenant_label(), which does the real capping.
constexpr size_t kMaxTenantSeries = 10000;

Registry& registry() { return default_registry(); }

}  // namespace

CounterFamily& http_requests() {
  static auto& family =
      registry().counter("satchel_http_requests_total", "HTTP requests served.",
                         {"server", "route", "method", "status"}, kMaxRouteSeries);
  return family;
}

HistogramFamily& http_request_duration() {
  static auto& family = registry().histogram(
      "satchel_http_request_duration_seconds",
      "Time from the end of the request header to the last byte of the response.",
      {"server", "route"}, latency_buckets_seconds(), kMaxRouteSeries);
  return family;
}

CounterFamily& http_request_body_bytes() {
  static auto& family = registry().counter("satchel_http_request_body_bytes_total",
                                           "Request body bytes read by handlers.",
                                           {"server", "route"}, kMaxRouteSeries);
  return family;
}

CounterFamily& http_response_bytes() {
  static auto& family = registry().counter("satchel_http_response_bytes_total",
                                           "Response bytes written, header included.",
                                           {"server", "route"}, kMaxRouteSeries);
  return family;
}

GaugeFamily& http_open_connections() {
  static auto& family =
      registry().gauge("satchel_http_open_connections", "Open client connections.", {"server"});
  return family;
}

CounterFamily& http_rejected_connections() {
  static auto& family = registry().counter(
      "satchel_http_rejected_connections_total",
      "Connections closed at once because the connection limit was reached.", {"server"});
  return family;
}

CounterFamily& presigned_urls() {
  static auto& family = registry().counter("satchel_presigned_urls_total",
                                           "Presigned URLs issued, by S3 action.", {"action"});
  return family;
}

CounterFamily& presigned_upload_bytes() {
  static auto& family =
      registry().counter("satchel_presigned_upload_bytes_total",
                         "Bytes that issued presigned PUT URLs allow clients to upload.");
  return family;
}

CounterFamily& token_rejections() {
  static auto& family = registry().counter("satchel_token_rejections_total",
                                           "Bearer tokens rejected, by reason.", {"reason"});
  return family;
}

CounterFamily& moved_key_requests() {
  static auto& family = registry().counter(
      "satchel_moved_key_requests_total",
      "Requests for a moved key's old name answered with a redirect, by tenant and route.",
      {"tenant", "route"});
  return family;
}

CounterFamily& jwks_cache_events() {
  static auto& family =
      registry().counter("satchel_jwks_cache_events_total",
                         "Signing key cache events per token issuer.", {"issuer", "event"});
  return family;
}

CounterFamily& verified_token_cache_events() {
  static auto& family = registry().counter("satchel_verified_token_cache_events_total",
                                           "Verified bearer token cache events.", {"event"});
  return family;
}

CounterFamily& store_client_requests() {
  static auto& family =
      registry().counter("satchel_store_client_requests_total",
                         "Requests from the API to the object store, by operation and outcome.",
                         {"operation", "outcome"});
  return family;
}

HistogramFamily& store_client_duration() {
  static auto& family =
      registry().histogram("satchel_store_client_request_duration_seconds",
                           "Duration of requests from the API to the object store.", {"operation"});
  return family;
}

CounterFamily& metadata_queries() {
  static auto& family = registry().counter("satchel_metadata_queries_total",
                                           "Metadata repository calls, by operation and outcome.",
                                           {"operation", "outcome"});
  return family;
}

HistogramFamily& metadata_query_duration() {
  static auto& family =
      registry().histogram("satchel_metadata_query_duration_seconds",
                           "Duration of metadata repository calls.", {"operation"});
  return family;
}

namespace {

std::atomic<size_t> max_tenants{kDefaultMaxTenants};

}  // namespace

void set_max_tenants(size_t value) { max_tenants.store(value); }

std::string_view tenant_label(std::string_view tenant) {
  static BoundedLabelValues tenants(max_tenants.load());
  return tenants.map(tenant);
}

CounterFamily& tenant_requests() {
  static auto& family = registry().counter(
      "satchel_tenant_requests_total",
      "Authenticated API requests by tenant; tenants past the cap count as \"other\".", {"tenant"},
      kMaxTenantSeries);
  return family;
}

CounterFamily& tenant_store_bytes() {
  static auto& family =
      registry().counter("satchel_tenant_store_bytes_total",
                         "Object bytes through the embedded store by tenant and direction; "
                         "tenants past the cap count as \"other\".",
                         {"tenant", "direction"}, kMaxTenantSeries);
  return family;
}

GaugeFamily& build_info() {
  static auto& family =
      registry().gauge("satchel_build_info", "Constant 1, labelled with the version.", {"version"});
  return family;
}

void register_all() {
  http_requests();
  http_request_duration();
  http_request_body_bytes();
  http_response_bytes();
  http_open_connections();
  http_rejected_connections();
  presigned_urls();
  presigned_upload_bytes();
  token_rejections();
  moved_key_requests();
  jwks_cache_events();
  verified_token_cache_events();
  store_client_requests();
  store_client_duration();
  metadata_queries();
  metadata_query_duration();
  tenant_requests();
  tenant_store_bytes();
  build_info();
}

}  // namespace satchel::obs::catalog
