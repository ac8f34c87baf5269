#include "media/thumbnail.h"

#include <vips/vips.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <memory>
#include <mutex>

namespace satchel::media {
namespace {

constexpr int kJpegQuality = 85;
// Substrings of the libvips loader class names that may read an avatar.
constexpr std::array<std::string_view, 4> kAllowedLoaders = {"jpeg", "png", "gif", "webp"};

// Owns one reference to a VipsImage.
class ImageRef {
 public:
  ImageRef() = default;
  ~ImageRef() {
    if (image_ != nullptr) g_object_unref(image_);
  }
  ImageRef(const ImageRef&) = delete;
  ImageRef& operator=(const ImageRef&) = delete;

  VipsImage** out() { return &image_; }
  VipsImage* get() const { return image_; }

 private:
  VipsImage* image_ = nullptr;
};

// Owns a buffer that libvips allocated with g_malloc.
struct GFreeDeleter {
  void operator()(void* pointer) const { g_free(pointer); }
};

bool loader_allowed(std::string_view loader) {
  std::string lower(loader);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::any_of(kAllowedLoaders.begin(), kAllowedLoaders.end(),
                     [&lower](std::string_view name) { return lower.find(name) != lower.npos; });
}

// The libvips error text is process-wide, so it is dropped after a failure
// rather than left for an unrelated call to report.
void clear_vips_error() { vips_error_clear(); }

// libvips reports damaged input as GLib warnings on standard error, besides
// failing the call. The failure already reaches the caller as a
// ThumbnailError, so the warnings would only put unstructured lines into the
// server's JSON log.
void drop_log_message(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

}  // namespace

std::string_view describe(ThumbnailError error) {
  switch (error) {
    case ThumbnailError::kUnsupportedFormat:
      return "the image is not JPEG, PNG, GIF or WebP";
    case ThumbnailError::kUndecodable:
      return "the image cannot be decoded";
    case ThumbnailError::kTooManyPixels:
      return "the image has too many pixels";
    case ThumbnailError::kEncodeFailed:
      return "the thumbnail could not be encoded";
    case ThumbnailError::kBusy:
      return "another image is being processed";
  }
  return "unknown thumbnail error";
}

namespace {
std::atomic<bool> decode_slot_taken{false};
}  // namespace

std::optional<DecodeSlot> DecodeSlot::try_acquire() {
  if (decode_slot_taken.exchange(true)) return std::nullopt;
  return DecodeSlot();
}

DecodeSlot::DecodeSlot(DecodeSlot&& other) noexcept : owned_(other.owned_) { other.owned_ = false; }

DecodeSlot::~DecodeSlot() {
  if (owned_) decode_slot_taken.store(false);
}

Expected<void, std::string> initialize_image_library(const char* program_name) {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [program_name] {
    if (VIPS_INIT(program_name) != 0) {
      failure = std::string("libvips failed to start: ") + vips_error_buffer();
      clear_vips_error();
      return;
    }
    vips_cache_set_max(0);
    // One thread per decode, so a thumbnail never takes both cores.
    vips_concurrency_set(1);
    vips_block_untrusted_set(TRUE);
    g_log_set_handler("VIPS",
                      static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE),
                      drop_log_message, nullptr);
  });
  if (!failure.empty()) return Unexpected(failure);
  return {};
}

Expected<Thumbnail, ThumbnailError> make_thumbnail(std::string_view image_bytes, int edge_pixels) {
  const char* loader = vips_foreign_find_load_buffer(image_bytes.data(), image_bytes.size());
  if (loader == nullptr) {
    clear_vips_error();
    return Unexpected(ThumbnailError::kUndecodable);
  }
  if (!loader_allowed(loader)) return Unexpected(ThumbnailError::kUnsupportedFormat);

  // Opening reads only the header, so the pixel count is known before any
  // pixel is decoded.
  ImageRef header;
  *header.out() = vips_image_new_from_buffer(image_bytes.data(), image_bytes.size(), "", nullptr);
  if (header.get() == nullptr) {
    clear_vips_error();
    return Unexpected(ThumbnailError::kUndecodable);
  }
  uint64_t pixels =
      uint64_t(vips_image_get_width(header.get())) * uint64_t(vips_image_get_height(header.get()));
  if (pixels > kMaxSourcePixels) return Unexpected(ThumbnailError::kTooManyPixels);
  auto slot = DecodeSlot::try_acquire();
  if (!slot) return Unexpected(ThumbnailError::kBusy);

  // "fail_on=error" makes a truncated or corrupt file an error instead of a
  // partly grey picture. libvips does not write to the buffer.
  ImageRef scaled;
  if (vips_thumbnail_buffer(const_cast<char*>(image_bytes.data()), image_bytes.size(), scaled.out(),
                            edge_pixels, "height", edge_pixels, "crop", VIPS_INTERESTING_CENTRE,
                            "size", VIPS_SIZE_BOTH, "export_profile", "srgb", "option_string",
                            "fail_on=error", nullptr) != 0) {
    clear_vips_error();
    return Unexpected(ThumbnailError::kUndecodable);
  }
  // libvips decodes lazily, so the pixels are computed here to tell a bad
  // source apart from an encoder failure.
  ImageRef decoded;
  *decoded.out() = vips_image_copy_memory(scaled.get());
  if (decoded.get() == nullptr) {
    clear_vips_error();
    return Unexpected(ThumbnailError::kUndecodable);
  }

  Thumbnail thumbnail;
  bool has_alpha = vips_image_hasalpha(decoded.get()) != 0;
  void* buffer = nullptr;
  size_t length = 0;
  int saved = has_alpha
                  ? vips_pngsave_buffer(decoded.get(), &buffer, &length, "strip", TRUE, nullptr)
                  : vips_jpegsave_buffer(decoded.get(), &buffer, &length, "strip", TRUE, "Q",
                                         kJpegQuality, nullptr);
  std::unique_ptr<void, GFreeDeleter> owned(buffer);
  if (saved != 0) {
    clear_vips_error();
    return Unexpected(ThumbnailError::kEncodeFailed);
  }
  thumbnail.bytes.assign(static_cast<const char*>(buffer), length);
  thumbnail.content_type = has_alpha ? "image/png" : "image/jpeg";
  thumbnail.width = vips_image_get_width(decoded.get());
  thumbnail.height = vips_image_get_height(decoded.get());
  return thumbnail;
}

}  // namespace satchel::media
