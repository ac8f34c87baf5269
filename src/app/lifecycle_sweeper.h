// The lifecycle sweeper: in the background it deletes expired objects, aborts pending uploads
// that were never completed, removes the bytes that aborted uploads left in the store (again on
// later sweeps until that succeeds) and removes noncurrent versions beyond the retention
// settings. Each change gets one audit event.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/store_gateway.h"
#include "common/clock.h"
#include "meta/lifecycle_index.h"
#include "meta/repository.h"
#include "obs/audit.h"
#include "policy/policy.h"

namespace satchel::app {

struct LifecycleConfig {
  bool enabled = true;
  // The time from the end of one sweep to the start of the next.
  std::chrono::seconds sweep_interval{300};
  // The maximum number of objects a sweep expires, and of uploads and versions it removes.
  std::size_t batch_size = 100;
  // Pending uploads created longer ago than this are aborted.
  std::chrono::seconds pending_upload_max_age{24 * 3600};
  // Noncurrent versions are removed this many days after they became noncurrent. 0 keeps them.
  std::int64_t noncurrent_version_days = 0;
  // The maximum number of noncurrent versions kept per object. Older ones are removed, and 0
  // keeps them all.
  std::int64_t noncurrent_version_max_count = 0;
};

// The outcome of one sweep.
struct SweepCounts {
  // Objects deleted because their expiry passed.
  std::size_t expired = 0;
  // Expired objects that a retention rule keeps: their expiry moved to the rule's end.
  std::size_t postponed = 0;
  std::size_t aborted_uploads = 0;
  // Store versions left by aborted uploads and deleted. An upload whose presigned PUT was sent
  // more than once left several.
  std::size_t stray_versions_removed = 0;
  // Store versions left by aborted uploads whose delete the store denied (kDenied, as under
  // Object Lock). They stay in the store, and no later sweep tries again.
  std::size_t stray_versions_denied = 0;
  // Aborted uploads whose store clean-up finished and was recorded, so no later sweep lists
  // them.
  std::size_t uploads_cleaned_up = 0;
  // Noncurrent versions whose bytes were deleted from the store for good.
  std::size_t versions_purged = 0;
  // Noncurrent versions whose delete the store denied (kDenied, as under Object Lock). They
  // stay listed, so a later sweep tries again.
  std::size_t versions_denied = 0;
  // Steps that failed. A later sweep retries them.
  std::size_t failures = 0;
};

class LifecycleSweeper {
 public:
  // A null policy means the built-in default policy. Every reference must outlive the sweeper.
  LifecycleSweeper(LifecycleConfig config, meta::Repository& repository,
                   meta::LifecycleIndex& index, StoreGateway& store,
                   boost::asio::thread_pool& workers, const Clock& clock,
                   std::shared_ptr<const policy::Policy> policy,
                   std::shared_ptr<obs::AuditLog> audit);

  // Runs one sweep at clock.now() on the calling coroutine's executor. Metadata calls run on
  // the worker pool, so the executor's threads never wait on the database.
  boost::asio::awaitable<SweepCounts> sweep_once();

  // Sweeps on executor every sweep_interval until stopping() returns true, which is checked
  // before each sweep. The first sweep starts one interval after this call. Does nothing when
  // the configuration turns the sweeper off.
  void start(boost::asio::any_io_executor executor, std::function<bool()> stopping);

 private:
  boost::asio::awaitable<void> expire_objects(SystemTime now, SweepCounts& counts);
  // Deletes one expired object, or postpones it under a retention rule. Returns false when
  // the store failed, so the sweep stops instead of logging that failure for every object.
  boost::asio::awaitable<bool> expire_object(const meta::ObjectRecord& record, SystemTime now,
                                             SweepCounts& counts);
  // The state that one sweep keeps while it removes aborted uploads' bytes.
  struct StrayVersionSearch {
    // Cleared when the store denies ListObjectVersions, so the rest of the sweep checks only
    // each key's latest version and logs the denial once.
    bool can_list_versions = true;
  };

  // Aborts the pending uploads older than pending_upload_max_age, and removes the bytes of
  // those and of the aborted uploads whose clean-up has not finished.
  boost::asio::awaitable<void> sweep_uploads(SystemTime now, SweepCounts& counts);
  // Removes the stray versions of an aborted upload, audits the outcome, and marks the
  // clean-up finished unless a transient failure leaves it to the next sweep. aborted_now is
  // true when this sweep aborted the upload.
  boost::asio::awaitable<void> clean_up_aborted_upload(const meta::PendingUpload& upload,
                                                       bool aborted_now, SystemTime now,
                                                       StrayVersionSearch& search,
                                                       SweepCounts& counts);
  // Deletes every store version of the aborted upload's key that carries its upload id, unless
  // the key's record or history names it. Never touches delete markers or unversioned ("null")
  // versions.
  boost::asio::awaitable<void> remove_stray_versions(const meta::PendingUpload& upload,
                                                     StrayVersionSearch& search,
                                                     SweepCounts& counts);
  // The same check for the key's latest version alone, for stores that deny the listing.
  boost::asio::awaitable<void> remove_stray_latest_version(const meta::PendingUpload& upload,
                                                           SweepCounts& counts);
  // Reads the version id of the key's record, or "" when the key has none. nullopt when the
  // read failed, which is logged and counted.
  boost::asio::awaitable<std::optional<std::string>> read_current_version(
      const meta::PendingUpload& upload, SweepCounts& counts);
  // Returns whether the key's history in the index has no entry for version_id. A failed read
  // counts as known, so nothing is deleted on a metadata error.
  boost::asio::awaitable<bool> unknown_to_index(const meta::PendingUpload& upload,
                                                const std::string& version_id, SweepCounts& counts);
  boost::asio::awaitable<void> remove_stray_version(const meta::PendingUpload& upload,
                                                    const std::string& version_id,
                                                    SweepCounts& counts);
  boost::asio::awaitable<void> purge_noncurrent_versions(SystemTime now, SweepCounts& counts);
  // Returns whether the version's bytes were removed.
  boost::asio::awaitable<bool> purge_version(const meta::ObjectVersion& version, SystemTime now,
                                             SweepCounts& counts);
  boost::asio::awaitable<void> run(std::function<bool()> stopping);

  void audit(const std::string& tenant, std::string_view action, const std::string& key,
             bool allowed, std::string reason);

  LifecycleConfig config_;
  meta::Repository& repository_;
  meta::LifecycleIndex& index_;
  StoreGateway& store_;
  boost::asio::thread_pool& workers_;
  const Clock& clock_;
  std::shared_ptr<const policy::Policy> policy_;
  std::shared_ptr<obs::AuditLog> audit_;
  // Numbers the sweeps for the request_id of their audit events.
  std::atomic<std::int64_t> sweep_number_{0};
};

}  // namespace satchel::app
