// The output of `satchel reconcile`: an aligned table for people, or one JSON document for tools.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "reconcile/reconciler.h"

namespace satchel::reconcile {

// One row per finding (kind, tenant, key, version, details, and with --fix what was done),
// columns padded to their widest cell, then a summary line. A clean run prints only the summary.
std::string format_table(const ReconcileReport& report, bool fix);

// {"clean", "tenants_checked", "records_checked", "store_versions_checked", "findings": [{"kind",
// "tenant", "key", "version_id", "expected", "found", "upload_id", "fix": {"outcome",
// "detail"}}]}. Empty strings are left out of a finding, and "fix" is there only with --fix.
nlohmann::json report_json(const ReconcileReport& report, bool fix);

}  // namespace satchel::reconcile
