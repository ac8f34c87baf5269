#include "s3/chunked.h"

#include <algorithm>
#include <charconv>

#include "common/encoding.h"

namespace satchel::s3 {
namespace {

constexpr std::string_view kChunkSignatureExtension = "chunk-signature=";
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";
// A chunk size has at most 16 hex digits, so it fits in 64 bits.
constexpr size_t kMaxSizeDigits = 16;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

bool is_lower_hex_signature(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string join_lines(std::initializer_list<std::string_view> lines) {
  size_t size = 0;
  for (std::string_view line : lines) size += line.size() + 1;
  std::string out;
  out.reserve(size);
  for (std::string_view line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string> parse_trailer_names(std::string_view header) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view name = trim(header.substr(start, end - start));
    if (!name.empty()) names.push_back(lower(name));
    start = end + 1;
  }
  return names;
}

}  // namespace

std::string chunk_string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                                 std::string_view previous_signature,
                                 std::string_view chunk_sha256_hex) {
  return join_lines({"AWS4-HMAC-SHA256-PAYLOAD", amz_date, credential_scope, previous_signature,
                     kEmptyPayloadSha256, chunk_sha256_hex});
}

std::string trailer_string_to_sign(std::string_view amz_date, std::string_view credential_scope,
                                   std::string_view previous_signature,
                                   std::string_view canonical_trailers) {
  const std::string trailers_hash = hex_encode(sha256(canonical_trailers));
  return join_lines(
      {"AWS4-HMAC-SHA256-TRAILER", amz_date, credential_scope, previous_signature, trailers_hash});
}

std::string canonical_trailers(std::span<const Trailer> trailers) {
  std::vector<const Trailer*> sorted;
  sorted.reserve(trailers.size());
  for (const Trailer& trailer : trailers) sorted.push_back(&trailer);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Trailer* a, const Trailer* b) { return a->name < b->name; });
  std::string out;
  for (const Trailer* trailer : sorted) {
    out += trailer->name;
    out += ':';
    out += trim(trailer->value);
    out += '\n';
  }
  return out;
}

ChunkedDecoder::ChunkedDecoder(ChunkedDecoderConfig config)
    : config_(std::move(config)), previous_signature_(config_.seed_signature) {}

Expected<ChunkedDecoder, AuthError> ChunkedDecoder::for_request(const VerifiedRequest& request,
                                                                std::span<const Header> headers) {
  if (!is_streaming(request.payload_mode)) {
    return Unexpected(AuthError::kMalformedChunkedEncoding);
  }
  std::optional<std::string_view> length = find_header(headers, "x-amz-decoded-content-length");
  std::optional<uint64_t> decoded_length = length ? parse_decimal(trim(*length)) : std::nullopt;
  if (!decoded_length) return Unexpected(AuthError::kMissingDecodedContentLength);

  ChunkedDecoderConfig config;
  config.mode = request.payload_mode;
  config.decoded_content_length = *decoded_length;
  if (auto declared = find_header(headers, "x-amz-trailer")) {
    config.declared_trailers = parse_trailer_names(*declared);
  }
  config.signing_key = request.signing_key;
  config.amz_date = request.amz_date;
  config.credential_scope = request.credential_scope();
  config.seed_signature = request.seed_signature;
  return ChunkedDecoder(std::move(config));
}

bool ChunkedDecoder::is_signed() const {
  return config_.mode == PayloadMode::kStreamingSigned ||
         config_.mode == PayloadMode::kStreamingSignedTrailer;
}

Unexpected<AuthError> ChunkedDecoder::fail(AuthError error) {
  state_ = State::kFailed;
  error_ = error;
  return Unexpected(error);
}

std::optional<std::string_view> ChunkedDecoder::trailer(std::string_view name) const {
  for (const Trailer& trailer : trailers_) {
    if (equals_ignore_case(trailer.name, name)) return trailer.value;
  }
  return std::nullopt;
}

// Collects bytes up to LF into line_, across slices. Returns the line
// without its CRLF once complete, or nullopt after using up the input.
std::optional<std::string_view> ChunkedDecoder::take_line(std::string_view input,
                                                          size_t& position) {
  size_t newline = input.find('\n', position);
  size_t end = newline == std::string_view::npos ? input.size() : newline;
  line_.append(input.substr(position, end - position));
  position = newline == std::string_view::npos ? input.size() : newline + 1;
  if (newline == std::string_view::npos) return std::nullopt;
  return std::string_view(line_);
}

