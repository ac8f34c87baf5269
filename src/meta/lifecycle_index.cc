#include "meta/lifecycle_index.h"

#include "meta/repository.h"

namespace satchel::meta {

LifecycleIndex* find_lifecycle_index(Repository& repository) {
  // Both back ends implement the two interfaces on one object.
  return dynamic_cast<LifecycleIndex*>(&repository);
}

}  // namespace satchel::meta
