// Retention and legal hold of single object versions.
#include "store/engine.h"
#include "store/object_lock.h"

namespace satchel::store {

Expected<ObjectVersion, StoreError> Engine::find_locked_version(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  auto info = this->bucket(bucket);
  if (!info) return Unexpected(info.error());
  if (!info->object_lock) return Unexpected(StoreError::kObjectLockNotEnabled);
  return head(bucket, key, version_id);
}

Expected<ObjectVersion, StoreError> Engine::set_retention(
    const std::string& bucket, const std::string& key, const std::optional<std::string>& version_id,
    const std::optional<Retention>& retention, bool bypass_governance) {
  auto valid = validate_key(key);
  if (!valid) return Unexpected(valid.error());
  if (version_id && !is_valid_version_id(*version_id)) {
    return Unexpected(StoreError::kInvalidVersionId);
  }
  SystemTime now = options_.clock->now();
  return index_->update_lock(bucket, key, version_id,
                             [&](const BucketInfo& info,
                                 const ObjectVersion& version) -> Expected<ObjectLock, StoreError> {
                               if (!info.object_lock)
                                 return Unexpected(StoreError::kObjectLockNotEnabled);
                               auto allowed = check_retention_change(
                                   version.lock.retention, retention, now, bypass_governance);
                               if (!allowed) return Unexpected(allowed.error());
                               ObjectLock lock = version.lock;
                               lock.retention = retention;
                               return lock;
                             });
}

Expected<ObjectVersion, StoreError> Engine::set_legal_hold(
    const std::string& bucket, const std::string& key, const std::optional<std::string>& version_id,
    bool on) {
  auto valid = validate_key(key);
  if (!valid) return Unexpected(valid.error());
  if (version_id && !is_valid_version_id(*version_id)) {
    return Unexpected(StoreError::kInvalidVersionId);
  }
  return index_->update_lock(bucket, key, version_id,
                             [&](const BucketInfo& info,
                                 const ObjectVersion& version) -> Expected<ObjectLock, StoreError> {
                               if (!info.object_lock)
                                 return Unexpected(StoreError::kObjectLockNotEnabled);
                               ObjectLock lock = version.lock;
                               lock.legal_hold = on;
                               return lock;
                             });
}

}  // namespace satchel::store
