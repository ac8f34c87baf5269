// The tags of single object versions.
#include "store/engine.h"

namespace satchel::store {

Expected<ObjectVersion, StoreError> Engine::set_tags(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::optional<std::string>& version_id,
                                                     const HeaderList& tags) {
  auto valid = validate_key(key);
  if (!valid) return Unexpected(valid.error());
  if (version_id && !is_valid_version_id(*version_id)) {
    return Unexpected(StoreError::kInvalidVersionId);
  }
  return index_->update_tags(bucket, key, version_id, tags);
}

}  // namespace satchel::store
