// The aws-chunked body of a streaming upload (x-amz-content-sha256:
// STREAMING-*): framing, the chained chunk and trailer signatures, trailers,
// and the decoded length. Each chunk on the wire is
//   hex(size) [";chunk-signature=" signature] CRLF data CRLF
// and the final zero-size chunk is followed by trailer lines and an empty
// line, as in HTTP/1.1 chunked encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "common/expected.h"
#include "s3/auth_error.h"
#include "s3/canonical_request.h"
#include "s3/signer.h"
#include "s3/verifier.h"

namespace satchel::s3 {

// Bounds on the framing, so a client cannot make the decoder buffer without
// limit. A signed size line needs under 100 bytes.
inline constexpr size_t kMaxChunkLineBytes = 4096;
inline constexpr size_t kMaxTrailerBytes = 16 * 1024;

// A trailing header, name in lower case (x-amz-checksum-crc32c, ...).
struct Trailer {
  std::string name;
  std::string value;

  friend bool operator==(const Trailer&, const Trailer&) = default;
};

// "AWS4-HMAC-SHA256-PAYLOAD" \n date \n scope \n previous signature \n
// SHA-256("") \n hex SHA-256 of the chunk data.
std::string chunk_string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                                 std::string_view previous_signature,
                                 std::string_view chunk_sha256_hex);

// "AWS4-HMAC-SHA256-TRAILER" \n date \n scope \n final chunk signature \n
// hex SHA-256 of the canonical trailers.
std::string trailer_string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                                   std::string_view previous_signature,
                                   std::string_view canonical_trailers);

// The text a trailer signature covers: one "name:value\n" line per trailer,
// sorted by name, values trimmed.
std::string canonical_trailers(std::span<const Trailer> trailers);

struct ChunkedDecoderConfig {
  PayloadMode mode = PayloadMode::kStreamingSigned;  // one of the STREAMING-* modes
  uint64_t decoded_content_length = 0;               // x-amz-decoded-content-length
  // The lower-case names listed in x-amz-trailer. The trailers received
  // must be exactly these.
  std::vector<std::string> declared_trailers;
  // The signature chain. Unused for kStreamingUnsignedTrailer.
  SigningKey signing_key;
  std::string amz_date;
  std::string credential_scope;
  std::string seed_signature;
};

// An incremental aws-chunked decoder: it takes the encoded body in slices
// of any size and returns the decoded payload as views into those slices,
// without copying.
//
// Payload bytes are returned before the signature of their chunk is
// checked, because a chunk may be larger than any buffer. The caller must
// keep everything provisional (a temporary file) until finish() succeeds.
// Not thread-safe. After an error, every call returns that error.
class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(ChunkedDecoderConfig config);

  // Builds the decoder for a verified streaming request from its
  // x-amz-decoded-content-length and x-amz-trailer headers. Errors:
  // kMissingDecodedContentLength, kMalformedChunkedEncoding when the request
  // is not a streaming upload.
  static Expected<ChunkedDecoder, AuthError> for_request(const VerifiedRequest& request,
                                                         std::span<const Header> headers);

  struct Output {
    size_t consumed = 0;       // bytes of the input used, always > 0 for non-empty input
    std::string_view payload;  // decoded bytes, a view into the input; may be empty
  };

  // Decodes from the start of input, up to and including the first run of
  // payload bytes. Call again with the rest of the input until it is used
  // up. The decoder keeps no view into the input after returning, so the
  // caller may overwrite the buffer at once (even decode in place). Errors:
  // kChunkSignatureDoesNotMatch, kMalformedChunkedEncoding, kDecodedLengthMismatch,
  // kMalformedTrailer.
  Expected<Output, AuthError> decode(std::string_view input);

  // Ends the body. Returns kIncompleteBody unless the final chunk and the
  // trailer section arrived complete.
  Expected<void, AuthError> finish();

  bool complete() const { return state_ == State::kDone; }
  uint64_t decoded_bytes() const { return decoded_bytes_; }
  const std::vector<Trailer>& trailers() const { return trailers_; }
  std::optional<std::string_view> trailer(std::string_view name) const;

 private:
  enum class State { kSizeLine, kData, kDataEnd, kFinalLine, kTrailerLine, kDone, kFailed };

  std::optional<std::string_view> take_line(std::string_view input, size_t& position);
  Expected<void, AuthError> handle_size_line(std::string_view line);
  Expected<void, AuthError> handle_trailer_line(std::string_view line);
  Expected<void, AuthError> end_trailers();
  Expected<void, AuthError> check_chunk_signature(std::string_view data_sha256_hex);
  Unexpected<AuthError> fail(AuthError error);
  bool is_signed() const;

  ChunkedDecoderConfig config_;
  State state_ = State::kSizeLine;
  AuthError error_ = AuthError::kMalformedChunkedEncoding;
  std::string previous_signature_;
  std::string line_;  // a size or trailer line split across slices
  uint64_t chunk_remaining_ = 0;
  uint64_t decoded_bytes_ = 0;
  size_t crlf_matched_ = 0;
  std::string chunk_signature_;  // claimed for the chunk being read
  std::optional<Digest> chunk_digest_;
  std::vector<Trailer> trailers_;
  std::optional<std::string> trailer_signature_;
  size_t trailer_bytes_ = 0;
  // Set when an empty line directly follows the final chunk in a trailer
  // mode. It is either a CRLF ending the zero-size chunk as in the framing
  // without trailers, or the end of an empty trailer section.
  bool blank_after_final_chunk_ = false;
};

// Encodes a payload as aws-chunked, for clients and tests. Each call to
// chunk() frames one chunk; finish() writes the final chunk, the trailers
// and, in the signed trailer mode, the trailer signature.
class ChunkedEncoder {
 public:
  // The signature chain starts at the seed signature, which is the request's
  // own header signature.
  ChunkedEncoder(PayloadMode mode, SigningKey signing_key, std::string amz_date,
                 std::string credential_scope, std::string seed_signature);

  // Precondition: data is not empty; the empty chunk comes from finish().
  std::string chunk(std::string_view data);
  std::string finish(std::span<const Trailer> trailers = {});

 private:
  std::string sign_chunk(std::string_view data);

  PayloadMode mode_;
  SigningKey signing_key_;
  std::string amz_date_;
  std::string credential_scope_;
  std::string previous_signature_;
};

}  // namespace satchel::s3
