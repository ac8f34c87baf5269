#include "s3/chunked.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "common/time_format.h"
#include "example_files.h"
#include "test_files.h"

namespace satchel::s3 {
namespace {

bool is_chunked_example(const nlohmann::json& json) {
  return json.contains("expected") && json["expected"].contains("chunks");
}

// A documented streaming upload: its seed request, verified as the store
// verifies it, and its encoded body rebuilt from the documented chunk
// headers and 'a' bytes.
struct StreamingExample {
  testing::Example example;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<Header> views;
  std::string payload;
  std::vector<Trailer> trailers;

  explicit StreamingExample(testing::Example source) : example(std::move(source)) {
    const auto& input = example.input();
    for (const auto& header : input.at("headers")) headers.emplace_back(header[0], header[1]);
    headers.emplace_back(
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=" + example.credentials().access_key_id + "/" +
            input.at("date").get<std::string>() + "/" + example.region() + "/" + example.service() +
            "/aws4_request, SignedHeaders=" +
            example.expected().at("signed_headers").get<std::string>() +
            ", Signature=" + example.expected().at("seed_signature").get<std::string>());
    for (const auto& [name, value] : headers) views.push_back({name, value});
    const auto& payload_spec = input.at("payload");
    payload.assign(payload_spec.at("length").get<size_t>(),
                   payload_spec.at("byte").get<std::string>().at(0));
    for (const auto& trailer : input.value("trailing_headers", nlohmann::json::array())) {
      trailers.push_back({trailer[0], trailer[1]});
    }
  }

  bool has_trailer() const { return example.expected().contains("trailer_signature"); }

  VerifiedRequest verify() const {
    ManualClock clock(example.time());
    Credentials credentials = example.credentials();
    Verifier verifier(
        VerifierConfig{.region = example.region()},
        [&](std::string_view) -> std::optional<Credentials> { return credentials; }, clock);
    const std::string target = example.input().at("request_target");
    auto verified = verifier.verify({example.input().at("method").get<std::string_view>(),
                                     split_target(target).path, "", views});
    EXPECT_TRUE(verified.has_value()) << describe(verified.error());
    return verified.value();
  }

  // The body as the documentation describes it on the wire. With
  // blank_after_final_chunk, the zero-size chunk ends with CRLF before the
  // trailers, as some clients send it.
  std::string encoded_body(bool blank_after_final_chunk = false) const {
    std::string body;
    size_t offset = 0;
    const auto& chunks = example.expected().at("chunks");
    for (size_t i = 0; i < chunks.size(); ++i) {
      size_t length = chunks[i].at("data_length");
      body += chunks[i].at("chunk_header").get<std::string>();
      body += payload.substr(offset, length);
      offset += length;
      bool final_chunk = i + 1 == chunks.size();
      if (!final_chunk || !has_trailer() || blank_after_final_chunk) body += "\r\n";
    }
    if (has_trailer()) {
      for (const Trailer& trailer : trailers) body += trailer.name + ":" + trailer.value + "\r\n";
      body += "x-amz-trailer-signature:" +
              example.expected().at("trailer_signature").get<std::string>() + "\r\n\r\n";
    }
    return body;
  }

