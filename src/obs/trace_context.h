// W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent
// header that ties the API's request and its store calls to one trace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace satchel::obs {

struct TraceContext {
  std::string trace_id;  // 32 lower-case hex digits, not all zero
  std::string
      parent_id;        // the caller's span: 16 hex digits, empty when this span started the trace
  std::string span_id;  // this process's span: 16 hex digits
  uint8_t flags = 0;    // trace-flags; bit 0 is "sampled"

  // The header this process sends: version 00, the trace id, this span's id
  // as the parent, and the flags.
  std::string traceparent() const;
  // A new span in the same trace, whose parent is this span.
  TraceContext child() const;
};

// Parses a traceparent header. Returns nullopt when it is malformed, uses
// version ff, or has an all-zero trace or parent id; callers then start a
// new trace, as the specification requires. Versions above 00 are read as
// 00 when their first four fields have the version 00 shape.
std::optional<TraceContext> parse_traceparent(std::string_view header);

// Continues the trace of a valid header with a new span, or starts a trace
// with random ids when the header is absent or invalid.
TraceContext continue_or_start_trace(std::string_view header);

}  // namespace satchel::obs
