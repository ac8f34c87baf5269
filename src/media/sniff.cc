#include "media/sniff.h"

#include <magic.h>

#include <algorithm>
#include <cctype>

#include "common/encoding.h"

namespace satchel::media {
namespace {

// A libmagic cookie with the database loaded. libmagic keeps per-handle
// state during a lookup, so a handle must never be shared between threads.
class MagicHandle {
 public:
  MagicHandle() {
    // No decompression, so a small compressed file cannot make libmagic
    // inflate far more data than it was given.
    cookie_ = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    if (cookie_ == nullptr) {
      error_ = "libmagic: magic_open failed";
      return;
    }
    if (magic_load(cookie_, nullptr) != 0) {
      const char* message = magic_error(cookie_);
      error_ = std::string("libmagic: cannot load the magic database: ") +
               (message ? message : "unknown error");
      magic_close(cookie_);
      cookie_ = nullptr;
    }
  }
  ~MagicHandle() {
    if (cookie_ != nullptr) magic_close(cookie_);
  }
  MagicHandle(const MagicHandle&) = delete;
  MagicHandle& operator=(const MagicHandle&) = delete;

  Expected<std::string, std::string> detect(std::string_view bytes) {
    if (cookie_ == nullptr) return Unexpected(error_);
    const char* type = magic_buffer(cookie_, bytes.data(), bytes.size());
    if (type == nullptr) {
      const char* message = magic_error(cookie_);
      return Unexpected(std::string("libmagic: detection failed: ") +
                        (message ? message : "unknown error"));
    }
    return std::string(type);
  }

 private:
  magic_t cookie_ = nullptr;
  std::string error_;
};

MagicHandle& thread_handle() {
  thread_local MagicHandle handle;
  return handle;
}

// The lower-case "type/subtype" of a media type, without parameters.
std::string essence(std::string_view content_type) {
  std::string_view bare = content_type.substr(0, content_type.find(';'));
  while (!bare.empty() && (bare.back() == ' ' || bare.back() == '\t')) bare.remove_suffix(1);
  std::string result(bare);
  for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

// Drops a multi-byte UTF-8 sequence that the sniffing window cut short, so
// a window boundary inside a character is not taken for invalid text.
std::string_view without_cut_sequence(std::string_view bytes) {
  size_t continuation = 0;
  while (continuation < 3 && continuation < bytes.size() &&
         (static_cast<unsigned char>(bytes[bytes.size() - 1 - continuation]) & 0xC0) == 0x80) {
    ++continuation;
  }
  if (continuation == bytes.size()) return bytes;
  auto lead = static_cast<unsigned char>(bytes[bytes.size() - 1 - continuation]);
  size_t length = 1;
  if (lead >= 0xF0) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = 3;
  } else if (lead >= 0xC0) {
    length = 2;
  }
  if (length > continuation + 1) bytes.remove_suffix(continuation + 1);
  return bytes;
}

bool is_json_text(std::string_view bytes, bool window_is_full) {
  if (window_is_full) bytes = without_cut_sequence(bytes);
  if (!is_valid_utf8(bytes)) return false;
  return std::none_of(bytes.begin(), bytes.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r';
  });
}

}  // namespace

bool is_sniffed_type(std::string_view content_type) {
  std::string type = essence(content_type);
  return type.starts_with("image/") || type == "application/pdf" || type == "application/json";
}

Expected<std::string, std::string> detect_mime_type(std::string_view bytes) {
  return thread_handle().detect(bytes);
}

SniffResult check_declared_type(std::string_view content_type, std::string_view leading_bytes) {
  std::string declared = essence(content_type);
  if (!is_sniffed_type(declared)) return {SniffVerdict::kNotChecked, {}};
  bool window_is_full = leading_bytes.size() >= kSniffBytes;
  leading_bytes = leading_bytes.substr(0, kSniffBytes);

  if (declared == "application/json") {
    if (is_json_text(leading_bytes, window_is_full)) return {SniffVerdict::kMatch, "text/plain"};
    auto detected = detect_mime_type(leading_bytes);
    return {SniffVerdict::kMismatch, detected ? *detected : std::string()};
  }

  auto detected = detect_mime_type(leading_bytes);
  if (!detected) return {SniffVerdict::kUnavailable, {}};
  // NOTE: image types outside the common ones (SVG, for one) are accepted
  // only when libmagic reports exactly the declared type, and libmagic
  // reports some SVG files as text/xml or text/plain.
  SniffVerdict verdict = *detected == declared ? SniffVerdict::kMatch : SniffVerdict::kMismatch;
  return {verdict, std::move(*detected)};
}

}  // namespace satchel::media
