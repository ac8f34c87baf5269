// Square avatar thumbnails made with libvips. The uploaded image is decoded,
// centre-cropped, converted to sRGB and saved with no metadata. So EXIF (GPS
// position, camera serial), XMP, IPTC and ICC data of the original never
// reach anyone who loads the avatar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace satchel::media {

inline constexpr int kThumbnailEdgePixels = 256;
// Images with more pixels than this are rejected before decoding, so a small
// file that declares huge dimensions cannot exhaust memory.
inline constexpr uint64_t kMaxSourcePixels = 64ULL * 1000 * 1000;

enum class ThumbnailError {
  kUnsupportedFormat,  // not JPEG, PNG, GIF or WebP, judged by libvips' loader
  kUndecodable,        // the bytes are damaged or not an image at all
  kTooManyPixels,      // over kMaxSourcePixels
  kEncodeFailed,       // libvips could not encode the result
  kBusy,               // another image is being decoded; retry later
};

// The right to decode one image. One decode can need several hundred MB (a
// progressive JPEG of kMaxSourcePixels keeps every coefficient in memory),
// so the process decodes one image at a time.
class DecodeSlot {
 public:
  // Returns the slot, or nullopt while another decode owns it.
  static std::optional<DecodeSlot> try_acquire();
  DecodeSlot(DecodeSlot&& other) noexcept;
  DecodeSlot& operator=(DecodeSlot&&) = delete;
  ~DecodeSlot();

 private:
  DecodeSlot() = default;
  bool owned_ = true;
};

std::string_view describe(ThumbnailError error);

struct Thumbnail {
  std::string bytes;
  // "image/png" when the source has an alpha channel, else "image/jpeg".
  std::string content_type;
  int width = 0;
  int height = 0;
};

// Starts libvips once per process, before the first make_thumbnail. It also
// turns off libvips' operation cache, so decoded user images are not kept
// after a call, and blocks the loaders libvips marks as untrusted. Returns
// an error message when libvips cannot start. Thread-safe and idempotent.
Expected<void, std::string> initialize_image_library(const char* program_name);

// Makes an edge_pixels x edge_pixels thumbnail of the image bytes: scaled
// so the shorter side fits, then cropped around the centre, rotated upright
// by the EXIF orientation, converted to sRGB, and saved with all metadata
// stripped. Blocking and CPU-bound: call it on a worker thread. Thread-safe
// after initialize_image_library. Fails with kBusy at once, without waiting,
// while another call decodes.
Expected<Thumbnail, ThumbnailError> make_thumbnail(std::string_view image_bytes,
                                                   int edge_pixels = kThumbnailEdgePixels);

}  // namespace satchel::media
