// The metrics Satchel exports, declared in one place so that names, labels
// and help texts stay consistent and docs/deployment.md can list them. Each
// function returns a family in default_registry(), creating it on first use.
//
// Label values are bounded by construction: routes are route patterns (never
// raw paths), statuses and reasons come from closed sets, and tenants are
// capped with the "other" overflow series.
#pragma once

#include <cstddef>
#include <string_view>

#include "obs/metrics.h"

namespace satchel::obs::catalog {

// Requests served, by server ("api" or "store"), route pattern or S3
// operation, method and status code.
CounterFamily& http_requests();
// Time from the end of the request header to the last byte of the
// response, by server and route.
HistogramFamily& http_request_duration();
// Request body bytes read by handlers, by server and route.
CounterFamily& http_request_body_bytes();
// Response bytes written, header included, by server and route.
CounterFamily& http_response_bytes();
// Open connections, by server.
GaugeFamily& http_open_connections();
// Connections closed at once because max_connections was reached.
CounterFamily& http_rejected_connections();

// Presigned URLs issued by the API, by action ("put" or "get").
CounterFamily& presigned_urls();
// Bytes that presigned PUT URLs allow clients to upload.
CounterFamily& presigned_upload_bytes();
// Bearer tokens rejected, by reason ("expired", "bad_signature", ...).
CounterFamily& token_rejections();

// Requests that named a moved key's old name and got a 308 reply, by tenant and
// route ("get_object" or "create_download"), so teams can see who still uses old names.
CounterFamily& moved_key_requests();

// Token signing key cache events per configured issuer: "fetch",
// "fetch_failure", "hit", "miss", "unknown_kid_refetch",
// "refetch_suppressed" and "stale_lookup".
CounterFamily& jwks_cache_events();

// Verified-token cache events: "hit" (the signature check was skipped),
// "miss" and "eviction" (an entry dropped to make room, not an expired one).
CounterFamily& verified_token_cache_events();

// Calls from the API to the object store, by operation ("head_object",
// "delete_object", "head_bucket") and outcome ("2xx", "4xx", "5xx" or
// "error" when no response arrived).
CounterFamily& store_client_requests();
HistogramFamily& store_client_duration();

// Metadata repository calls, by operation (the repository method) and
// outcome ("ok" or the error code).
CounterFamily& metadata_queries();
HistogramFamily& metadata_query_duration();

// The default number of tenants that get their own series in the per-tenant
// counters before the rest are counted as "other".
inline constexpr size_t kDefaultMaxTenants = 100;
// Sets that number. Call before serving: tenants already seen keep their
// series.
void set_max_tenants(size_t max_tenants);
// The tenant label value to use: the tenant itself, or "other" past the cap.
std::string_view tenant_label(std::string_view tenant);

// Authenticated API requests, by tenant.
CounterFamily& tenant_requests();
// Object bytes through the embedded store, by tenant (the first key
// segment) and direction ("in" for uploads, "out" for downloads).
CounterFamily& tenant_store_bytes();

// Constant 1 with the version as a label, so dashboards can show it.
GaugeFamily& build_info();

// Creates every family above, so that /metrics lists them (with HELP and
// TYPE) before their first sample.
void register_all();

}  // namespace satchel::obs::catalog
