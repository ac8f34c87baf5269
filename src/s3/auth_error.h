// Rejection reasons for SigV4-authenticated requests, aws-chunked bodies and
// POST policy forms, with the S3 error code and HTTP status of each.
#pragma once

#include <string_view>

namespace satchel::s3 {

// The S3 error code and HTTP status of each value are given beside it.
enum class AuthError {
  // Choosing the mechanism.
  kMissingAuthentication,     // AccessDenied 403: neither Authorization nor X-Amz-Signature
  kUnsupportedAuthorization,  // InvalidRequest 400: SigV2, SigV4a or another scheme
  kMultipleAuthMechanisms,    // InvalidArgument 400: both header and query authentication

  // Authorization header.
  kAuthorizationHeaderMalformed,  // AuthorizationHeaderMalformed 400
  kMissingDate,                   // AccessDenied 403: no valid X-Amz-Date or Date header
  kRequestTimeTooSkewed,          // RequestTimeTooSkewed 403: X-Amz-Date too far from the clock

  // Presigned query.
  kAuthorizationQueryParametersError,  // AuthorizationQueryParametersError 400
  kInvalidExpires,                     // AuthorizationQueryParametersError 400
  kRequestExpired,                     // AccessDenied 403
  kRequestNotYetValid,                 // AccessDenied 403: X-Amz-Date too far in the future

  // Both forms.
  kCredentialScopeMismatch,  // AuthorizationHeaderMalformed 400: wrong region, service or date
  kHostNotSigned,            // AuthorizationHeaderMalformed 400
  kSignedHeaderMissing,      // SignatureDoesNotMatch 403: a signed header is absent
  kUnsignedAmzHeader,        // AccessDenied 403: an x-amz-* header is present but not signed
  kInvalidAccessKeyId,       // InvalidAccessKeyId 403
  kMissingSecurityToken,     // MissingSecurityHeader 400: the credentials need a session token
  kInvalidToken,             // InvalidToken 400: wrong or unexpected session token
  kMissingContentSha256,     // InvalidRequest 400: header authentication needs the payload hash
  kInvalidContentSha256,     // InvalidArgument 400: not a SHA-256 hex or a known literal
  kSignatureDoesNotMatch,    // SignatureDoesNotMatch 403

  // Payload.
  kContentSha256Mismatch,        // XAmzContentSHA256Mismatch 400: the body has another hash
  kMissingDecodedContentLength,  // MissingContentLength 411: x-amz-decoded-content-length
  kChunkSignatureDoesNotMatch,   // SignatureDoesNotMatch 403: a chunk or trailer signature
  kMalformedChunkedEncoding,     // InvalidRequest 400: bad aws-chunked framing
  kIncompleteBody,               // IncompleteBody 400: the body ended inside the framing
  kDecodedLengthMismatch,        // IncompleteBody 400: not x-amz-decoded-content-length bytes
  kMalformedTrailer,             // MalformedTrailerError 400

  // POST policy form.
  kInvalidPolicyDocument,  // InvalidPolicyDocument 400: not base64 JSON of the policy grammar
  kInvalidPolicyField,     // InvalidArgument 400: a required form field is absent or malformed
  kPolicyExpired,          // AccessDenied 403
  kPolicyConditionFailed,  // AccessDenied 403: a field fails a condition or has none
};

// The S3 error code for the XML <Code> element ("SignatureDoesNotMatch", ...).
std::string_view s3_error_code(AuthError error);

// The HTTP status S3 returns with this error.
int http_status(AuthError error);

// A sentence for the XML <Message> element. It never contains request
// content, only the kind of failure.
std::string_view describe(AuthError error);

// A stable snake_case label for metrics and logs ("request_expired", ...).
std::string_view reason(AuthError error);

}  // namespace satchel::s3
