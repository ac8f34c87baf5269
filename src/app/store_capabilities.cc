#include "app/store_capabilities.h"

#include <utility>
#include <vector>

#include "app/s3_gateway.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "obs/log.h"

namespace satchel::app {
namespace {

constexpr size_t kProbeTokenBytes = 12;
// Differs from the scratch object's ETag, which is the hex MD5 of its bytes.
constexpr std::string_view kUnusedEtag = "\"00000000000000000000000000000000\"";

bool is_success(unsigned status) { return status >= 200 && status < 300; }

void warn_probe_failed(std::string_view step, const std::string& key, const StoreError& error) {
  obs::warn("store capability probe request failed",
            {{"step", step}, {"key", key}, {"error", error.message}});
}

// Scratch objects under kProbeKeyPrefix and every version the probe created,
// so that cleanup removes them all, also on a versioned bucket.
class Scratch {
 public:
  explicit Scratch(S3Gateway& gateway) : gateway_(gateway) {}

  std::string make_key(std::string_view purpose) const {
    return std::string(kProbeKeyPrefix) + std::string(purpose) + "-" +
           random_token(kProbeTokenBytes);
  }

  // PUTs body to key, with one extra signed header when header_name is not
  // empty, and records the version it created.
  boost::asio::awaitable<Expected<S3Gateway::ObjectReply, StoreError>> put(
      std::string key, std::string body, std::string header_name = {},
      std::string header_value = {}) {
    std::vector<s3::Header> headers;
    if (!header_name.empty()) headers.push_back({header_name, header_value});
    auto reply =
        co_await gateway_.send_object_request(http::Verb::put, key, headers, {}, std::move(body));
    if (reply && is_success(reply->status)) created_.emplace_back(key, reply->version_id);
    co_return reply;
  }

  // Deletes each recorded version (or the key, on a bucket without
  // versioning). A failure is logged and leaves that object behind.
  boost::asio::awaitable<void> remove_all() {
    for (const auto& [key, version_id] : created_) {
      std::string query = version_id.empty() ? "" : "versionId=" + uri_encode(version_id);
      auto reply = co_await gateway_.send_object_request(http::Verb::delete_, key, {}, query);
      if (!reply || !is_success(reply->status)) {
        obs::warn(
            "store capability probe could not delete its scratch object",
            {{"key", key},
             {"version_id", version_id},
             {"error", reply ? "status " + std::to_string(reply->status) : reply.error().message}});
      }
    }
    created_.clear();
  }

