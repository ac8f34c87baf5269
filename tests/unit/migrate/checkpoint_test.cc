#include "migrate/checkpoint.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace satchel::migrate {
namespace {

const CheckpointEntry kEntry{"legacy/alice/prefs.json", "acme/alice/preferences.json", "v1", 42};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(Checkpoint, RoundTripsEntries) {
  std::string text = format_checkpoint_header("plan-a") + format_checkpoint_entry(kEntry);
  auto state = parse_checkpoint(text);
  ASSERT_TRUE(state) << state.error();
  EXPECT_EQ(state->plan_id, "plan-a");
  ASSERT_EQ(state->done.size(), 1u);
  EXPECT_EQ(state->done.at(kEntry.source), kEntry);
}

TEST(Checkpoint, IgnoresTornLastLine) {
  std::string text = format_checkpoint_header("plan-a") + format_checkpoint_entry(kEntry) +
                     "{\"source\":\"legacy/bo";
  auto state = parse_checkpoint(text);
  ASSERT_TRUE(state) << state.error();
  EXPECT_EQ(state->done.size(), 1u);
}

TEST(Checkpoint, RejectsBrokenMiddleLine) {
  std::string text =
      format_checkpoint_header("plan-a") + "not json\n" + format_checkpoint_entry(kEntry);
  auto state = parse_checkpoint(text);
  ASSERT_FALSE(state);
  EXPECT_NE(state.error().find("line 2"), std::string::npos);
}

TEST(Checkpoint, RejectsForeignHeader) {
  EXPECT_FALSE(parse_checkpoint("{\"format\":\"other\",\"plan\":\"x\"}\n"));
}

TEST(Checkpoint, RejectsEntryWithoutSize) {
  EXPECT_FALSE(parse_checkpoint(format_checkpoint_header("p") +
                                "{\"source\":\"a\",\"target_key\":\"b\",\"version_id\":\"\"}\n"));
}

TEST(CheckpointFile, ResumesAndAppends) {
  auto path = std::filesystem::path(::testing::TempDir()) / "migrate_checkpoint_test.jsonl";
  std::filesystem::remove(path);
  {
    auto file = CheckpointFile::open(path, "plan-a");
    ASSERT_TRUE(file) << file.error();
    EXPECT_EQ((*file)->loaded().plan_id, "plan-a");
    EXPECT_TRUE((*file)->loaded().done.empty());
    (*file)->append(kEntry);
    ASSERT_TRUE((*file)->close());
  }
  // A write cut short by kill -9 leaves a partial line.
  { std::ofstream(path, std::ios::app) << "{\"source\":\"tor"; }
  {
    auto file = CheckpointFile::open(path, "plan-a");
    ASSERT_TRUE(file) << file.error();
    ASSERT_EQ((*file)->loaded().done.size(), 1u);
    CheckpointEntry second{"legacy/bob/prefs.json", "acme/bob/preferences.json", "v2", 7};
    (*file)->append(second);
    ASSERT_TRUE((*file)->close());
  }
  auto state = parse_checkpoint(read_all(path));
  ASSERT_TRUE(state) << state.error();
  EXPECT_EQ(state->done.size(), 2u);
  std::filesystem::remove(path);
}

TEST(CheckpointFile, RejectsOtherPlan) {
  auto path = std::filesystem::path(::testing::TempDir()) / "migrate_checkpoint_plan.jsonl";
  std::filesystem::remove(path);
  ASSERT_TRUE(CheckpointFile::open(path, "plan-a"));
  auto other = CheckpointFile::open(path, "plan-b");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("another source"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace satchel::migrate
