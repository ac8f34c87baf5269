#include "obs/request_context.h"

namespace satchel::obs {
namespace {

thread_local RequestContext* current_context = nullptr;

}  // namespace

RequestContext* current_request() { return current_context; }

ScopedRequestContext::ScopedRequestContext(RequestContext* context) : previous_(current_context) {
  current_context = context;
}

ScopedRequestContext::~ScopedRequestContext() { current_context = previous_; }

}  // namespace satchel::obs
