#include "migrate/progress.h"

#include <fmt/format.h>

#include <optional>

namespace satchel::migrate {
namespace {

double rate_per_second(const ProgressSnapshot& snapshot) {
  double seconds = snapshot.elapsed.count();
  return seconds > 0 ? double(snapshot.done_objects) / seconds : 0.0;
}

}  // namespace

std::string format_bytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = double(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string format_duration(std::optional<std::chrono::seconds> duration) {
  if (!duration) return "--:--";
  int64_t total = duration->count();
  int64_t hours = total / 3600;
  int64_t minutes = (total / 60) % 60;
  int64_t seconds = total % 60;
  if (hours > 0) return fmt::format("{}:{:02}:{:02}", hours, minutes, seconds);
  return fmt::format("{}:{:02}", minutes, seconds);
}

std::optional<std::chrono::seconds> estimate_time_left(const ProgressSnapshot& snapshot) {
  double rate = rate_per_second(snapshot);
  if (snapshot.done_objects == 0 || rate <= 0 || snapshot.done_objects >= snapshot.total_objects) {
    return std::nullopt;
  }
  double left = double(snapshot.total_objects - snapshot.done_objects) / rate;
  return std::chrono::seconds(static_cast<int64_t>(left + 0.5));
}

std::string format_progress_bar(const ProgressSnapshot& snapshot, int bar_width) {
  int filled = snapshot.total_objects == 0
                   ? bar_width
                   : static_cast<int>(double(bar_width) * double(snapshot.done_objects) /
                                      double(snapshot.total_objects));
  std::string bar =
      "[" + std::string(size_t(filled), '#') + std::string(size_t(bar_width - filled), '.') + "]";
  return fmt::format("{} {}/{} objects  {}  {:.1f} objects/s  {} left", bar, snapshot.done_objects,
                     snapshot.total_objects, format_bytes(snapshot.done_bytes),
                     rate_per_second(snapshot), format_duration(estimate_time_left(snapshot)));
}

std::string format_progress_line(const ProgressSnapshot& snapshot) {
  uint64_t percent =
      snapshot.total_objects == 0 ? 100 : snapshot.done_objects * 100 / snapshot.total_objects;
  return fmt::format("progress: {}/{} objects ({}%), {}, {:.1f} objects/s, {} left",
                     snapshot.done_objects, snapshot.total_objects, percent,
                     format_bytes(snapshot.done_bytes), rate_per_second(snapshot),
                     format_duration(estimate_time_left(snapshot)));
}

}  // namespace satchel::migrate
