#include "obs/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace satchel::obs {
namespace {

double count_open_fds() {
  std::error_code error;
  std::filesystem::directory_iterator entries("/proc/self/fd", error);
  if (error) return 0;
  double count = 0;
  for (auto it = std::filesystem::begin(entries); it != std::filesystem::end(entries);
       it.increment(error)) {
    if (error) break;
    ++count;
  }
  // The iterator's own descriptor is listed too.
  return count > 0 ? count - 1 : 0;
}

struct MemoryPages {
  double virtual_pages = 0;
  double resident_pages = 0;
};

MemoryPages read_statm() {
  MemoryPages pages;
  std::ifstream statm("/proc/self/statm");
  statm >> pages.virtual_pages >> pages.resident_pages;
  return pages;
}

}  // namespace

void register_process_metrics(Registry& registry) {
  auto& open_fds = registry.gauge("process_open_fds", "Number of open file descriptors.");
  auto& max_fds = registry.gauge("process_max_fds", "Maximum number of open file descriptors.");
  auto& resident =
      registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  auto& virtual_memory =
      registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.");
  auto& start_time = registry.gauge("process_start_time_seconds",
                                    "Start time of the process since the Unix epoch in seconds.");
  auto now = std::chrono::system_clock::now().time_since_epoch();
  start_time.labels({}).set(std::chrono::duration<double>(now).count());

  registry.on_render([&open_fds, &max_fds, &resident, &virtual_memory] {
    static const double kPageBytes = static_cast<double>(::sysconf(_SC_PAGESIZE));
    open_fds.labels({}).set(count_open_fds());
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      max_fds.labels({}).set(static_cast<double>(limit.rlim_cur));
    }
    MemoryPages pages = read_statm();
    resident.labels({}).set(pages.resident_pages * kPageBytes);
    virtual_memory.labels({}).set(pages.virtual_pages * kPageBytes);
  });
}

}  // namespace satchel::obs
