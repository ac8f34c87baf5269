#include "media/thumbnail.h"

#include <gtest/gtest.h>

#include <string>

#include "test_images.h"

namespace satchel::media {
namespace {

using test_images::encode;
using test_images::field_names;
using test_images::gradient;
using test_images::has_field_starting_with;

TEST(Thumbnail, TestJpegCarriesGpsTags) {
  // Guards the next test: the source must really hold GPS data.
  auto names = field_names(test_images::jpeg_with_gps(640, 480));
  EXPECT_TRUE(has_field_starting_with(names, "exif-ifd3-GPSLatitude"));
}

TEST(Thumbnail, StripsExifAndCropsToSquare) {
  auto thumbnail = make_thumbnail(test_images::jpeg_with_gps(640, 480));
  ASSERT_TRUE(thumbnail) << describe(thumbnail.error());
  EXPECT_EQ(thumbnail->width, 256);
  EXPECT_EQ(thumbnail->height, 256);
  EXPECT_EQ(thumbnail->content_type, "image/jpeg");
  auto names = field_names(thumbnail->bytes);
  EXPECT_FALSE(has_field_starting_with(names, VIPS_META_EXIF_NAME));
  EXPECT_FALSE(has_field_starting_with(names, "exif-"));
  EXPECT_FALSE(has_field_starting_with(names, VIPS_META_XMP_NAME));
  EXPECT_FALSE(has_field_starting_with(names, VIPS_META_IPTC_NAME));
}

TEST(Thumbnail, DecodedSizeMatchesReportedSize) {
  auto thumbnail = make_thumbnail(test_images::jpeg_with_gps(300, 900));
  ASSERT_TRUE(thumbnail) << describe(thumbnail.error());
  test_images::Image decoded(
      vips_image_new_from_buffer(thumbnail->bytes.data(), thumbnail->bytes.size(), "", nullptr));
  ASSERT_NE(decoded.get(), nullptr);
  EXPECT_EQ(vips_image_get_width(decoded.get()), 256);
  EXPECT_EQ(vips_image_get_height(decoded.get()), 256);
}

TEST(Thumbnail, EnlargesSmallImage) {
  test_images::Image image = gradient(10, 20);
  auto thumbnail = make_thumbnail(encode(image.get(), "png"));
  ASSERT_TRUE(thumbnail) << describe(thumbnail.error());
  EXPECT_EQ(thumbnail->width, 256);
  EXPECT_EQ(thumbnail->height, 256);
}

TEST(Thumbnail, KeepsAlphaAsPng) {
  test_images::Image image = gradient(100, 80, 4);
  auto thumbnail = make_thumbnail(encode(image.get(), "png"));
  ASSERT_TRUE(thumbnail) << describe(thumbnail.error());
  EXPECT_EQ(thumbnail->content_type, "image/png");
  EXPECT_EQ(thumbnail->bytes.substr(1, 3), "PNG");
}

TEST(Thumbnail, AcceptsGifAndWebp) {
  test_images::Image image = gradient(64, 48);
  for (const char* format : {"gif", "webp"}) {
    auto thumbnail = make_thumbnail(encode(image.get(), format));
    ASSERT_TRUE(thumbnail) << format << ": " << describe(thumbnail.error());
    EXPECT_EQ(thumbnail->width, 256) << format;
  }
}

TEST(Thumbnail, RejectsTiff) {
  test_images::Image image = gradient(16, 16);
  auto thumbnail = make_thumbnail(encode(image.get(), "tiff"));
  ASSERT_FALSE(thumbnail);
  EXPECT_EQ(thumbnail.error(), ThumbnailError::kUnsupportedFormat);
}

TEST(Thumbnail, RejectsBytesThatAreNoImage) {
  auto thumbnail = make_thumbnail("this is not an image at all");
  ASSERT_FALSE(thumbnail);
  EXPECT_EQ(thumbnail.error(), ThumbnailError::kUndecodable);
}

TEST(Thumbnail, RejectsTruncatedJpeg) {
  std::string jpeg = test_images::jpeg_with_gps(640, 480);
  auto thumbnail = make_thumbnail(std::string_view(jpeg).substr(0, jpeg.size() / 2));
  ASSERT_FALSE(thumbnail);
  EXPECT_EQ(thumbnail.error(), ThumbnailError::kUndecodable);
}

TEST(Thumbnail, RejectsHugeDeclaredDimensions) {
  auto thumbnail = make_thumbnail(test_images::png_declaring_size(20000, 20000));
  ASSERT_FALSE(thumbnail);
  EXPECT_EQ(thumbnail.error(), ThumbnailError::kTooManyPixels);
}

TEST(Thumbnail, DecodesOneImageAtATime) {
  std::string image = test_images::jpeg_with_gps(64, 64);
  {
    auto held = DecodeSlot::try_acquire();
    ASSERT_TRUE(held.has_value());
    EXPECT_FALSE(DecodeSlot::try_acquire().has_value());
    auto thumbnail = make_thumbnail(image);
    ASSERT_FALSE(thumbnail);
    EXPECT_EQ(thumbnail.error(), ThumbnailError::kBusy);
  }
  EXPECT_TRUE(make_thumbnail(image).has_value());
}

}  // namespace
}  // namespace satchel::media

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new satchel::media::test_images::VipsEnvironment);
  return RUN_ALL_TESTS();
}
