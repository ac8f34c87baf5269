#include "s3/auth_error.h"

namespace satchel::s3 {
namespace {

struct ErrorInfo {
  std::string_view code;
  int status;
  std::string_view reason;
  std::string_view message;
};

constexpr std::string_view kAccessDenied = "AccessDenied";
constexpr std::string_view kHeaderMalformed = "AuthorizationHeaderMalformed";
constexpr std::string_view kQueryError = "AuthorizationQueryParametersError";
constexpr std::string_view kSignatureMismatch = "SignatureDoesNotMatch";

ErrorInfo info_of(AuthError error) {
  switch (error) {
    case AuthError::kMissingAuthentication:
      return {kAccessDenied, 403, "missing_authentication",
              "The request carries neither an Authorization header nor a presigned query"};
    case AuthError::kUnsupportedAuthorization:
      return {"InvalidRequest", 400, "unsupported_authorization",
              "The authorization mechanism you have provided is not supported. Use "
              "AWS4-HMAC-SHA256"};
    case AuthError::kMultipleAuthMechanisms:
      return {"InvalidArgument", 400, "multiple_auth_mechanisms",
              "Only one auth mechanism allowed; send either the Authorization header or "
              "X-Amz-Signature"};
    case AuthError::kAuthorizationHeaderMalformed:
      return {kHeaderMalformed, 400, "authorization_header_malformed",
              "The Authorization header is malformed; expected AWS4-HMAC-SHA256 "
              "Credential=..., SignedHeaders=..., Signature=..."};
    case AuthError::kMissingDate:
      return {kAccessDenied, 403, "missing_date",
              "AWS authentication requires a valid Date or x-amz-date header"};
    case AuthError::kRequestTimeTooSkewed:
      return {"RequestTimeTooSkewed", 403, "request_time_too_skewed",
              "The difference between the request time and the server's time is too large"};
    case AuthError::kAuthorizationQueryParametersError:
      return {kQueryError, 400, "authorization_query_parameters_error",
              "The presigned query is malformed; it needs X-Amz-Algorithm=AWS4-HMAC-SHA256, "
              "X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and "
              "X-Amz-Signature, each once"};
    case AuthError::kInvalidExpires:
      return {kQueryError, 400, "invalid_expires",
              "X-Amz-Expires must be a whole number of seconds from 1 to 604800"};
    case AuthError::kRequestExpired:
      return {kAccessDenied, 403, "request_expired", "Request has expired"};
    case AuthError::kRequestNotYetValid:
      return {kAccessDenied, 403, "request_not_yet_valid",
              "Request is not valid yet; X-Amz-Date is in the future"};
    case AuthError::kCredentialScopeMismatch:
      return {kHeaderMalformed, 400, "credential_scope_mismatch",
              "The credential scope does not match the request date or this endpoint's "
              "region and service"};
    case AuthError::kHostNotSigned:
      return {kHeaderMalformed, 400, "host_not_signed", "SignedHeaders must include host"};
    case AuthError::kSignedHeaderMissing:
      return {kSignatureMismatch, 403, "signed_header_missing",
              "A header named in SignedHeaders is missing from the request"};
    case AuthError::kUnsignedAmzHeader:
      return {kAccessDenied, 403, "unsigned_amz_header",
              "There were x-amz-* headers present in the request which were not signed"};
    case AuthError::kInvalidAccessKeyId:
      return {"InvalidAccessKeyId", 403, "invalid_access_key_id",
              "The access key ID you provided does not exist in our records"};
    case AuthError::kMissingSecurityToken:
      return {"MissingSecurityHeader", 400, "missing_security_token",
              "These credentials need X-Amz-Security-Token, which the request lacks"};
    case AuthError::kInvalidToken:
      return {"InvalidToken", 400, "invalid_token",
              "The provided security token is malformed or otherwise invalid"};
    case AuthError::kMissingContentSha256:
      return {"InvalidRequest", 400, "missing_content_sha256",
              "Missing required header for this request: x-amz-content-sha256"};
    case AuthError::kInvalidContentSha256:
      return {"InvalidArgument", 400, "invalid_content_sha256",
              "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a supported STREAMING-* value or "
              "a lowercase hex SHA-256"};
    case AuthError::kSignatureDoesNotMatch:
      return {kSignatureMismatch, 403, "signature_does_not_match",
              "The request signature we calculated does not match the signature you provided. "
              "Check your key and signing method"};
    case AuthError::kContentSha256Mismatch:
      return {"XAmzContentSHA256Mismatch", 400, "content_sha256_mismatch",
              "The provided x-amz-content-sha256 header does not match what was computed"};
    case AuthError::kMissingDecodedContentLength:
      return {"MissingContentLength", 411, "missing_decoded_content_length",
              "A streaming upload needs a valid x-amz-decoded-content-length header"};
    case AuthError::kChunkSignatureDoesNotMatch:
      return {kSignatureMismatch, 403, "chunk_signature_does_not_match",
              "A chunk or trailer signature does not match the one we calculated"};
    case AuthError::kMalformedChunkedEncoding:
      return {"InvalidRequest", 400, "malformed_chunked_encoding",
              "The aws-chunked body is malformed"};
    case AuthError::kIncompleteBody:
      return {"IncompleteBody", 400, "incomplete_body",
              "The aws-chunked body ended before its final chunk and trailer"};
    case AuthError::kDecodedLengthMismatch:
      return {"IncompleteBody", 400, "decoded_length_mismatch",
              "The decoded body length differs from x-amz-decoded-content-length"};
    case AuthError::kMalformedTrailer:
      return {"MalformedTrailerError", 400, "malformed_trailer",
              "The trailer is malformed or does not match x-amz-trailer"};
    case AuthError::kInvalidPolicyDocument:
      return {"InvalidPolicyDocument", 400, "invalid_policy_document",
              "The POST policy is not base64-encoded JSON with an expiration and conditions"};
    case AuthError::kInvalidPolicyField:
      return {"InvalidArgument", 400, "invalid_policy_field",
              "A POST form field is missing, repeated or malformed; the form needs key, Policy, "
              "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date and X-Amz-Signature once each"};
    case AuthError::kPolicyExpired:
      return {kAccessDenied, 403, "policy_expired", "Invalid according to Policy: Policy expired"};
    case AuthError::kPolicyConditionFailed:
      return {kAccessDenied, 403, "policy_condition_failed",
              "Invalid according to Policy: a form field fails a condition or has none"};
  }
  return {kAccessDenied, 403, "unknown", "Access denied"};
}

}  // namespace

std::string_view s3_error_code(AuthError error) { return info_of(error).code; }

int http_status(AuthError error) { return info_of(error).status; }

std::string_view describe(AuthError error) { return info_of(error).message; }

std::string_view reason(AuthError error) { return info_of(error).reason; }

}  // namespace satchel::s3
