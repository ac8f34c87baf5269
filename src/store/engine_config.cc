// Bucket lifecycle, default encryption and Object Lock configurations. The
// lifecycle and encryption documents are stored as the canonical XML the
// Get operations return, and parsed again when read.
#include "obs/log.h"
#include "store/engine.h"

namespace satchel::store {

using BucketDocument = StoreIndex::BucketDocument;

Expected<std::vector<LifecycleRule>, StoreError> Engine::get_lifecycle(const std::string& bucket) {
  auto document = index_->bucket_document(bucket, BucketDocument::kLifecycle);
  if (!document) return Unexpected(document.error());
  if (document->empty()) return Unexpected(StoreError::kNoSuchLifecycleConfiguration);
  auto rules = parse_lifecycle_document(*document);
  if (!rules) {
    obs::error("cannot parse a stored lifecycle configuration",
               {{"bucket", bucket}, {"error", rules.error().message}});
    return Unexpected(StoreError::kInternal);
  }
  return std::move(*rules);
}

Expected<void, StoreError> Engine::put_lifecycle(const std::string& bucket,
                                                 const std::vector<LifecycleRule>& rules) {
  return index_->set_bucket_document(bucket, BucketDocument::kLifecycle, lifecycle_document(rules));
}

Expected<void, StoreError> Engine::delete_lifecycle(const std::string& bucket) {
  return index_->set_bucket_document(bucket, BucketDocument::kLifecycle, std::string());
}

Expected<BucketEncryption, StoreError> Engine::get_encryption(const std::string& bucket) {
  auto document = index_->bucket_document(bucket, BucketDocument::kEncryption);
  if (!document) return Unexpected(document.error());
  if (document->empty()) return BucketEncryption{};
  auto encryption = parse_encryption_document(*document);
  if (!encryption) {
    obs::error("cannot parse a stored bucket encryption configuration",
               {{"bucket", bucket}, {"error", encryption.error().message}});
    return Unexpected(StoreError::kInternal);
  }
  return *encryption;
}

Expected<void, StoreError> Engine::put_encryption(const std::string& bucket,
                                                  const BucketEncryption& encryption) {
  return index_->set_bucket_document(bucket, BucketDocument::kEncryption,
                                     encryption_document(encryption));
}

Expected<void, StoreError> Engine::delete_encryption(const std::string& bucket) {
  return index_->set_bucket_document(bucket, BucketDocument::kEncryption, std::string());
}

Expected<ObjectLockConfiguration, StoreError> Engine::get_object_lock(const std::string& bucket) {
  auto info = this->bucket(bucket);
  if (!info) return Unexpected(info.error());
  if (!info->object_lock) return Unexpected(StoreError::kObjectLockConfigurationNotFound);
  return *info->object_lock;
}

Expected<void, StoreError> Engine::put_object_lock(const std::string& bucket,
                                                   const ObjectLockConfiguration& configuration) {
  return index_->set_object_lock(bucket, configuration);
}

}  // namespace satchel::store
