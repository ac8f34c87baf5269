// The --report file of `satchel migrate`: one line per source object with
// its outcome, as CSV or JSON lines.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace satchel::migrate {

enum class Outcome {
  kImported,         // written, verified and recorded by this run
  kAlreadyImported,  // recorded by an earlier run (checkpoint or index)
  kWouldImport,      // --dry-run: valid and mapped, nothing written
  kNoMapping,        // no --map source template matches the key
  kFailed,           // not imported, for the reason given
};

// "imported", "already_imported", "would_import", "no_mapping" or "failed".
std::string_view outcome_name(Outcome outcome);

struct ReportLine {
  std::string source;  // the legacy key
  Outcome outcome = Outcome::kFailed;
  std::string target_key;  // empty when the key has no mapping
  std::string version_id;  // the store's version id of the imported bytes
  uint64_t size_bytes = 0;
  std::string reason;  // why it failed, or a note
};

enum class ReportFormat { kCsv, kJsonLines };

// CSV for a path ending in ".csv", JSON lines for ".jsonl" or ".ndjson".
// Fails naming the path otherwise.
Expected<ReportFormat, std::string> report_format_for(const std::filesystem::path& path);

// The CSV header row, "source,outcome,target_key,version_id,size_bytes,reason\n", or an
// empty string for JSON lines.
std::string format_report_header(ReportFormat format);
// One line, ending in "\n". JSON lines carry the same fields as the CSV columns, with
// size_bytes as a number. Bytes that are not UTF-8 are replaced in JSON (U+FFFD) and kept as
// they are in CSV.
std::string format_report_line(ReportFormat format, const ReportLine& line);

// Writes report lines to a file, replacing what it contained. Thread-safe.
class ReportWriter {
 public:
  static Expected<std::unique_ptr<ReportWriter>, std::string> create(
      const std::filesystem::path& path);
  ~ReportWriter();
  ReportWriter(const ReportWriter&) = delete;
  ReportWriter& operator=(const ReportWriter&) = delete;

  void write(const ReportLine& line);
  // Flushes and closes the file. Fails with a message when a write failed.
  Expected<void, std::string> close();

 private:
  ReportWriter(std::filesystem::path path, ReportFormat format, std::FILE* file);

  const std::filesystem::path path_;
  const ReportFormat format_;
  std::mutex mutex_;
  std::FILE* file_;      // guarded by mutex_
  bool failed_ = false;  // guarded by mutex_
};

}  // namespace satchel::migrate