Expected<ChunkedDecoder::Output, AuthError> ChunkedDecoder::decode(std::string_view input) {
  size_t position = 0;
  while (position < input.size()) {
    switch (state_) {
      case State::kFailed:
        return Unexpected(error_);

      case State::kDone:
        return fail(AuthError::kMalformedChunkedEncoding);

      case State::kData: {
        size_t available = input.size() - position;
        size_t count = static_cast<size_t>(std::min<uint64_t>(chunk_remaining_, available));
        std::string_view payload = input.substr(position, count);
        position += count;
        chunk_remaining_ -= count;
        decoded_bytes_ += count;
        if (chunk_digest_) chunk_digest_->update(payload);
        if (chunk_remaining_ == 0) state_ = State::kDataEnd;
        return Output{position, payload};
      }

      case State::kDataEnd: {
        const char expected = crlf_matched_ == 0 ? '\r' : '\n';
        if (input[position] != expected) return fail(AuthError::kMalformedChunkedEncoding);
        ++position;
        if (++crlf_matched_ < 2) break;
        crlf_matched_ = 0;
        if (is_signed()) {
          std::string hash = hex_encode(chunk_digest_->finish());
          chunk_digest_.reset();
          if (auto checked = check_chunk_signature(hash); !checked) return Unexpected(error_);
        }
        state_ = State::kSizeLine;
        break;
      }

      case State::kSizeLine:
      case State::kFinalLine:
      case State::kTrailerLine: {
        std::optional<std::string_view> line = take_line(input, position);
        size_t limit = state_ == State::kTrailerLine ? kMaxTrailerBytes : kMaxChunkLineBytes;
        if (line_.size() > limit) {
          return fail(state_ == State::kTrailerLine ? AuthError::kMalformedTrailer
                                                    : AuthError::kMalformedChunkedEncoding);
        }
        if (!line) break;
        if (line->empty() || line->back() != '\r') {
          // Every line ends with CRLF, and an empty line is at least "\r".
          return fail(state_ == State::kTrailerLine ? AuthError::kMalformedTrailer
                                                    : AuthError::kMalformedChunkedEncoding);
        }
        std::string_view text = line->substr(0, line->size() - 1);
        Expected<void, AuthError> handled;
        if (state_ == State::kSizeLine) {
          handled = handle_size_line(text);
        } else if (state_ == State::kTrailerLine) {
          handled = handle_trailer_line(text);
        } else if (!text.empty()) {
          handled = fail(AuthError::kMalformedChunkedEncoding);
        } else {
          state_ = State::kDone;
        }
        line_.clear();
        if (!handled) return Unexpected(handled.error());
        break;
      }
    }
  }
  return Output{position, {}};
}

Expected<void, AuthError> ChunkedDecoder::handle_size_line(std::string_view line) {
  size_t semicolon = line.find(';');
  std::string_view size_text = line.substr(0, semicolon);
  uint64_t size = 0;
  auto [end, error] =
      std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
  if (size_text.empty() || size_text.size() > kMaxSizeDigits || error != std::errc() ||
      end != size_text.data() + size_text.size()) {
    return fail(AuthError::kMalformedChunkedEncoding);
  }
  if (is_signed()) {
    std::string_view extension =
        semicolon == std::string_view::npos ? std::string_view{} : line.substr(semicolon + 1);
    if (!extension.starts_with(kChunkSignatureExtension)) {
      return fail(AuthError::kMalformedChunkedEncoding);
    }
    std::string_view signature = extension.substr(kChunkSignatureExtension.size());
    if (!is_lower_hex_signature(signature)) return fail(AuthError::kMalformedChunkedEncoding);
    chunk_signature_ = signature;
  }
  // Extensions of unsigned chunks carry nothing the decoder needs.

  if (size > config_.decoded_content_length - decoded_bytes_) {
    return fail(AuthError::kDecodedLengthMismatch);
  }
  if (size > 0) {
    chunk_remaining_ = size;
    if (is_signed()) chunk_digest_.emplace(Digest::sha256());
    state_ = State::kData;
    return {};
  }

  if (decoded_bytes_ != config_.decoded_content_length) {
    return fail(AuthError::kDecodedLengthMismatch);
  }
  if (is_signed()) {
    if (auto checked = check_chunk_signature(kEmptyPayloadSha256); !checked) return checked;
  }
  state_ = config_.mode == PayloadMode::kStreamingSigned ? State::kFinalLine : State::kTrailerLine;
  return {};
}

Expected<void, AuthError> ChunkedDecoder::check_chunk_signature(std::string_view data_sha256_hex) {
  std::string expected = signature_hex(
      config_.signing_key, chunk_string_to_sign(config_.amz_date, config_.credential_scope,
                                                previous_signature_, data_sha256_hex));
  if (!constant_time_equal(expected, chunk_signature_)) {
    return fail(AuthError::kChunkSignatureDoesNotMatch);
  }
  previous_signature_ = std::move(expected);
  return {};
}

