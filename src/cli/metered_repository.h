// A metadata repository wrapper that times every call into
// satchel_metadata_query_duration_seconds and counts its outcome, whichever
// back end runs underneath.
#pragma once

#include <memory>

#include "meta/repository.h"

namespace satchel::cli {

// Wraps inner, which must outlive the wrapper. Thread-safe when inner is.
std::unique_ptr<meta::Repository> make_metered_repository(meta::Repository& inner);

}  // namespace satchel::cli
