// The walk behind `satchel reconcile`: every tenant's records against the store's versions under
// the tenant's prefix, in pages, and the repairs that --fix makes.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "app/s3_gateway.h"
#include "common/clock.h"
#include "common/expected.h"
#include "http/beast.h"
#include "meta/repository.h"
#include "reconcile/drift.h"

namespace satchel::reconcile {

struct ReconcileOptions {
  // Only this tenant, or every tenant of the index and the store when unset.
  std::optional<std::string> tenant;
  // Store versions younger than this are uploads in flight and never drift.
  std::chrono::seconds grace{3600};
  bool fix = false;
  // Records and store versions read per page.
  std::size_t page_size = 1000;
};

// The result of --fix for one drift.
enum class FixOutcome {
  kNotRun,  // reconcile ran without --fix
  kFixed,   // repaired, and an audit event written
  kLeft,    // not safe to repair automatically, and Finding::fix gives the reason
  kFailed,  // the repair failed, and Finding::fix contains the error
};

std::string_view fix_outcome_name(FixOutcome outcome);

struct Finding {
  Drift drift;
  FixOutcome outcome = FixOutcome::kNotRun;
  // The repair made, such as "delete marker added", or the reason the drift was left.
  std::string fix;
};

struct ReconcileReport {
  std::vector<Finding> findings;
  std::size_t tenants_checked = 0;
  std::size_t records_checked = 0;
  std::size_t store_versions_checked = 0;

  bool failed_fixes() const;
  // Whether a finding other than kMissingObjectMarked was made: a record marked missing by an
  // earlier --fix is known, and alone it does not make reconcile report drift.
  bool has_drift() const;
};

// Whether a top-level prefix of the bucket belongs to Satchel's tools rather than a tenant:
// every prefix that starts with ".satchel-", such as the capability probe's ".satchel-probe/"
// and the staging area ".satchel-migrate/".
// NOTE: a tenant named ".satchel-..." that has no record in the index is skipped as well.
bool is_internal_prefix(std::string_view prefix);

class Reconciler {
 public:
  // The repository, gateway, pool and clock must outlive the reconciler. Repository calls run
  // on workers, so the coroutine's thread never blocks on the database.
  Reconciler(meta::Repository& repository, app::S3Gateway& store, boost::asio::thread_pool& workers,
             const Clock& clock)
      : repository_(repository), store_(store), workers_(workers), clock_(clock) {}

  // Walks the index and the store and, with options.fix, repairs the safe drift. Fails with a
  // message when the index or the store cannot be read; a failed repair is a finding instead.
  http::asio::awaitable<Expected<ReconcileReport, std::string>> run(
      const ReconcileOptions& options);

 private:
  using Result = Expected<void, std::string>;

  http::asio::awaitable<Expected<std::vector<std::string>, std::string>> list_tenants(
      const ReconcileOptions& options, ReconcileReport& report);
  http::asio::awaitable<Result> walk_tenant(const std::string& tenant,
                                            const ReconcileOptions& options,
                                            ReconcileReport& report);
  http::asio::awaitable<Result> check_state(const std::string& tenant, const KeyState& state,
                                            const ReconcileOptions& options,
                                            ReconcileReport& report);
  // Reads the record's version from the store again, and returns whether it exists. The walk
  // reads records and store versions at different times, so a record committed after the
  // store's listing passed its key has no version in the listing.
  http::asio::awaitable<Expected<bool, std::string>> recorded_version_exists(const Drift& drift);
  // The pending upload that an unknown latest version belongs to, by the upload id stored with
  // the bytes.
  struct PendingLookup {
    // The version belongs to an upload that is pending and unexpired, so its client may still
    // complete it, and it is no orphan.
    bool live_upload = false;
    // The finding to report when the upload also checks out and reconcile may complete it.
    std::optional<Drift> completable;
  };
  http::asio::awaitable<Expected<PendingLookup, std::string>> find_pending_upload(
      const std::string& tenant, const UnknownVersion& unknown);
  http::asio::awaitable<void> repair(Finding& finding);
  http::asio::awaitable<void> complete_upload(Finding& finding);
  // Marks the record of a kMissingObject finding missing, or clears the mark of a
  // kMissingObjectReturned one, unless the record changed since the check.
  http::asio::awaitable<void> set_missing_mark(Finding& finding);
  // Writes the audit event of a repair, and logs the repair.
  http::asio::awaitable<void> audit(const Drift& drift, std::string_view action,
                                    std::string reason);

  meta::Repository& repository_;
  app::S3Gateway& store_;
  boost::asio::thread_pool& workers_;
  const Clock& clock_;
};

}  // namespace satchel::reconcile
