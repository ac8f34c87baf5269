// Default bucket encryption (PutBucketEncryption and GetBucketEncryption).
// The store encrypts every object with AES-256-GCM under a master key
// (encryption.h), which S3 clients see as SSE-S3, "AES256". A bucket's
// configuration can only be AES256, so SSE-KMS is rejected.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.h"
#include "store/document_error.h"

namespace satchel::store {

struct BucketEncryption {
  // Stored and returned as sent. It has no effect, because S3 Bucket Keys
  // only apply to SSE-KMS.
  bool bucket_key_enabled = false;

  friend bool operator==(const BucketEncryption&, const BucketEncryption&) = default;
};

// Reads a ServerSideEncryptionConfiguration document with one Rule whose
// ApplyServerSideEncryptionByDefault has SSEAlgorithm AES256 and no
// KMSMasterKeyID. aws:kms and aws:kms:dsse fail with 501 NotImplemented.
Expected<BucketEncryption, DocumentError> parse_encryption_document(std::string_view body);

// The GetBucketEncryption reply.
std::string encryption_document(const BucketEncryption& encryption);

}  // namespace satchel::store
