// Reading S3 requests into what the engine needs: the headers of writes
// (PutObject, UploadPart, CopyObject, CreateMultipartUpload) and common
// query parameters. Internal to the request handler.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "http/request.h"
#include "s3/chunked.h"
#include "store/authenticator.h"
#include "store/checksum.h"
#include "store/records.h"
#include "store/request_handler.h"

namespace satchel::store {

// A parsed write: what the engine needs, plus the aws-chunked decoder when
// the body is a streaming upload and the algorithm of a checksum that
// arrives as its trailer.
struct PutPlan {
  PutRequest request;
  std::optional<s3::ChunkedDecoder> decoder;
  std::optional<ChecksumAlgorithm> trailer_checksum;
};

// The ETag as it appears in headers and XML: in double quotes.
std::string quote_etag(std::string_view etag);

// Content-Type, the stored representation headers (Cache-Control,
// Content-Disposition, Content-Encoding without aws-chunked,
// Content-Language, Expires) and x-amz-meta-* (at most 2 KB, valid UTF-8).
Expected<void, S3Failure> read_representation(const http::Request& request, PutRequest& put);

// If-None-Match (only "*") and If-Match, as write preconditions.
Expected<void, S3Failure> read_preconditions(const http::Request& request, PutRequest& put);

// The tags of a write from its x-amz-tagging header; none without it.
// Fails with 400 InvalidTag or InvalidArgument like S3.
Expected<HeaderList, S3Failure> read_tagging_header(const http::Request& request);

// x-amz-tagging-count on a GET or HEAD reply, when the version has tags.
void add_tagging_count_header(http::bhttp::fields& fields, const ObjectVersion& version);

// Content-Length, Content-MD5, x-amz-content-sha256 (a hash to check,
// UNSIGNED-PAYLOAD, or a STREAMING-* mode that sets up the decoder) and the
// additional checksum headers: at most one x-amz-checksum-*, agreeing with
// x-amz-sdk-checksum-algorithm and x-amz-trailer when those are sent.
// Bodies larger than max_object_bytes fail with EntityTooLarge.
Expected<PutPlan, S3Failure> plan_body(const http::Request& request,
                                       const AuthenticatedCaller& caller,
                                       uint64_t max_object_bytes);

// After the body has arrived: reads the checksum trailer named by the plan
// from the decoder and returns its raw value, which the body must match.
// nullopt when no trailer checksum was declared.
Expected<std::optional<std::string>, S3Failure> trailer_checksum(const PutPlan& plan);

// Server-side encryption fields, as headers or as POST form fields.
inline constexpr std::string_view kEncryptionField = "x-amz-server-side-encryption";
inline constexpr std::string_view kCustomerKeyFields[] = {
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-MD5",
    "x-amz-copy-source-server-side-encryption-customer-algorithm",
    "x-amz-copy-source-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key-MD5",
};
inline constexpr std::string_view kKmsOptionFields[] = {
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
};

// The encryption a write requests.
struct EncryptionRequest {
  std::optional<std::string_view> method;  // x-amz-server-side-encryption
  bool customer_key = false;               // any SSE-C field
  bool kms_options = false;                // any SSE-KMS option field
};

// Every object is encrypted with AES256 (SSE-S3), so a write may request
// no method or "AES256". SSE-KMS ("aws:kms", "aws:kms:dsse") and SSE-C get
// 501 NotImplemented, other methods and KMS options alone 400
// InvalidArgument.
Expected<void, S3Failure> check_write_encryption(const EncryptionRequest& request);
// The same for a request's headers. Reads (GET, HEAD) may carry none of
// them, as on S3 for an object that was not stored with a customer key.
Expected<void, S3Failure> check_encryption_headers(const http::Request& request);
// Sets x-amz-server-side-encryption: AES256.
void add_encryption_header(http::bhttp::fields& fields);

// The x-amz-object-lock-mode, x-amz-object-lock-retain-until-date and
// x-amz-object-lock-legal-hold headers (or form fields) of a write. Mode and
// date come together, and the date must be after now.
using FieldLookup = std::function<std::string_view(std::string_view name)>;
Expected<ObjectLock, S3Failure> read_object_lock_fields(const FieldLookup& field, SystemTime now);
Expected<ObjectLock, S3Failure> read_object_lock_headers(const http::Request& request,
                                                         SystemTime now);
// Sets the Object Lock headers HEAD and GET return for a version.
void add_object_lock_headers(http::bhttp::fields& fields, const ObjectLock& lock);
// Whether the request sent x-amz-bypass-governance-retention: true.
bool bypass_governance_requested(const http::Request& request);

// The versionId query parameter, if present.
std::optional<std::string> version_id_param(const http::QueryParams& query);

// The value of a query parameter, or fallback when it is absent.
std::string param_or(const http::QueryParams& query, std::string_view name,
                     std::string_view fallback = {});

// A count parameter such as max-keys: a non-negative decimal integer,
// capped at kMaxListEntries; fallback when absent. Fails with
// InvalidArgument otherwise.
Expected<size_t, S3Failure> count_param(const http::QueryParams& query, std::string_view name,
                                        size_t fallback);

// The headers an object reply carries about its version and checksum.
void add_version_headers(http::bhttp::fields& fields, const ObjectVersion& version);
void add_checksum_headers(http::bhttp::fields& fields,
                          const std::optional<StoredChecksum>& checksum);

// A 200 reply with an XML body.
http::Response xml_response(std::string body);

// The empty reply of a request that changed one version's tags, retention or
// legal hold, naming the version unless it is the null version.
http::bhttp::response<http::bhttp::empty_body> version_changed_reply(const ObjectVersion& version,
                                                                     http::Status status);

// An S3 failure with the InvalidRequest or InvalidArgument code, for
// request checks that have no StoreError.
S3Failure invalid_request(std::string_view message);
S3Failure invalid_argument(std::string_view message);
S3Failure malformed_xml();

}  // namespace satchel::store
