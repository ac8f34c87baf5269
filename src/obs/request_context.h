// What the current thread is working on: the request id, trace and caller of
// one HTTP request. The HTTP server installs it for every step of a request,
// so log lines and outgoing store calls made anywhere below a handler carry
// the ids without being passed them.
#pragma once

#include <string>

#include "obs/trace_context.h"

namespace satchel::obs {

struct RequestContext {
  std::string request_id;
  TraceContext trace;
  // Set once the caller's token is verified; empty before and for anonymous
  // requests.
  std::string subject;
  std::string tenant;
};

// The context installed on this thread, or null outside a request. The
// context belongs to one connection, and only the thread running that
// connection's work may change it.
RequestContext* current_request();

// Installs a context on this thread until destroyed, then restores the one
// before, so nested scopes work.
class ScopedRequestContext {
 public:
  explicit ScopedRequestContext(RequestContext* context);
  ~ScopedRequestContext();
  ScopedRequestContext(const ScopedRequestContext&) = delete;
  ScopedRequestContext& operator=(const ScopedRequestContext&) = delete;

 private:
  RequestContext* previous_;
};

}  // namespace satchel::obs
