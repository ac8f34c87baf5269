// Settings of the embedded object store.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/secret.h"

namespace satchel::store {

struct StoreOptions {
  // Satchel's data folder. The store keeps everything under
  // <data_dir>/store: index.db, objects/, tmp/ and credentials.json.
  std::filesystem::path data_dir;
  // The SigV4 region clients must sign for.
  std::string region = "us-east-1";
  // Created with versioning enabled on first start.
  std::string default_bucket = "satchel";
  // Origins allowed by CORS, compared exactly ("http://localhost:8080").
  // "*" allows every origin.
  std::vector<std::string> cors_allowed_origins;
  // Larger PUT bodies are rejected with EntityTooLarge. S3's own limit for
  // a single PUT is 5 GiB.
  uint64_t max_object_bytes = 5ULL << 30;
  // Multipart uploads neither completed nor aborted within this time are
  // aborted: at start-up, and by CreateMultipartUpload at most once per
  // stale_upload_sweep_interval.
  std::chrono::seconds max_upload_age{std::chrono::hours(24 * 7)};
  std::chrono::seconds stale_upload_sweep_interval{std::chrono::hours(1)};
  // Base64 of a 32-byte master key (store.master_key). Empty: the key file
  // <data_dir>/store/master-keys.json, created at first start.
  Secret master_key;
  // How often a running store rereads the key file; when the current key
  // has changed (`satchel keys rotate`) it rewraps every data key in the
  // background. Zero: only at start-up.
  std::chrono::seconds key_check_interval{60};
  // How often the lifecycle thread applies bucket lifecycle rules with
  // Engine::run_lifecycle_once(): at start-up, then once per interval. Zero:
  // never, for tests that call run_lifecycle_once() with their own times.
  std::chrono::seconds lifecycle_interval{3600};
  std::shared_ptr<const Clock> clock = std::make_shared<SystemClock>();
};

}  // namespace satchel::store
