// Test images made with libvips at run time, so no binary fixture is kept in
// the repository.
#pragma once

#include <gtest/gtest.h>
#include <vips/vips.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "media/thumbnail.h"

namespace satchel::media::test_images {

// Starts libvips for the whole test program.
class VipsEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto started = initialize_image_library("media_test");
    ASSERT_TRUE(started) << started.error();
  }
};

// Owns one VipsImage reference.
class Image {
 public:
  explicit Image(VipsImage* image = nullptr) : image_(image) {}
  ~Image() {
    if (image_ != nullptr) g_object_unref(image_);
  }
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;
  VipsImage* get() const { return image_; }
  VipsImage** out() { return &image_; }

 private:
  VipsImage* image_ = nullptr;
};

// A width x height sRGB gradient with bands colour channels (3, or 4 for an
// alpha channel).
inline Image gradient(int width, int height, int bands = 3) {
  Image xyz;
  EXPECT_EQ(vips_xyz(xyz.out(), width, height, nullptr), 0);
  Image first;
  EXPECT_EQ(vips_extract_band(xyz.get(), first.out(), 0, nullptr), 0);
  std::vector<VipsImage*> channels(bands, first.get());
  Image joined;
  EXPECT_EQ(vips_bandjoin(channels.data(), joined.out(), bands, nullptr), 0);
  Image bytes;
  EXPECT_EQ(vips_cast_uchar(joined.get(), bytes.out(), nullptr), 0);
  Image srgb;
  EXPECT_EQ(vips_copy(bytes.get(), srgb.out(), "interpretation", VIPS_INTERPRETATION_sRGB, nullptr),
            0);
  return Image(static_cast<VipsImage*>(g_object_ref(srgb.get())));
}

inline std::string take_buffer(void* buffer, size_t length) {
  std::string bytes(static_cast<const char*>(buffer), length);
  g_free(buffer);
  return bytes;
}

// Encodes the image as "jpeg", "png", "gif", "webp" or "tiff", with
// libvips' default settings.
inline std::string encode(VipsImage* image, std::string_view format) {
  void* buffer = nullptr;
  size_t length = 0;
  int result = -1;
  if (format == "jpeg") result = vips_jpegsave_buffer(image, &buffer, &length, nullptr);
  if (format == "png") result = vips_pngsave_buffer(image, &buffer, &length, nullptr);
  if (format == "gif") result = vips_gifsave_buffer(image, &buffer, &length, nullptr);
  if (format == "webp") result = vips_webpsave_buffer(image, &buffer, &length, nullptr);
  if (format == "tiff") result = vips_tiffsave_buffer(image, &buffer, &length, nullptr);
  EXPECT_EQ(result, 0) << format << ": " << vips_error_buffer();
  return result == 0 ? take_buffer(buffer, length) : std::string();
}

inline void put_u16(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value & 0xFF));
  out.push_back(static_cast<char>(value >> 8));
}

inline void put_u32(std::string& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}

// An EXIF block ("Exif\0\0" and a little-endian TIFF structure) whose GPS IFD
// holds GPSLatitudeRef "N" and GPSLatitude 51/1 30/1 0/1. Offsets count
// from the TIFF header.
inline std::string exif_with_gps() {
  std::string tiff = "II";
  put_u16(tiff, 42);
  put_u32(tiff, 8);
  // IFD0 at offset 8: one entry, GPSInfo (0x8825, LONG) pointing at 26.
  put_u16(tiff, 1);
  put_u16(tiff, 0x8825);
  put_u16(tiff, 4);
  put_u32(tiff, 1);
  put_u32(tiff, 26);
  put_u32(tiff, 0);
  // GPS IFD at offset 26: GPSLatitudeRef (ASCII, inline) and GPSLatitude
  // (three RATIONALs at offset 56).
  put_u16(tiff, 2);
  put_u16(tiff, 0x0001);
  put_u16(tiff, 2);
  put_u32(tiff, 2);
  tiff += std::string("N\0\0\0", 4);
  put_u16(tiff, 0x0002);
  put_u16(tiff, 5);
  put_u32(tiff, 3);
  put_u32(tiff, 56);
  put_u32(tiff, 0);
  for (uint32_t numerator : {51U, 30U, 0U}) {
    put_u32(tiff, numerator);
    put_u32(tiff, 1);
  }
  return std::string("Exif\0\0", 6) + tiff;
}

// A JPEG of width x height carrying exif_with_gps().
inline std::string jpeg_with_gps(int width, int height) {
  Image image = gradient(width, height);
  Image tagged;
  EXPECT_EQ(vips_copy(image.get(), tagged.out(), nullptr), 0);
  std::string exif = exif_with_gps();
  vips_image_set_blob_copy(tagged.get(), VIPS_META_EXIF_NAME, exif.data(), exif.size());
  return encode(tagged.get(), "jpeg");
}

// The names of every metadata field of the decoded image.
inline std::vector<std::string> field_names(std::string_view encoded) {
  Image image(vips_image_new_from_buffer(encoded.data(), encoded.size(), "", nullptr));
  EXPECT_NE(image.get(), nullptr);
  std::vector<std::string> names;
  if (image.get() == nullptr) return names;
  gchar** fields = vips_image_get_fields(image.get());
  for (gchar** field = fields; *field != nullptr; ++field) names.emplace_back(*field);
  g_strfreev(fields);
  return names;
}

inline bool has_field_starting_with(const std::vector<std::string>& names,
                                    std::string_view prefix) {
  for (const std::string& name : names) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

// A PNG whose header declares width x height, followed by the image data of a
// 1x1 picture: enough for a loader to read the size, not to decode it.
inline std::string png_declaring_size(uint32_t width, uint32_t height) {
  Image tiny = gradient(1, 1);
  std::string png = encode(tiny.get(), "png");
  // Signature (8 bytes), then the IHDR chunk: length (4), "IHDR" (4), width
  // and height (4 each, big-endian), 5 more bytes, and a CRC over type and
  // data.
  auto put_big_endian = [&png](size_t at, uint32_t value) {
    for (int i = 0; i < 4; ++i) png[at + i] = static_cast<char>(value >> (24 - 8 * i));
  };
  put_big_endian(16, width);
  put_big_endian(20, height);
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(png.data() + 12), 17);
  put_big_endian(29, static_cast<uint32_t>(crc));
  return png;
}

}  // namespace satchel::media::test_images
