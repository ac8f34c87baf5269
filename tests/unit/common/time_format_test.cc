#include "common/time_format.h"

#include <gtest/gtest.h>

namespace satchel {
namespace {

TEST(TimeFormat, FormatsAndParsesAmzDate) {
  auto time = parse_amz_date("20150830T123600Z");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(to_unix_seconds(*time), 1440938160);
  EXPECT_EQ(format_amz_date(*time), "20150830T123600Z");
  EXPECT_EQ(format_amz_day(*time), "20150830");
}

TEST(TimeFormat, RejectsInvalidAmzDates) {
  EXPECT_FALSE(parse_amz_date("20150830T123600").has_value());
  EXPECT_FALSE(parse_amz_date("20151330T123600Z").has_value());
  EXPECT_FALSE(parse_amz_date("2015083OT123600Z").has_value());
}

TEST(TimeFormat, RoundTripsHttpDate) {
  auto time = from_unix_seconds(1440938160);
  EXPECT_EQ(format_http_date(time), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_EQ(parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT").value(), time);
  EXPECT_FALSE(parse_http_date("Sun, 30 Foo 2015 12:36:00 GMT").has_value());
}

TEST(TimeFormat, RejectsIso8601OutsideRfc3339) {
  for (std::string_view text :
       {" 2026-12-05T23:59:59Z", "+2026-12-05T23:59:59Z", "2026-12-5T03:00:00Z",
        "2026-12-05T3:0:0Z", "2026-12-05T03:00:-1Z", "2026-12-05 03:00:00Z", "2026-12-05T03:00Z"}) {
    EXPECT_FALSE(parse_iso8601(text).has_value()) << text;
  }
}

TEST(TimeFormat, RoundTripsIso8601WithMilliseconds) {
  auto time = from_unix_seconds(1440938160) + std::chrono::milliseconds(25);
  EXPECT_EQ(format_iso8601(time), "2015-08-30T12:36:00.025Z");
  EXPECT_EQ(parse_iso8601("2015-08-30T12:36:00.025Z").value(), time);
  EXPECT_EQ(parse_iso8601("2015-08-30T12:36:00Z").value(), from_unix_seconds(1440938160));
  EXPECT_FALSE(parse_iso8601("2015-08-30T12:36:00+02:00").has_value());
}

TEST(TimeFormat, FormatsTimesBefore1970) {
  auto time = from_unix_seconds(0) - std::chrono::milliseconds(250);
  EXPECT_EQ(format_iso8601(time), "1969-12-31T23:59:59.750Z");
  EXPECT_EQ(parse_iso8601("1969-12-31T23:59:59.750Z").value(), time);
  EXPECT_EQ(format_amz_date(from_unix_seconds(-1)), "19691231T235959Z");
}

TEST(TimeFormat, RoundsSubMillisecondsBefore1970Down) {
  // The milliseconds round down like the seconds, so no text falls almost a second early.
  SystemTime epoch = from_unix_seconds(0);
  EXPECT_EQ(format_iso8601(epoch - std::chrono::microseconds(500)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601(epoch - std::chrono::microseconds(1500)), "1969-12-31T23:59:59.998Z");
  EXPECT_EQ(format_iso8601(epoch + std::chrono::microseconds(1500)), "1970-01-01T00:00:00.001Z");
}

TEST(TimeFormat, RejectsYearsOutsideTheClockRange) {
  for (const char* text : {"2262-04-12T00:00:00Z", "9999-01-01T00:00:00Z", "1600-01-01T00:00:00Z",
                           "0000-01-01T00:00:00Z"}) {
    EXPECT_FALSE(parse_iso8601(text).has_value()) << text;
  }
  EXPECT_FALSE(parse_amz_date("99991231T000000Z").has_value());
  auto last = parse_iso8601("2261-12-31T23:59:59Z");
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(format_iso8601(*last), "2261-12-31T23:59:59.000Z");
}

}  // namespace
}  // namespace satchel
