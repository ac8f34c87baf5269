// The closed set of storage engine failures, and their S3 form.
#pragma once

#include <string_view>

#include "http/beast.h"

namespace satchel::store {

enum class StoreError {
  kNoSuchBucket,
  kNoSuchKey,
  kNoSuchVersion,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kInvalidBucketName,
  kKeyTooLong,
  kInvalidKey,  // not valid UTF-8, or empty
  kInvalidVersionId,
  kVersionIsDeleteMarker,  // a read by version id named a delete marker
  kPreconditionFailed,
  kBadDigest,              // the body's MD5 differs from Content-MD5
  kChecksumMismatch,       // the body differs from its x-amz-checksum-* value
  kContentSha256Mismatch,  // the body's SHA-256 differs from x-amz-content-sha256
  kEntityTooLarge,
  kIncompleteBody,  // fewer bytes than the declared Content-Length
  kNoSuchUpload,
  kInvalidPart,           // a completed part is missing or its ETag or checksum differs
  kInvalidPartOrder,      // completed part numbers are not strictly ascending
  kEntityTooSmall,        // a part other than the last is under 5 MiB
  kChecksumTypeMismatch,  // a part's checksum is not of its upload's algorithm
  kNoSuchCorsConfiguration,
  kNoSuchLifecycleConfiguration,
  kObjectLockConfigurationNotFound,  // the bucket does not have Object Lock enabled
  kNoSuchObjectLockConfiguration,    // the version has no retention or legal hold
  kObjectLockNotEnabled,             // lock settings sent to a bucket without Object Lock
  kObjectLocked,                     // a retention or legal hold protects the version
  kInvalidBucketState,               // Object Lock and versioning disagree
  kInternal,                         // disk or index failure; the details are logged
};

// The S3 error code, such as "NoSuchKey".
std::string_view s3_code(StoreError error);
http::Status http_status(StoreError error);
// A sentence for the Message element of the S3 error body.
std::string_view describe(StoreError error);

}  // namespace satchel::store
