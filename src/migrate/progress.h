// The progress display of `satchel migrate`: a bar redrawn in place on a
// terminal, and plain periodic log lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace satchel::migrate {

struct ProgressSnapshot {
  uint64_t done_objects = 0;
  uint64_t total_objects = 0;
  uint64_t done_bytes = 0;
  uint64_t total_bytes = 0;
  std::chrono::duration<double> elapsed{0};
};

// "12.3 MiB", "512 B": binary units with one decimal above a KiB.
std::string format_bytes(uint64_t bytes);

// "1:02:03" or "2:03"; "--:--" when the time left cannot be estimated yet.
std::string format_duration(std::optional<std::chrono::seconds> duration);

// The estimated time left from the object rate so far, or nullopt before
// any object finished or after all did.
std::optional<std::chrono::seconds> estimate_time_left(const ProgressSnapshot& snapshot);

// One line for a terminal: a bar of bar_width cells, the counts, the bytes,
// the rate and the time left, such as
// "[#####.....] 5000/10000 objects  1.2 MiB  812.4 objects/s  0:06 left".
std::string format_progress_bar(const ProgressSnapshot& snapshot, int bar_width);

// The same facts as a log line without the bar, such as
// "progress: 5000/10000 objects (50%), 1.2 MiB, 812.4 objects/s, 0:06 left".
std::string format_progress_line(const ProgressSnapshot& snapshot);

}  // namespace satchel::migrate
