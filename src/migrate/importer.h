// The write path of one object: validate, stage in the target store,
// verify, copy into place, record in the metadata index with its store
// version id, and record the legacy key as a redirect.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <string>

#include "app/preferences_schema.h"
#include "app/s3_gateway.h"
#include "common/clock.h"
#include "meta/repository.h"
#include "migrate/plan.h"
#include "migrate/report.h"

namespace satchel::migrate {

// The subject that audit events of imports name.
inline constexpr std::string_view kAuditSubject = "satchel-migrate";

struct ImportSettings {
  // Staged copies are written to this prefix followed by the upload id.
  std::string staging_prefix = ".satchel-migrate/";
  // Redirects of legacy keys stay active until this time.
  SystemTime cut_over_at{};
  // How long the pending upload of an import stays committable, and so how
  // long an interrupted run can be resumed.
  std::chrono::seconds pending_ttl{7 * 24 * 3600};
};

// The pending upload id of an import: "migrate-" and 40 hex digits of a
// SHA-256 over the target key and the SHA-256 of the bytes. A second run
// over the same bytes finds the same upload, which is how a resumed run
// detects an object it imported before.
std::string import_upload_id(std::string_view key, std::string_view sha256_hex);

// Imports objects. The store, repository, workers, clock and schema must
// outlive it. import() calls may run concurrently on one io_context thread.
class Importer {
 public:
  Importer(ImportSettings settings, app::S3Gateway& store, meta::Repository& repository,
           boost::asio::thread_pool& workers, const Clock& clock,
           const app::PreferencesSchema& schema);

  // Imports the bytes of one object that passed check_object_content() and
  // returns its report line: kImported, kAlreadyImported or kFailed with the
  // reason. A target key that already contains an object other than this
  // import's is not overwritten.
  boost::asio::awaitable<ReportLine> import(const PlannedObject& planned, std::string bytes,
                                            std::string content_type);

 private:
  struct Attempt;

  boost::asio::awaitable<Expected<app::ObjectHead, std::string>> stage_and_copy(
      const Attempt& attempt);
  boost::asio::awaitable<ReportLine> finish(const Attempt& attempt, const app::ObjectHead& placed);
  boost::asio::awaitable<ReportLine> already_imported(const Attempt& attempt);
  boost::asio::awaitable<Expected<void, std::string>> record_redirect(const Attempt& attempt);

  const ImportSettings settings_;
  app::S3Gateway& store_;
  meta::Repository& repository_;
  boost::asio::thread_pool& workers_;
  const Clock& clock_;
  const app::PreferencesSchema& schema_;
};

}  // namespace satchel::migrate