 private:
  S3Gateway& gateway_;
  std::vector<std::pair<std::string, std::string>> created_;
};

// Writes one object, then tries the three conditional PUTs on it. nullopt
// when a request failed outright or the first PUT was rejected.
boost::asio::awaitable<std::optional<ConditionalWriteObservation>> observe_conditional_writes(
    Scratch& scratch) {
  std::string key = scratch.make_key("conditional");
  auto first = co_await scratch.put(key, "first");
  if (!first || !is_success(first->status)) {
    obs::warn(
        "store capability probe could not write a scratch object",
        {{"key", key},
         {"error", first ? "status " + std::to_string(first->status) : first.error().message}});
    co_return std::nullopt;
  }
  ConditionalWriteObservation observed;
  auto create_only = co_await scratch.put(key, "create-only", "If-None-Match", "*");
  if (!create_only) {
    warn_probe_failed("if_none_match", key, create_only.error());
    co_return std::nullopt;
  }
  observed.create_only_status = create_only->status;
  auto stale = co_await scratch.put(key, "stale", "If-Match", std::string(kUnusedEtag));
  if (!stale) {
    warn_probe_failed("stale_if_match", key, stale.error());
    co_return std::nullopt;
  }
  observed.stale_match_status = stale->status;
  // A store that ignored If-None-Match now contains other bytes, so the current
  // ETag is the one of the last PUT that succeeded.
  std::string current_etag = first->etag;
  if (is_success(create_only->status)) current_etag = create_only->etag;
  if (is_success(stale->status)) current_etag = stale->etag;
  auto current = co_await scratch.put(key, "current", "If-Match", current_etag);
  if (!current) {
    warn_probe_failed("current_if_match", key, current.error());
    co_return std::nullopt;
  }
  observed.current_match_status = current->status;
  co_return observed;
}

boost::asio::awaitable<std::optional<ChecksumObservation>> observe_checksums(Scratch& scratch,
                                                                             S3Gateway& gateway) {
  std::string key = scratch.make_key("checksum");
  std::string body = "checksum probe";
  ChecksumObservation observed;
  observed.sent_checksum = base64_encode(sha256(body));
  std::string wrong_checksum = base64_encode(sha256("other bytes"));
  auto wrong = co_await scratch.put(key, body, "x-amz-checksum-sha256", wrong_checksum);
  if (!wrong) {
    warn_probe_failed("wrong_checksum", key, wrong.error());
    co_return std::nullopt;
  }
  observed.wrong_checksum_status = wrong->status;
  auto right = co_await scratch.put(key, body, "x-amz-checksum-sha256", observed.sent_checksum);
  if (!right) {
    warn_probe_failed("right_checksum", key, right.error());
    co_return std::nullopt;
  }
  observed.right_checksum_status = right->status;
  if (is_success(right->status)) {
    s3::Header mode{"x-amz-checksum-mode", "ENABLED"};
    std::string query =
        right->version_id.empty() ? "" : "versionId=" + uri_encode(right->version_id);
    auto head = co_await gateway.send_object_request(http::Verb::head, key,
                                                     std::span<const s3::Header>(&mode, 1), query);
    if (!head) {
      warn_probe_failed("head_checksum", key, head.error());
      co_return std::nullopt;
    }
    observed.returned_checksum = head->checksum_sha256;
  }
  co_return observed;
}

void log_decision(std::string_view name, CapabilitySetting setting, std::string_view finding,
                  bool enabled) {
  obs::info("store capability decided", {{"capability", name},
                                         {"setting", capability_setting_name(setting)},
                                         {"probed", finding},
                                         {"enabled", enabled}});
}

// Probes one capability when its setting is kAuto, and logs the outcome.
template <class Observe, class Judge>
boost::asio::awaitable<bool> resolve(std::string_view name, CapabilitySetting setting,
                                     Observe observe, Judge judge) {
  std::optional<bool> probed;
  if (setting == CapabilitySetting::kAuto) {
    auto observed = co_await observe();
    if (observed) probed = judge(*observed);
  }
  bool enabled = decide_capability(setting, probed);
  std::string_view finding = "not probed";
  if (probed) finding = *probed ? "honoured" : "not honoured";
  log_decision(name, setting, finding, enabled);
  co_return enabled;
}

}  // namespace

std::string_view capability_setting_name(CapabilitySetting setting) {
  switch (setting) {
    case CapabilitySetting::kAuto:
      return "auto";
    case CapabilitySetting::kOn:
      return "on";
    case CapabilitySetting::kOff:
      return "off";
  }
  return "auto";
}

bool conditional_writes_honoured(const ConditionalWriteObservation& observed) {
  return observed.create_only_status == 412 && observed.stale_match_status == 412 &&
         is_success(observed.current_match_status);
}

bool checksums_honoured(const ChecksumObservation& observed) {
  return observed.wrong_checksum_status == 400 && is_success(observed.right_checksum_status) &&
         !observed.sent_checksum.empty() && observed.returned_checksum == observed.sent_checksum;
}

bool decide_capability(CapabilitySetting setting, std::optional<bool> probed) {
  switch (setting) {
    case CapabilitySetting::kOn:
      return true;
    case CapabilitySetting::kOff:
      return false;
    case CapabilitySetting::kAuto:
      return probed.value_or(false);
  }
  return false;
}

StoreCapabilities decide_embedded_store_capabilities(CapabilitySetting conditional_writes,
                                                     CapabilitySetting checksums) {
  constexpr std::string_view kFinding = "not probed: the embedded store honours it";
  StoreCapabilities capabilities;
  capabilities.conditional_writes = decide_capability(conditional_writes, true);
  log_decision("conditional_writes", conditional_writes, kFinding, capabilities.conditional_writes);
  capabilities.checksums = decide_capability(checksums, true);
  log_decision("checksums", checksums, kFinding, capabilities.checksums);
  return capabilities;
}

boost::asio::awaitable<StoreCapabilities> probe_store_capabilities(
    S3Gateway& gateway, CapabilitySetting conditional_writes, CapabilitySetting checksums) {
  Scratch scratch(gateway);
  StoreCapabilities capabilities;
  capabilities.conditional_writes = co_await resolve(
      "conditional_writes", conditional_writes,
      [&]() { return observe_conditional_writes(scratch); }, conditional_writes_honoured);
  capabilities.checksums = co_await resolve(
      "checksums", checksums, [&]() { return observe_checksums(scratch, gateway); },
      checksums_honoured);
  co_await scratch.remove_all();
  co_return capabilities;
}

}  // namespace satchel::app
