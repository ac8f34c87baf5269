#include "migrate/migration.h"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "http/offload.h"
#include "migrate/progress.h"
#include "migrate/validation.h"
#include "obs/log.h"

namespace satchel::migrate {
namespace {

namespace asio = boost::asio;

// Failures past this many are only in the report, so a tree of broken files
// does not flood the log.
constexpr uint64_t kLoggedFailures = 10;
constexpr std::chrono::milliseconds kProgressBarInterval{250};
constexpr int kProgressBarCells = 30;

class Run {
 public:
  Run(asio::io_context& io, asio::thread_pool& workers, const RunParts& parts,
      const RunSettings& settings)
      : io_(io),
        workers_(workers),
        parts_(parts),
        settings_(settings),
        signals_(io, SIGINT, SIGTERM),
        progress_timer_(io) {}

  RunSummary execute() {
    wait_for_signal();
    asio::co_spawn(io_, plan_and_start(), [this](std::exception_ptr error) {
      if (error) fail_run("planning failed with an exception");
    });
    io_.run();
    summary_.interrupted = stop_requested_ && next_ < queue_.size();
    return summary_;
  }

 private:
  // The first SIGINT or SIGTERM stops the run after the objects in flight.
  // A second one exits at once, which is as safe to resume from as kill -9.
  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error) return;
      if (stop_requested_) {
        obs::warn("second signal, exiting now; run again to resume", {{"signal", signal}});
        obs::flush_logs();
        std::_Exit(128 + signal);
      }
      stop_requested_ = true;
      obs::warn("stopping after the objects in flight; run again to resume", {{"signal", signal}});
      wait_for_signal();
    });
  }

  asio::awaitable<void> plan_and_start() {
    auto listed = co_await parts_.source.list();
    if (!listed) {
      summary_.error = "cannot list the source: " + listed.error();
      finish();
      co_return;
    }
    summary_.listed = listed->size();
    obs::info("source listed",
              {{"source", parts_.source.description()}, {"objects", int64_t(listed->size())}});
    plan(*listed);
    for (const PlannedObject& planned : queue_) total_bytes_ += planned.source.size_bytes;
    started_ = std::chrono::steady_clock::now();
    size_t worker_count = std::min(std::max<size_t>(settings_.concurrency, 1), queue_.size());
    if (worker_count == 0) {
      finish();
      co_return;
    }
    active_workers_ = worker_count;
    for (size_t i = 0; i < worker_count; ++i) {
      asio::co_spawn(io_, work(), [this](std::exception_ptr error) {
        if (error) fail_run("an import worker stopped with an exception");
        if (--active_workers_ == 0) finish();
      });
    }
    asio::co_spawn(io_, show_progress(), asio::detached);
  }

  // Maps every listed object. Objects in the checkpoint, without a mapping
  // or with a bad target are settled here, and the rest are queued.
  void plan(const std::vector<SourceObject>& listed) {
    std::map<std::string, std::string> target_sources;
    for (const SourceObject& object : listed) {
      if (parts_.checkpoint != nullptr) {
        const auto& done = parts_.checkpoint->loaded().done;
        if (auto found = done.find(object.key); found != done.end()) {
          settle(ReportLine{.source = object.key,
                            .outcome = Outcome::kAlreadyImported,
                            .target_key = found->second.target_key,
                            .version_id = found->second.version_id,
                            .size_bytes = found->second.size_bytes,
                            .reason = "in the checkpoint"},
                 false);
          continue;
        }
      }
      auto planned = plan_object(object, parts_.rules);
      if (!planned) {
        settle(planned.error(), false);
        continue;
      }
      auto [first, inserted] = target_sources.emplace(planned->key, object.key);
      if (!inserted) {
        settle(ReportLine{.source = object.key,
                          .outcome = Outcome::kFailed,
                          .target_key = planned->key,
                          .size_bytes = object.size_bytes,
                          .reason = "target key is also mapped from " + first->second},
               false);
        continue;
      }
      queue_.push_back(std::move(*planned));
    }
    // An old name that is also the new name of another object gets no
    // redirect, because the API serves the object there and a redirect would
    // only shadow it once that object is deleted.
    if (parts_.checkpoint != nullptr) {
      for (const auto& [source, entry] : parts_.checkpoint->loaded().done) {
        target_sources.emplace(entry.target_key, source);
      }
    }
    for (PlannedObject& planned : queue_) {
      if (target_sources.contains(planned.old_key)) planned.old_key.clear();
    }
  }

  asio::awaitable<void> work() {
    while (next_ < queue_.size() && !stop_requested_) {
      const PlannedObject& planned = queue_[next_++];
      ReportLine line = co_await handle(planned);
      done_objects_ += 1;
      done_bytes_ += planned.source.size_bytes;
      settle(line, true);
    }
  }

  asio::awaitable<ReportLine> handle(const PlannedObject& planned) {
    ReportLine line{.source = planned.source.key,
                    .outcome = Outcome::kFailed,
                    .target_key = planned.key,
                    .size_bytes = planned.source.size_bytes};
    auto fetched = co_await parts_.source.fetch(planned.source, settings_.max_object_bytes);
    if (!fetched) {
      line.reason = "cannot read the source object: " + fetched.error();
      co_return line;
    }
    line.size_bytes = fetched->bytes.size();
    std::string content_type = choose_content_type(fetched->declared_type, planned.name);
    auto problem = co_await http::offload(workers_, [&] {
      return check_object_content(planned.name, content_type, fetched->bytes, parts_.schema);
    });
    if (problem) {
      line.reason = *problem;
      co_return line;
    }
    if (settings_.dry_run || parts_.importer == nullptr) {
      line.outcome = Outcome::kWouldImport;
      co_return line;
    }
    co_return co_await parts_.importer->import(planned, std::move(fetched->bytes),
                                               std::move(content_type));
  }

  // Counts a finished object and writes its report line. Objects this run
  // wrote or found recorded go to the checkpoint.
  void settle(const ReportLine& line, bool handled_now) {
    switch (line.outcome) {
      case Outcome::kImported:
        summary_.imported += 1;
        summary_.imported_bytes += line.size_bytes;
        break;
      case Outcome::kAlreadyImported:
        summary_.already_imported += 1;
        break;
      case Outcome::kWouldImport:
        summary_.would_import += 1;
        break;
      case Outcome::kNoMapping:
        summary_.no_mapping += 1;
        break;
      case Outcome::kFailed:
        summary_.failed += 1;
        log_failure(line);
        break;
    }
    if (parts_.report != nullptr) parts_.report->write(line);
    bool recorded = line.outcome == Outcome::kImported || line.outcome == Outcome::kAlreadyImported;
    if (handled_now && recorded && parts_.checkpoint != nullptr) {
      parts_.checkpoint->append({line.source, line.target_key, line.version_id, line.size_bytes});
    }
  }

  void log_failure(const ReportLine& line) {
    if (summary_.failed <= kLoggedFailures) {
      obs::warn(
          "object not imported",
          {{"source", line.source}, {"target_key", line.target_key}, {"reason", line.reason}});
    }
    if (summary_.failed == kLoggedFailures) {
      obs::warn("further objects not imported are listed only in the report");
    }
  }

  void fail_run(std::string message) {
    obs::error(message);
    if (summary_.error.empty()) summary_.error = std::move(message);
  }

  asio::awaitable<void> show_progress() {
    const bool bar = settings_.progress_bar;
    auto interval =
        bar ? std::chrono::duration_cast<std::chrono::milliseconds>(kProgressBarInterval)
            : std::chrono::duration_cast<std::chrono::milliseconds>(
                  settings_.progress_log_interval);
    while (!finished_) {
      progress_timer_.expires_after(interval);
      boost::system::error_code error;
      co_await progress_timer_.async_wait(asio::redirect_error(asio::use_awaitable, error));
      if (finished_) break;
      if (bar) {
        std::fprintf(stderr, "\r%s\x1b[K",
                     format_progress_bar(snapshot(), kProgressBarCells).c_str());
        std::fflush(stderr);
      } else {
        obs::info(format_progress_line(snapshot()));
      }
    }
  }

  ProgressSnapshot snapshot() const {
    return {.done_objects = done_objects_,
            .total_objects = queue_.size(),
            .done_bytes = done_bytes_,
            .total_bytes = total_bytes_,
            .elapsed = std::chrono::steady_clock::now() - started_};
  }

  void finish() {
    finished_ = true;
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    progress_timer_.cancel();
    if (settings_.progress_bar && !queue_.empty()) {
      std::fprintf(stderr, "\r%s\x1b[K\n",
                   format_progress_bar(snapshot(), kProgressBarCells).c_str());
      std::fflush(stderr);
    }
  }

  asio::io_context& io_;
  asio::thread_pool& workers_;
  const RunParts& parts_;
  const RunSettings& settings_;
  asio::signal_set signals_;
  asio::steady_timer progress_timer_;

  // Touched only on io_'s thread.
  std::vector<PlannedObject> queue_;
  size_t next_ = 0;
  size_t active_workers_ = 0;
  bool stop_requested_ = false;
  bool finished_ = false;
  uint64_t done_objects_ = 0;
  uint64_t done_bytes_ = 0;
  uint64_t total_bytes_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  RunSummary summary_;
};

}  // namespace

RunSummary run_migration(asio::io_context& io, asio::thread_pool& workers, const RunParts& parts,
                         const RunSettings& settings) {
  Run run(io, workers, parts, settings);
  return run.execute();
}

std::string format_summary(const RunSummary& summary, bool dry_run) {
  std::string text = dry_run ? fmt::format("would import {}", summary.would_import)
                             : fmt::format("imported {}", summary.imported);
  text +=
      fmt::format(", skipped {} (already imported {}, no mapping {}), failed {}", summary.skipped(),
                  summary.already_imported, summary.no_mapping, summary.failed);
  if (!dry_run) text += ", " + format_bytes(summary.imported_bytes) + " imported";
  if (summary.interrupted) text += "; interrupted, run again with the same options to resume";
  return text;
}

}  // namespace satchel::migrate
