#include "migrate/report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace satchel::migrate {
namespace {

ReportLine sample_line() {
  return ReportLine{.source = "legacy/bob/prefs.json",
                    .outcome = Outcome::kFailed,
                    .target_key = "acme/bob/preferences.json",
                    .version_id = "",
                    .size_bytes = 21,
                    .reason =
                        "content type mismatch: expected application/json, libmagic "
                        "detected image/png"};
}

TEST(ReportFormat, ChosenByExtension) {
  EXPECT_EQ(*report_format_for("out/report.csv"), ReportFormat::kCsv);
  EXPECT_EQ(*report_format_for("report.jsonl"), ReportFormat::kJsonLines);
  EXPECT_EQ(*report_format_for("report.ndjson"), ReportFormat::kJsonLines);
  EXPECT_FALSE(report_format_for("report.txt"));
}

TEST(ReportLineFormat, CsvQuotesReasonWithComma) {
  EXPECT_EQ(format_report_line(ReportFormat::kCsv, sample_line()),
            "legacy/bob/prefs.json,failed,acme/bob/preferences.json,,21,\"content type mismatch: "
            "expected application/json, libmagic detected image/png\"\n");
}

TEST(ReportLineFormat, JsonLinesCarryEveryField) {
  std::string text = format_report_line(ReportFormat::kJsonLines, sample_line());
  ASSERT_TRUE(text.ends_with("\n"));
  auto line = nlohmann::json::parse(text);
  EXPECT_EQ(line["source"], "legacy/bob/prefs.json");
  EXPECT_EQ(line["outcome"], "failed");
  EXPECT_EQ(line["target_key"], "acme/bob/preferences.json");
  EXPECT_EQ(line["version_id"], "");
  EXPECT_EQ(line["size_bytes"], 21);
  EXPECT_EQ(line["reason"], sample_line().reason);
}

TEST(ReportLineFormat, JsonLinesReplaceInvalidUtf8) {
  ReportLine line = sample_line();
  line.source = "legacy/bob/\xff.txt";
  auto parsed = nlohmann::json::parse(format_report_line(ReportFormat::kJsonLines, line));
  EXPECT_EQ(parsed["source"], "legacy/bob/\xEF\xBF\xBD.txt");
}

TEST(OutcomeName, NamesEveryOutcome) {
  EXPECT_EQ(outcome_name(Outcome::kImported), "imported");
  EXPECT_EQ(outcome_name(Outcome::kAlreadyImported), "already_imported");
  EXPECT_EQ(outcome_name(Outcome::kWouldImport), "would_import");
  EXPECT_EQ(outcome_name(Outcome::kNoMapping), "no_mapping");
  EXPECT_EQ(outcome_name(Outcome::kFailed), "failed");
}

TEST(ReportWriter, WritesHeaderAndLines) {
  auto path = std::filesystem::path(::testing::TempDir()) / "migrate_report_test.csv";
  auto writer = ReportWriter::create(path);
  ASSERT_TRUE(writer) << writer.error();
  (*writer)->write(sample_line());
  ASSERT_TRUE((*writer)->close());
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), format_report_header(ReportFormat::kCsv) +
                            format_report_line(ReportFormat::kCsv, sample_line()));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace satchel::migrate
