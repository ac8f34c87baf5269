// The standard process_* gauges, read from /proc at scrape time.
#pragma once

#include "obs/metrics.h"

namespace satchel::obs {

// Adds process_open_fds, process_max_fds, process_resident_memory_bytes,
// process_virtual_memory_bytes and process_start_time_seconds to registry.
// The start time is the moment of this call, so call it early in main.
// Linux only: on other systems the /proc gauges stay at 0.
void register_process_metrics(Registry& registry);

}  // namespace satchel::obs
