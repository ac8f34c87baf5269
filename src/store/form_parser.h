// multipart/form-data (RFC 7578) for S3 POST Object: the form fields before
// the file are parsed from a buffer, then the file's bytes are streamed
// through a scanner that finds the closing boundary, so a large file never
// sits in memory.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "s3/post_policy.h"

namespace satchel::store {

// The boundary parameter of a multipart/form-data Content-Type, or nullopt
// for another type or a missing or invalid boundary.
std::optional<std::string> form_boundary(std::string_view content_type);

// The fields that precede the part named "file", and where its bytes begin.
// S3 requires the file to be the last field and ignores anything after it.
struct FormHead {
  std::vector<s3::FormField> fields;
  std::string file_name;          // the file part's filename parameter
  std::string file_content_type;  // the file part's Content-Type header
  size_t file_offset = 0;         // the file's first byte in the buffer parsed
};

enum class FormError {
  kMalformed,  // not multipart/form-data framing
  kNoFile,     // the form ended without a part named "file"
  kTooLarge,   // the fields before the file exceed the limit
};

// Parses buffer, the start of the body. Returns nullopt when more bytes are
// needed to reach the file part, and kTooLarge once buffer is longer than
// max_head_bytes without reaching it.
Expected<std::optional<FormHead>, FormError> parse_form_head(std::string_view buffer,
                                                             std::string_view boundary,
                                                             size_t max_head_bytes);

// Finds the end of the file part in a stream of bytes.
class FormFileScanner {
 public:
  explicit FormFileScanner(std::string_view boundary);

  struct Output {
    std::string_view data;  // file bytes; valid until the next call
    bool done = false;      // the closing boundary was found
  };
  // Takes the next bytes of the body. Holds back a few bytes that may start
  // the boundary, so data never includes any of it. After done, further
  // input is ignored.
  Output feed(std::string_view input);

 private:
  std::string delimiter_;  // CRLF "--" boundary
  // The bytes returned by the last call, followed by held_back_ bytes.
  std::string buffer_;
  size_t held_back_ = 0;
  bool done_ = false;
};

}  // namespace satchel::store