  ChunkedDecoder decoder() const {
    auto decoder = ChunkedDecoder::for_request(verify(), views);
    EXPECT_TRUE(decoder.has_value());
    return std::move(decoder).value();
  }
};

struct DecodeResult {
  std::string payload;
  std::optional<AuthError> error;
};

// Feeds the body in slices of slice_size bytes, then ends it.
DecodeResult decode_in_slices(ChunkedDecoder& decoder, std::string_view body, size_t slice_size) {
  DecodeResult result;
  for (size_t offset = 0; offset < body.size(); offset += slice_size) {
    std::string_view slice = body.substr(offset, slice_size);
    while (!slice.empty()) {
      auto output = decoder.decode(slice);
      if (!output) {
        result.error = output.error();
        return result;
      }
      EXPECT_GT(output->consumed, 0u);
      result.payload += output->payload;
      slice.remove_prefix(output->consumed);
    }
  }
  if (auto finished = decoder.finish(); !finished) result.error = finished.error();
  return result;
}

class DocumentedStreamingUpload : public ::testing::TestWithParam<testing::Example> {};

TEST_P(DocumentedStreamingUpload, ChunkSignaturesMatchEveryStep) {
  StreamingExample example(GetParam());
  VerifiedRequest seed = example.verify();
  std::string previous = seed.seed_signature;
  size_t offset = 0;
  for (const auto& chunk : example.example.expected().at("chunks")) {
    SCOPED_TRACE("chunk of " + std::to_string(chunk.at("data_length").get<size_t>()) + " bytes");
    std::string_view data =
        std::string_view(example.payload).substr(offset, chunk.at("data_length").get<size_t>());
    offset += data.size();
    std::string data_hash = hex_encode(sha256(data));
    EXPECT_EQ(data_hash, chunk.at("data_sha256"));
    std::string to_sign =
        chunk_string_to_sign(seed.amz_date, seed.credential_scope(), previous, data_hash);
    EXPECT_EQ(to_sign, chunk.at("string_to_sign"));
    previous = signature_hex(seed.signing_key, to_sign);
    EXPECT_EQ(previous, chunk.at("signature"));
  }
  if (example.has_trailer()) {
    SCOPED_TRACE("trailer");
    const auto& expected = example.example.expected();
    std::string canonical = canonical_trailers(example.trailers);
    EXPECT_EQ(canonical, expected.at("trailer_canonical_text"));
    std::string to_sign =
        trailer_string_to_sign(seed.amz_date, seed.credential_scope(), previous, canonical);
    EXPECT_EQ(to_sign, expected.at("trailer_string_to_sign"));
    EXPECT_EQ(signature_hex(seed.signing_key, to_sign), expected.at("trailer_signature"));
  }
}

TEST_P(DocumentedStreamingUpload, EncodedBodyHasDocumentedLength) {
  StreamingExample example(GetParam());
  if (example.example.expected().contains("encoded_body_length")) {
    EXPECT_EQ(example.encoded_body().size(),
              example.example.expected()["encoded_body_length"].get<size_t>());
  }
}

TEST_P(DocumentedStreamingUpload, DecodesInAnySliceSize) {
  StreamingExample example(GetParam());
  const std::string body = example.encoded_body();
  for (size_t slice_size : {size_t{1}, size_t{7}, size_t{65536}, body.size()}) {
    SCOPED_TRACE("slices of " + std::to_string(slice_size) + " bytes");
    ChunkedDecoder decoder = example.decoder();
    DecodeResult result = decode_in_slices(decoder, body, slice_size);
    ASSERT_FALSE(result.error.has_value()) << describe(*result.error);
    EXPECT_EQ(result.payload.size(), example.payload.size());
    EXPECT_EQ(result.payload, example.payload);
    EXPECT_TRUE(decoder.complete());
    EXPECT_EQ(decoder.decoded_bytes(), example.payload.size());
    EXPECT_EQ(decoder.trailers(), example.trailers);
  }
}

TEST_P(DocumentedStreamingUpload, RejectsFlippedPayloadByte) {
  StreamingExample example(GetParam());
  std::string body = example.encoded_body();
  body[body.find('a') + 1000] = 'b';
  ChunkedDecoder decoder = example.decoder();
  EXPECT_EQ(decode_in_slices(decoder, body, 7).error, AuthError::kChunkSignatureDoesNotMatch);
}

TEST_P(DocumentedStreamingUpload, RejectsFlippedSignatureByte) {
  StreamingExample example(GetParam());
  std::string body = example.encoded_body();
  size_t signature = body.find("chunk-signature=", 65000) + 16;
  body[signature] = body[signature] == '0' ? '1' : '0';
  ChunkedDecoder decoder = example.decoder();
  EXPECT_EQ(decode_in_slices(decoder, body, 4096).error, AuthError::kChunkSignatureDoesNotMatch);
}

TEST_P(DocumentedStreamingUpload, RejectsTruncatedBody) {
  StreamingExample example(GetParam());
  const std::string body = example.encoded_body();
  for (size_t cut : {size_t{10}, size_t{100}, size_t{65626}, body.size() - 1}) {
    ChunkedDecoder decoder = example.decoder();
    EXPECT_EQ(decode_in_slices(decoder, body.substr(0, cut), 4096).error,
              AuthError::kIncompleteBody)
        << cut;
  }
}

TEST_P(DocumentedStreamingUpload, RejectsBytesAfterEnd) {
  StreamingExample example(GetParam());
  ChunkedDecoder decoder = example.decoder();
  EXPECT_EQ(decode_in_slices(decoder, example.encoded_body() + "x", 4096).error,
            AuthError::kMalformedChunkedEncoding);
}

TEST_P(DocumentedStreamingUpload, RejectsWrongDecodedLength) {
  StreamingExample example(GetParam());
  for (const char* length : {"66559", "66561", "0"}) {
    auto headers = example.views;
    for (Header& header : headers) {
      if (header.name == "x-amz-decoded-content-length") header.value = length;
    }
    auto decoder = ChunkedDecoder::for_request(example.verify(), headers);
    ASSERT_TRUE(decoder.has_value());
    EXPECT_EQ(decode_in_slices(*decoder, example.encoded_body(), 4096).error,
              AuthError::kDecodedLengthMismatch)
        << length;
  }
}

TEST_P(DocumentedStreamingUpload, RequiresDecodedLengthHeader) {
  StreamingExample example(GetParam());
  auto headers = example.views;
  std::erase_if(headers,
                [](const Header& header) { return header.name == "x-amz-decoded-content-length"; });
  auto decoder = ChunkedDecoder::for_request(example.verify(), headers);
  ASSERT_FALSE(decoder.has_value());
  EXPECT_EQ(decoder.error(), AuthError::kMissingDecodedContentLength);
}

INSTANTIATE_TEST_SUITE_P(Documentation, DocumentedStreamingUpload,
                         ::testing::ValuesIn(testing::examples_where(is_chunked_example)),
                         [](const auto& info) { return testing::test_name(info.param.name()); });

TEST(DocumentedStreamingUpload, FoldersHoldBothExamples) {
  EXPECT_EQ(testing::examples_where(is_chunked_example).size(), 2u);
}

StreamingExample trailer_example() {
  auto examples = testing::examples_where([](const nlohmann::json& json) {
    return is_chunked_example(json) && json["expected"].contains("trailer_signature");
  });
  EXPECT_EQ(examples.size(), 1u);
  return StreamingExample(examples.at(0));
}

TEST(ChunkedTrailer, AcceptsBlankLineBeforeTrailers) {
  StreamingExample example = trailer_example();
  ChunkedDecoder decoder = example.decoder();
  DecodeResult result = decode_in_slices(decoder, example.encoded_body(true), 5);
  ASSERT_FALSE(result.error.has_value()) << describe(*result.error);
  EXPECT_EQ(decoder.trailer("x-amz-checksum-crc32c"), "sOO8/Q==");
}

TEST(ChunkedTrailer, RejectsTamperedTrailerValue) {
  StreamingExample example = trailer_example();
  std::string body = example.encoded_body();
  body.replace(body.find("sOO8/Q=="), 8, "AAAAAA==");
  ChunkedDecoder decoder = example.decoder();
  EXPECT_EQ(decode_in_slices(decoder, body, 4096).error, AuthError::kChunkSignatureDoesNotMatch);
}

TEST(ChunkedTrailer, RejectsUndeclaredOrMissingTrailer) {
  StreamingExample example = trailer_example();
  std::string renamed = example.encoded_body();
  renamed.replace(renamed.find("x-amz-checksum-crc32c"), 21, "x-amz-checksum-sha256");
  ChunkedDecoder decoder = example.decoder();
  EXPECT_EQ(decode_in_slices(decoder, renamed, 4096).error, AuthError::kMalformedTrailer);

  std::string missing = example.encoded_body();
  size_t start = missing.find("x-amz-checksum-crc32c");
  missing.erase(start, missing.find("\r\n", start) + 2 - start);
  ChunkedDecoder second = example.decoder();
  EXPECT_EQ(decode_in_slices(second, missing, 4096).error, AuthError::kMalformedTrailer);
}

TEST(ChunkedTrailer, RejectsMissingTrailerSignature) {
  StreamingExample example = trailer_example();
  std::string body = example.encoded_body();
  size_t start = body.find("x-amz-trailer-signature");
  body.erase(start, body.find("\r\n", start) + 2 - start);
  ChunkedDecoder decoder = example.decoder();
  EXPECT_EQ(decode_in_slices(decoder, body, 4096).error, AuthError::kMalformedTrailer);
}

ChunkedDecoderConfig signed_config(uint64_t decoded_length) {
  ChunkedDecoderConfig config;
  config.mode = PayloadMode::kStreamingSigned;
  config.decoded_content_length = decoded_length;
  config.signing_key = derive_signing_key(Secret("secret"), {"20240101", "us-east-1", "s3"});
  config.amz_date = "20240101T000000Z";
  config.credential_scope = "20240101/us-east-1/s3/aws4_request";
  config.seed_signature = std::string(64, '0');
  return config;
}

ChunkedEncoder encoder_for(const ChunkedDecoderConfig& config) {
  return ChunkedEncoder(config.mode, config.signing_key, config.amz_date, config.credential_scope,
                        config.seed_signature);
}

TEST(ChunkedDecoder, RoundTripsEncoderOutput) {
  std::string payload;
  for (int i = 0; i < 10000; ++i) payload += static_cast<char>(i * 7 % 256);
  for (PayloadMode mode : {PayloadMode::kStreamingSigned, PayloadMode::kStreamingSignedTrailer,
                           PayloadMode::kStreamingUnsignedTrailer}) {
    ChunkedDecoderConfig config = signed_config(payload.size());
    config.mode = mode;
    bool with_trailer = mode != PayloadMode::kStreamingSigned;
    if (with_trailer) config.declared_trailers = {"x-amz-checksum-sha256"};
    std::vector<Trailer> trailers;
    if (with_trailer) trailers.push_back({"x-amz-checksum-sha256", "abc="});
    ChunkedEncoder encoder = encoder_for(config);
    // One statement per chunk: each signature chains on the previous one.
    std::string body = encoder.chunk(std::string_view(payload).substr(0, 8192));
    body += encoder.chunk(std::string_view(payload).substr(8192, 1));
    body += encoder.chunk(std::string_view(payload).substr(8193));
    body += encoder.finish(trailers);
    ChunkedDecoder decoder(config);
    DecodeResult result = decode_in_slices(decoder, body, 3);
    ASSERT_FALSE(result.error.has_value()) << describe(*result.error);
    EXPECT_EQ(result.payload, payload);
    EXPECT_EQ(decoder.trailers(), trailers);
  }
}

TEST(ChunkedDecoder, DecodesUnsignedTrailerBody) {
  ChunkedDecoderConfig config;
  config.mode = PayloadMode::kStreamingUnsignedTrailer;
  config.decoded_content_length = 5;
  config.declared_trailers = {"x-amz-checksum-crc32"};
  ChunkedDecoder decoder(config);
  DecodeResult result =
      decode_in_slices(decoder, "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", 2);
  ASSERT_FALSE(result.error.has_value()) << describe(*result.error);
  EXPECT_EQ(result.payload, "hello");
  EXPECT_EQ(decoder.trailer("x-amz-checksum-crc32"), "NhCmhg==");
}

TEST(ChunkedDecoder, RejectsMalformedFraming) {
  const std::string signature = ";chunk-signature=" + std::string(64, '0');
  for (const std::string& body : std::vector<std::string>{
           "zz" + signature + "\r\nhello\r\n",
           "5\r\nhello\r\n",                          // no signature
           "5;chunk-signature=abc\r\nhello\r\n",      // short signature
           "5" + signature + "\nhello\r\n",           // LF without CR
           "12345678901234567" + signature + "\r\n",  // 17 size digits
           std::string(kMaxChunkLineBytes + 1, '1'),  // endless size line
       }) {
    ChunkedDecoder decoder(signed_config(5));
    auto result = decode_in_slices(decoder, body, 4096);
    EXPECT_EQ(result.error, AuthError::kMalformedChunkedEncoding) << body.substr(0, 40);
  }
}

TEST(ChunkedDecoder, RejectsMissingCrlfAfterData) {
  ChunkedDecoderConfig config = signed_config(5);
  ChunkedEncoder encoder = encoder_for(config);
  std::string body = encoder.chunk("hello");
  body[body.size() - 2] = 'x';
  ChunkedDecoder decoder(config);
  EXPECT_EQ(decode_in_slices(decoder, body, 4096).error, AuthError::kMalformedChunkedEncoding);
}

TEST(ChunkedDecoder, RejectsChunkLongerThanDeclared) {
  ChunkedDecoderConfig config = signed_config(4);
  ChunkedEncoder encoder = encoder_for(config);
  ChunkedDecoder decoder(config);
  auto output = decoder.decode(encoder.chunk("hello"));
  ASSERT_FALSE(output.has_value());
  EXPECT_EQ(output.error(), AuthError::kDecodedLengthMismatch);
}

TEST(ChunkedDecoder, KeepsFirstError) {
  ChunkedDecoder decoder(signed_config(5));
  EXPECT_FALSE(decoder.decode("zz;\r\n").has_value());
  auto again = decoder.decode("5\r\n");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error(), AuthError::kMalformedChunkedEncoding);
  auto finished = decoder.finish();
  ASSERT_FALSE(finished.has_value());
  EXPECT_EQ(finished.error(), AuthError::kMalformedChunkedEncoding);
}

TEST(ChunkedDecoder, RejectsNonStreamingRequest) {
  VerifiedRequest request;
  request.payload_mode = PayloadMode::kUnsigned;
  auto decoder = ChunkedDecoder::for_request(request, {});
  ASSERT_FALSE(decoder.has_value());
  EXPECT_EQ(decoder.error(), AuthError::kMalformedChunkedEncoding);
}

}  // namespace
}  // namespace satchel::s3
