#include "store/store_error.h"

namespace satchel::store {

std::string_view s3_code(StoreError error) {
  switch (error) {
    case StoreError::kNoSuchBucket:
      return "NoSuchBucket";
    case StoreError::kNoSuchKey:
      return "NoSuchKey";
    case StoreError::kNoSuchVersion:
      return "NoSuchVersion";
    case StoreError::kBucketAlreadyOwnedByYou:
      return "BucketAlreadyOwnedByYou";
    case StoreError::kBucketNotEmpty:
      return "BucketNotEmpty";
    case StoreError::kInvalidBucketName:
      return "InvalidBucketName";
    case StoreError::kKeyTooLong:
      return "KeyTooLongError";
    case StoreError::kInvalidKey:
    case StoreError::kInvalidVersionId:
      return "InvalidArgument";
    case StoreError::kVersionIsDeleteMarker:
      return "MethodNotAllowed";
    case StoreError::kPreconditionFailed:
      return "PreconditionFailed";
    case StoreError::kBadDigest:
    case StoreError::kChecksumMismatch:
      return "BadDigest";
    case StoreError::kContentSha256Mismatch:
      return "XAmzContentSHA256Mismatch";
    case StoreError::kEntityTooLarge:
      return "EntityTooLarge";
    case StoreError::kIncompleteBody:
      return "IncompleteBody";
    case StoreError::kNoSuchUpload:
      return "NoSuchUpload";
    case StoreError::kInvalidPart:
      return "InvalidPart";
    case StoreError::kInvalidPartOrder:
      return "InvalidPartOrder";
    case StoreError::kEntityTooSmall:
      return "EntityTooSmall";
    case StoreError::kChecksumTypeMismatch:
      return "InvalidRequest";
    case StoreError::kNoSuchCorsConfiguration:
      return "NoSuchCORSConfiguration";
    case StoreError::kNoSuchLifecycleConfiguration:
      return "NoSuchLifecycleConfiguration";
    case StoreError::kObjectLockConfigurationNotFound:
      return "ObjectLockConfigurationNotFoundError";
    case StoreError::kNoSuchObjectLockConfiguration:
      return "NoSuchObjectLockConfiguration";
    case StoreError::kObjectLockNotEnabled:
      return "InvalidRequest";
    case StoreError::kObjectLocked:
      return "AccessDenied";
    case StoreError::kInvalidBucketState:
      return "InvalidBucketState";
    case StoreError::kInternal:
      return "InternalError";
  }
  return "InternalError";
}

http::Status http_status(StoreError error) {
  using http::Status;
  switch (error) {
    case StoreError::kNoSuchBucket:
    case StoreError::kNoSuchKey:
    case StoreError::kNoSuchVersion:
    case StoreError::kNoSuchUpload:
    case StoreError::kNoSuchCorsConfiguration:
    case StoreError::kNoSuchLifecycleConfiguration:
    case StoreError::kObjectLockConfigurationNotFound:
    case StoreError::kNoSuchObjectLockConfiguration:
      return Status::not_found;
    case StoreError::kBucketAlreadyOwnedByYou:
    case StoreError::kBucketNotEmpty:
    case StoreError::kInvalidBucketState:
      return Status::conflict;
    case StoreError::kObjectLocked:
      return Status::forbidden;
    case StoreError::kVersionIsDeleteMarker:
      return Status::method_not_allowed;
    case StoreError::kPreconditionFailed:
      return Status::precondition_failed;
    case StoreError::kInternal:
      return Status::internal_server_error;
    case StoreError::kInvalidBucketName:
    case StoreError::kKeyTooLong:
    case StoreError::kInvalidKey:
    case StoreError::kInvalidVersionId:
    case StoreError::kBadDigest:
    case StoreError::kContentSha256Mismatch:
    case StoreError::kEntityTooLarge:
    case StoreError::kIncompleteBody:
    case StoreError::kChecksumMismatch:
    case StoreError::kInvalidPart:
    case StoreError::kInvalidPartOrder:
    case StoreError::kEntityTooSmall:
    case StoreError::kChecksumTypeMismatch:
    case StoreError::kObjectLockNotEnabled:
      return Status::bad_request;
  }
  return Status::internal_server_error;
}

std::string_view describe(StoreError error) {
  switch (error) {
    case StoreError::kNoSuchBucket:
      return "The specified bucket does not exist.";
    case StoreError::kNoSuchKey:
      return "The specified key does not exist.";
    case StoreError::kNoSuchVersion:
      return "The specified version does not exist.";
    case StoreError::kBucketAlreadyOwnedByYou:
      return "The bucket already exists and is owned by you.";
    case StoreError::kBucketNotEmpty:
      return "The bucket is not empty: delete every object version first.";
    case StoreError::kInvalidBucketName:
      return "The bucket name must be 3-63 lower-case letters, digits, dots or hyphens, "
             "starting and ending with a letter or digit.";
    case StoreError::kKeyTooLong:
      return "The object key is longer than 1024 bytes.";
    case StoreError::kInvalidKey:
      return "The object key must be non-empty, valid UTF-8.";
    case StoreError::kInvalidVersionId:
      return "The version id is invalid.";
    case StoreError::kVersionIsDeleteMarker:
      return "The specified version is a delete marker, which has no content.";
    case StoreError::kPreconditionFailed:
      return "At least one of the preconditions you specified did not hold.";
    case StoreError::kBadDigest:
      return "The Content-MD5 you specified did not match what was received.";
    case StoreError::kContentSha256Mismatch:
      return "The provided 'x-amz-content-sha256' header does not match what was computed.";
    case StoreError::kEntityTooLarge:
      return "Your proposed upload exceeds the maximum allowed object size.";
    case StoreError::kIncompleteBody:
      return "The request body ended before the number of bytes in Content-Length.";
    case StoreError::kChecksumMismatch:
      return "The checksum you specified did not match the calculated checksum.";
    case StoreError::kNoSuchUpload:
      return "The specified multipart upload does not exist. The upload ID might be invalid, "
             "or the upload might have been aborted or completed.";
    case StoreError::kInvalidPart:
      return "One or more of the specified parts could not be found, or its entity tag or "
             "checksum did not match the part's.";
    case StoreError::kInvalidPartOrder:
      return "The list of parts was not in ascending order. Parts must be ordered by part "
             "number.";
    case StoreError::kEntityTooSmall:
      return "Your proposed upload is smaller than the minimum allowed object size: every part "
             "but the last must be at least 5 MiB.";
    case StoreError::kNoSuchCorsConfiguration:
      return "The CORS configuration does not exist.";
    case StoreError::kNoSuchLifecycleConfiguration:
      return "The lifecycle configuration does not exist.";
    case StoreError::kObjectLockConfigurationNotFound:
      return "Object Lock configuration does not exist for this bucket.";
    case StoreError::kNoSuchObjectLockConfiguration:
      return "The specified object does not have an Object Lock configuration.";
    case StoreError::kObjectLockNotEnabled:
      return "Bucket is missing Object Lock Configuration: Object Lock headers and requests "
             "need a bucket created with Object Lock enabled.";
    case StoreError::kObjectLocked:
      return "Access Denied because object protected by object lock.";
    case StoreError::kInvalidBucketState:
      return "Object Lock needs versioning enabled on the bucket, and versioning cannot be "
             "suspended while Object Lock is enabled.";
    case StoreError::kChecksumTypeMismatch:
      return "Checksum type mismatch: the part's checksum algorithm differs from the one the "
             "multipart upload was created with.";
    case StoreError::kInternal:
      return "The store failed to complete the request; try again.";
  }
  return "The store failed to complete the request; try again.";
}

}  // namespace satchel::store
