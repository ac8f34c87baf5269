// The table and JSON output of reconcile.
#include "reconcile/report.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace satchel::reconcile {
namespace {

ReconcileReport sample() {
  ReconcileReport report;
  report.tenants_checked = 2;
  report.records_checked = 10;
  report.store_versions_checked = 12;
  report.findings.push_back({.drift = {.kind = DriftKind::kSizeMismatch,
                                       .tenant = "acme",
                                       .key = "acme/u/a.txt",
                                       .version_id = "v1",
                                       .expected = "5",
                                       .found = "7"},
                             .outcome = FixOutcome::kLeft,
                             .fix = "inspect"});
  report.findings.push_back({.drift = {.kind = DriftKind::kPendingUpload,
                                       .tenant = "globex",
                                       .key = "globex/u/long-name.txt",
                                       .version_id = "v22",
                                       .upload_id = "up-1"},
                             .outcome = FixOutcome::kFixed,
                             .fix = "upload completed at revision 1"});
  return report;
}

TEST(FormatTable, AlignsColumnsAndEndsWithSummary) {
  std::string table = format_table(sample(), false);
  EXPECT_EQ(table,
            "KIND            TENANT  KEY                     VERSION  DETAILS\n"
            "size_mismatch   acme    acme/u/a.txt            v1       index 5, store 7\n"
            "pending_upload  globex  globex/u/long-name.txt  v22      upload up-1\n"
            "2 findings in 2 tenants, 10 records and 12 store versions\n");
}

TEST(FormatTable, FixAddsOutcomeColumns) {
  std::string table = format_table(sample(), true);
  EXPECT_NE(table.find("DETAILS           FIX    RESULT\n"), std::string::npos) << table;
  EXPECT_NE(table.find("left   inspect\n"), std::string::npos) << table;
  EXPECT_NE(table.find("fixed  upload completed at revision 1\n"), std::string::npos) << table;
}

TEST(FormatTable, CleanRunPrintsOnlySummary) {
  ReconcileReport report;
  report.tenants_checked = 1;
  EXPECT_EQ(format_table(report, true),
            "0 findings in 1 tenants, 0 records and 0 store versions\n");
}

TEST(ReportJson, ListsFindingsWithoutEmptyFields) {
  nlohmann::json json = report_json(sample(), false);
  EXPECT_EQ(json["clean"], false);
  EXPECT_EQ(json["tenants_checked"], 2);
  EXPECT_EQ(json["records_checked"], 10);
  EXPECT_EQ(json["store_versions_checked"], 12);
  ASSERT_EQ(json["findings"].size(), 2u);
  EXPECT_EQ(json["findings"][0], (nlohmann::json{{"kind", "size_mismatch"},
                                                 {"tenant", "acme"},
                                                 {"key", "acme/u/a.txt"},
                                                 {"version_id", "v1"},
                                                 {"expected", "5"},
                                                 {"found", "7"}}));
  EXPECT_FALSE(json["findings"][1].contains("expected"));
  EXPECT_EQ(json["findings"][1]["upload_id"], "up-1");
}

TEST(ReportJson, FixAddsOutcome) {
  nlohmann::json json = report_json(sample(), true);
  EXPECT_EQ(json["findings"][1]["fix"],
            (nlohmann::json{{"outcome", "fixed"}, {"detail", "upload completed at revision 1"}}));
}

TEST(ReportJson, AlreadyMarkedRecordIsNotDrift) {
  ReconcileReport report;
  report.findings.push_back({.drift = {.kind = DriftKind::kMissingObjectMarked,
                                       .tenant = "acme",
                                       .key = "acme/u/a.txt",
                                       .version_id = "v1",
                                       .missing_since = from_unix_seconds(1'800'000'000)}});
  EXPECT_FALSE(report.has_drift());
  nlohmann::json json = report_json(report, false);
  EXPECT_EQ(json["clean"], true);
  EXPECT_EQ(json["findings"][0]["kind"], "missing_object_marked");
  EXPECT_EQ(json["findings"][0]["missing_since"], "2027-01-15T08:00:00.000Z");
  EXPECT_NE(format_table(report, false).find("marked missing since 2027-01-15T08:00:00.000Z"),
            std::string::npos);

  report.findings.push_back({.drift = {.kind = DriftKind::kMissingObjectReturned}});
  EXPECT_TRUE(report.has_drift());
  EXPECT_EQ(report_json(report, false)["clean"], false);
}

TEST(ReportJson, CleanReport) {
  nlohmann::json json = report_json(ReconcileReport{}, false);
  EXPECT_EQ(json["clean"], true);
  EXPECT_TRUE(json["findings"].empty());
}

}  // namespace
}  // namespace satchel::reconcile
