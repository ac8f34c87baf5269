// Content sniffing: checks that the leading bytes of an upload are of the
// media type the client declared, so a file cannot pose as an image, a PDF
// or JSON. Detection uses libmagic.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace satchel::media {

// How many leading bytes the check reads. libmagic needs only the first few
// hundred bytes to tell the checked image formats and PDF apart.
inline constexpr size_t kSniffBytes = 8 * 1024;

enum class SniffVerdict {
  kMatch,        // the bytes are of the declared type
  kMismatch,     // the bytes are of another type
  kNotChecked,   // the declared type is not one that is sniffed
  kUnavailable,  // libmagic could not be opened or failed on the bytes
};

struct SniffResult {
  SniffVerdict verdict = SniffVerdict::kNotChecked;
  // The type libmagic detected, such as "image/png", or "text/plain" for
  // UTF-8 text; empty when nothing was detected.
  std::string detected_type;
};

// True for the declared types that check_declared_type compares: image/*,
// application/pdf and application/json. Parameters and case are ignored.
bool is_sniffed_type(std::string_view content_type);

// Compares the leading bytes of an object (at most kSniffBytes are used)
// with its declared content type. Image types and application/pdf must match
// what libmagic detects. application/json must be UTF-8 text with no control
// characters other than tab, line feed and carriage return, because valid
// JSON text contains no others.
//
// Thread-safe: each thread uses its own libmagic handle, opened on first use.
// It reads the magic database from disk, so call it on a worker thread.
SniffResult check_declared_type(std::string_view content_type, std::string_view leading_bytes);

// Returns the type libmagic detects for the bytes, such as "image/jpeg", or
// an error message when libmagic cannot be opened or fails. Same threading
// rules as check_declared_type.
Expected<std::string, std::string> detect_mime_type(std::string_view bytes);

}  // namespace satchel::media
