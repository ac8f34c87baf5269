#include "reconcile/report.h"

#include <algorithm>
#include <array>
#include <vector>

#include "common/time_format.h"

namespace satchel::reconcile {
namespace {

std::string details(const Drift& drift) {
  if (!drift.upload_id.empty()) return "upload " + drift.upload_id;
  if (drift.missing_since) return "marked missing since " + format_iso8601(*drift.missing_since);
  if (drift.expected.empty() && drift.found.empty()) return "";
  return "index " + drift.expected + ", store " + drift.found;
}

std::string summary(const ReconcileReport& report) {
  std::string line = std::to_string(report.findings.size()) + " finding" +
                     (report.findings.size() == 1 ? "" : "s") + " in " +
                     std::to_string(report.tenants_checked) + " tenants, " +
                     std::to_string(report.records_checked) + " records and " +
                     std::to_string(report.store_versions_checked) + " store versions\n";
  return line;
}

}  // namespace

std::string format_table(const ReconcileReport& report, bool fix) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"KIND", "TENANT", "KEY", "VERSION", "DETAILS"});
  if (fix) rows.front().insert(rows.front().end(), {"FIX", "RESULT"});
  for (const Finding& finding : report.findings) {
    const Drift& drift = finding.drift;
    std::vector<std::string> row{std::string(drift_kind_name(drift.kind)), drift.tenant, drift.key,
                                 drift.version_id, details(drift)};
    if (fix) row.insert(row.end(), {std::string(fix_outcome_name(finding.outcome)), finding.fix});
    rows.push_back(std::move(row));
  }
  std::string out;
  if (rows.size() > 1) {
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
      for (std::size_t column = 0; column < row.size(); ++column) {
        widths[column] = std::max(widths[column], row[column].size());
      }
    }
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t column = 0; column < row.size(); ++column) {
        line += row[column];
        if (column + 1 < row.size()) line.append(widths[column] - row[column].size() + 2, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  return out + summary(report);
}

nlohmann::json report_json(const ReconcileReport& report, bool fix) {
  nlohmann::json findings = nlohmann::json::array();
  for (const Finding& finding : report.findings) {
    const Drift& drift = finding.drift;
    nlohmann::json item = {
        {"kind", drift_kind_name(drift.kind)}, {"tenant", drift.tenant}, {"key", drift.key}};
    const std::array<std::pair<const char*, const std::string*>, 4> optional_fields{{
        {"version_id", &drift.version_id},
        {"expected", &drift.expected},
        {"found", &drift.found},
        {"upload_id", &drift.upload_id},
    }};
    for (const auto& [name, value] : optional_fields) {
      if (!value->empty()) item[name] = *value;
    }
    if (drift.missing_since) item["missing_since"] = format_iso8601(*drift.missing_since);
    if (fix) {
      item["fix"] = {{"outcome", fix_outcome_name(finding.outcome)}, {"detail", finding.fix}};
    }
    findings.push_back(std::move(item));
  }
  return {{"clean", !report.has_drift()},
          {"tenants_checked", report.tenants_checked},
          {"records_checked", report.records_checked},
          {"store_versions_checked", report.store_versions_checked},
          {"findings", std::move(findings)}};
}

}  // namespace satchel::reconcile