Expected<void, AuthError> ChunkedDecoder::handle_trailer_line(std::string_view line) {
  const bool first_line = trailers_.empty() && !trailer_signature_ && !blank_after_final_chunk_;
  if (line.empty()) {
    if (first_line) {
      blank_after_final_chunk_ = true;
      return {};
    }
    return end_trailers();
  }
  trailer_bytes_ += line.size() + 2;
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0 || trailer_bytes_ > kMaxTrailerBytes ||
      trailer_signature_) {
    // The trailer signature must be the last line.
    return fail(AuthError::kMalformedTrailer);
  }
  std::string name = lower(trim(line.substr(0, colon)));
  std::string_view value = trim(line.substr(colon + 1));
  if (name == kTrailerSignatureName) {
    trailer_signature_ = std::string(value);
    return {};
  }
  if (trailer(name)) return fail(AuthError::kMalformedTrailer);
  trailers_.push_back({std::move(name), std::string(value)});
  return {};
}

Expected<void, AuthError> ChunkedDecoder::end_trailers() {
  for (const Trailer& received : trailers_) {
    if (std::find(config_.declared_trailers.begin(), config_.declared_trailers.end(),
                  received.name) == config_.declared_trailers.end()) {
      return fail(AuthError::kMalformedTrailer);
    }
  }
  for (const std::string& declared : config_.declared_trailers) {
    if (!trailer(declared)) return fail(AuthError::kMalformedTrailer);
  }
  if (config_.mode == PayloadMode::kStreamingUnsignedTrailer) {
    if (trailer_signature_) return fail(AuthError::kMalformedTrailer);
  } else {
    if (!trailer_signature_ || !is_lower_hex_signature(*trailer_signature_)) {
      return fail(AuthError::kMalformedTrailer);
    }
    std::string expected =
        signature_hex(config_.signing_key,
                      trailer_string_to_sign(config_.amz_date, config_.credential_scope,
                                             previous_signature_, canonical_trailers(trailers_)));
    if (!constant_time_equal(expected, *trailer_signature_)) {
      return fail(AuthError::kChunkSignatureDoesNotMatch);
    }
  }
  state_ = State::kDone;
  return {};
}

Expected<void, AuthError> ChunkedDecoder::finish() {
  if (state_ == State::kFailed) return Unexpected(error_);
  if (state_ == State::kTrailerLine && blank_after_final_chunk_ && trailers_.empty() &&
      !trailer_signature_ && line_.empty()) {
    // The body ended with "0...\r\n\r\n": a trailer mode without trailers.
    return end_trailers();
  }
  if (state_ != State::kDone) return fail(AuthError::kIncompleteBody);
  return {};
}

ChunkedEncoder::ChunkedEncoder(PayloadMode mode, SigningKey signing_key, std::string amz_date,
                               std::string credential_scope, std::string seed_signature)
    : mode_(mode),
      signing_key_(signing_key),
      amz_date_(std::move(amz_date)),
      credential_scope_(std::move(credential_scope)),
      previous_signature_(std::move(seed_signature)) {}

std::string ChunkedEncoder::sign_chunk(std::string_view data) {
  previous_signature_ = signature_hex(
      signing_key_, chunk_string_to_sign(amz_date_, credential_scope_, previous_signature_,
                                         hex_encode(sha256(data))));
  return previous_signature_;
}

std::string ChunkedEncoder::chunk(std::string_view data) {
  std::array<char, 17> size{};
  auto [end, error] = std::to_chars(size.data(), size.data() + size.size(), data.size(), 16);
  std::string out(size.data(), end);
  if (mode_ != PayloadMode::kStreamingUnsignedTrailer) {
    out += ';';
    out += kChunkSignatureExtension;
    out += sign_chunk(data);
  }
  out += "\r\n";
  out += data;
  out += "\r\n";
  return out;
}

std::string ChunkedEncoder::finish(std::span<const Trailer> trailers) {
  std::string out = "0";
  if (mode_ != PayloadMode::kStreamingUnsignedTrailer) {
    out += ';';
    out += kChunkSignatureExtension;
    out += sign_chunk({});
  }
  out += "\r\n";
  for (const Trailer& trailer : trailers) {
    out += trailer.name;
    out += ':';
    out += trailer.value;
    out += "\r\n";
  }
  if (mode_ == PayloadMode::kStreamingSignedTrailer) {
    out += kTrailerSignatureName;
    out += ':';
    out += signature_hex(signing_key_,
                         trailer_string_to_sign(amz_date_, credential_scope_, previous_signature_,
                                                canonical_trailers(trailers)));
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

}  // namespace satchel::s3
