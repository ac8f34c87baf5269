// The --checkpoint file of `satchel migrate`, which lets an interrupted run
// resume without importing an object twice. It is JSON lines: a header that
// names the run's plan, then one line per object the run finished.
//
// The checkpoint only saves work on resume, and the metadata index is what
// prevents a second import. Every object is imported through a pending
// upload whose id is derived from the target key and the bytes. So a resumed
// run finds an object it committed before, even when its checkpoint line was
// never written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace satchel::migrate {

struct CheckpointEntry {
  std::string source;
  std::string target_key;
  std::string version_id;
  uint64_t size_bytes = 0;

  bool operator==(const CheckpointEntry&) const = default;
};

struct CheckpointState {
  // Identifies the source and mappings the checkpoint was written for.
  std::string plan_id;
  // Finished objects by source key.
  std::map<std::string, CheckpointEntry> done;
};

inline constexpr std::string_view kCheckpointFormat = "satchel-migrate-checkpoint/1";

// {"format":"satchel-migrate-checkpoint/1","plan":PLAN_ID} and a line feed.
std::string format_checkpoint_header(std::string_view plan_id);
// {"source":..,"target_key":..,"version_id":..,"size_bytes":..} and a line feed.
std::string format_checkpoint_entry(const CheckpointEntry& entry);

// Parses a checkpoint. A last line without a line feed is ignored, because a
// run killed in the middle of a write leaves one behind, and so is an empty
// text (a file created but never written). Fails with a message naming the
// line for any other line that does not parse, and for a header of another
// format.
Expected<CheckpointState, std::string> parse_checkpoint(std::string_view text);

// An open checkpoint file. Thread-safe.
class CheckpointFile {
 public:
  // Opens path for appending, creating it with a header for plan_id when it
  // does not exist or is empty. Fails when the file exists for another plan,
  // so one checkpoint never mixes two runs.
  static Expected<std::unique_ptr<CheckpointFile>, std::string> open(
      const std::filesystem::path& path, std::string_view plan_id);
  ~CheckpointFile();
  CheckpointFile(const CheckpointFile&) = delete;
  CheckpointFile& operator=(const CheckpointFile&) = delete;

  // What the file contained when it was opened.
  const CheckpointState& loaded() const { return loaded_; }

  // Appends an entry and hands it to the operating system, so it survives
  // the process being killed (but not a power loss: there is no fsync, and
  // the index check described above covers that case).
  void append(const CheckpointEntry& entry);
  // Fails with a message when an append failed.
  Expected<void, std::string> close();

 private:
  CheckpointFile(std::filesystem::path path, CheckpointState loaded, std::FILE* file);

  const std::filesystem::path path_;
  const CheckpointState loaded_;
  std::mutex mutex_;
  std::FILE* file_;      // guarded by mutex_
  bool failed_ = false;  // guarded by mutex_
};

}  // namespace satchel::migrate
