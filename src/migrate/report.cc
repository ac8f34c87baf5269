#include "migrate/report.h"

#include <nlohmann/json.hpp>

#include "migrate/csv.h"

namespace satchel::migrate {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kImported:
      return "imported";
    case Outcome::kAlreadyImported:
      return "already_imported";
    case Outcome::kWouldImport:
      return "would_import";
    case Outcome::kNoMapping:
      return "no_mapping";
    case Outcome::kFailed:
      break;
  }
  return "failed";
}

Expected<ReportFormat, std::string> report_format_for(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  if (extension == ".csv") return ReportFormat::kCsv;
  if (extension == ".jsonl" || extension == ".ndjson") return ReportFormat::kJsonLines;
  return Unexpected("report file " + path.string() +
                    " must end in .csv (CSV) or .jsonl (JSON lines)");
}

std::string format_report_header(ReportFormat format) {
  if (format == ReportFormat::kJsonLines) return {};
  return "source,outcome,target_key,version_id,size_bytes,reason\n";
}

std::string format_report_line(ReportFormat format, const ReportLine& line) {
  if (format == ReportFormat::kJsonLines) {
    nlohmann::json object = {
        {"source", line.source},         {"outcome", outcome_name(line.outcome)},
        {"target_key", line.target_key}, {"version_id", line.version_id},
        {"size_bytes", line.size_bytes}, {"reason", line.reason}};
    return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return csv_field(line.source) + "," + std::string(outcome_name(line.outcome)) + "," +
         csv_field(line.target_key) + "," + csv_field(line.version_id) + "," +
         std::to_string(line.size_bytes) + "," + csv_field(line.reason) + "\n";
}

Expected<std::unique_ptr<ReportWriter>, std::string> ReportWriter::create(
    const std::filesystem::path& path) {
  auto format = report_format_for(path);
  if (!format) return Unexpected(format.error());
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return Unexpected("cannot create the report file " + path.string());
  std::unique_ptr<ReportWriter> writer(new ReportWriter(path, *format, file));
  std::string header = format_report_header(*format);
  if (std::fwrite(header.data(), 1, header.size(), file) != header.size()) writer->failed_ = true;
  return writer;
}

ReportWriter::ReportWriter(std::filesystem::path path, ReportFormat format, std::FILE* file)
    : path_(std::move(path)), format_(format), file_(file) {}

ReportWriter::~ReportWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void ReportWriter::write(const ReportLine& line) {
  std::string text = format_report_line(format_, line);
  std::lock_guard lock(mutex_);
  if (file_ == nullptr) return;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) failed_ = true;
}

Expected<void, std::string> ReportWriter::close() {
  std::lock_guard lock(mutex_);
  if (file_ == nullptr) return {};
  if (std::fclose(file_) != 0) failed_ = true;
  file_ = nullptr;
  if (failed_) return Unexpected("writing the report file " + path_.string() + " failed");
  return {};
}

}  // namespace satchel::migrate
