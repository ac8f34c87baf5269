// The SigV4 canonical request: URI, query string, headers and the whole
// request text that the string to sign hashes. The signer, the presigner and
// the verifier all build it here, so they cannot disagree.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace satchel::s3 {

struct Header {
  std::string_view name;
  std::string_view value;
};

// An HTTP request as the signer and the verifier see it. The views must
// outlive every call that takes the request.
struct RequestView {
  std::string_view method;
  std::string_view path;   // as sent on the wire, still percent-encoded, without the query
  std::string_view query;  // as sent on the wire, without '?'
  std::span<const Header> headers;
};

// Splits a request target ("/bucket/key?versionId=1") at the first '?'.
struct Target {
  std::string_view path;
  std::string_view query;
};
Target split_target(std::string_view target);

// Rules for turning a path into the canonical URI.
struct UriOptions {
  // Remove "." and ".." segments (RFC 3986 section 5.2.4) and collapse
  // repeated slashes. S3 never does this, because "a//b" and "a/./b" are
  // distinct object keys.
  bool normalize_path = false;
  // Percent-encode the path as sent, so an escape such as %20 becomes %2520,
  // which every AWS service except S3 expects. When false, the path is decoded
  // once and encoded again, as S3 expects.
  bool double_encode = false;
};
inline constexpr UriOptions kS3Uri{};
inline constexpr UriOptions kGenericUri{.normalize_path = true, .double_encode = true};

// The canonical URI of a wire path. An empty path becomes "/". A '%' that
// does not start a valid escape is taken as a literal '%'.
std::string canonical_uri(std::string_view path, UriOptions options = kS3Uri);

// A query parameter with name and value in canonical encoding (uri_encode of
// the decoded text, so '/' is %2F and a space is %20).
struct QueryParameter {
  std::string name;
  std::string value;
};

// Splits a wire query at '&' and '=', decodes each name and value once and
// encodes it again, so differently escaped spellings of one query sign alike.
// '+' is a literal plus sign, as in S3. Empty segments ("a=1&&b=2") are
// skipped, and a parameter without '=' gets an empty value.
std::vector<QueryParameter> canonical_query_parameters(std::string_view query);

// Sorts by name, then by value (byte order), and joins the parameters as
// name=value pairs separated by '&'. A parameter with an empty value keeps its
// '=' ("lifecycle=").
std::string join_query_parameters(std::vector<QueryParameter> parameters);

std::string canonical_query_string(std::string_view query);

// A header value with leading and trailing whitespace removed and each inner
// run of whitespace (space, tab, CR, LF) replaced by one space.
std::string canonical_header_value(std::string_view value);

struct CanonicalHeaders {
  // One "name:value\n" line per header name, lower-case, sorted by name. The
  // values of repeated headers are joined with ',' in the order sent.
  std::string lines;
  // The lower-case names joined with ';'.
  std::string signed_headers;
};

// Canonicalizes every header given.
CanonicalHeaders canonical_headers(std::span<const Header> headers);

// The canonical lines of the named headers only, in the order of the names,
// which must be lower-case (a verifier passes SignedHeaders as sent). Returns
// nullopt if a named header is absent from the request.
std::optional<std::string> canonical_header_lines(std::span<const Header> headers,
                                                  std::span<const std::string_view> names);

// method \n uri \n query \n header lines \n signed headers \n payload hash.
// The header lines end with '\n' themselves, so a blank line separates them
// from the signed headers.
std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, std::string_view header_lines,
                              std::string_view signed_headers, std::string_view payload_hash);

// ASCII case-insensitive comparison, for header and parameter names.
bool equals_ignore_case(std::string_view a, std::string_view b);

// Returns the value of the first header with this name (any case), or nullopt.
std::optional<std::string_view> find_header(std::span<const Header> headers, std::string_view name);

}  // namespace satchel::s3
