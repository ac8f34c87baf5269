#include "common/time_format.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace satchel {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm to_utc(SystemTime time) {
  // Rounded down rather than toward zero, so that a time before 1970 with a
  // fraction of a second falls in the second it belongs to.
  std::time_t seconds = std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return utc;
}

std::string format_with(SystemTime time, const char* pattern) {
  std::tm utc = to_utc(time);
  std::array<char, 64> buffer{};
  size_t length = std::strftime(buffer.data(), buffer.size(), pattern, &utc);
  return {buffer.data(), length};
}

// Builds a time from calendar fields in UTC, validating their ranges.
std::optional<SystemTime> from_fields(int year, int month, int day, int hour, int minute,
                                      int second) {
  using namespace std::chrono;
  // SystemTime counts nanoseconds in 64 bits, which covers 1677-09-21 to
  // 2262-04-11; whole years inside that span are accepted, so no date wraps.
  constexpr int kFirstYear = 1678;
  constexpr int kLastYear = 2261;
  if (year < kFirstYear || year > kLastYear) return std::nullopt;
  year_month_day date{std::chrono::year(year), std::chrono::month(unsigned(month)),
                      std::chrono::day(unsigned(day))};
  if (!date.ok() || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 60) {
    return std::nullopt;
  }
  return sys_days(date) + hours(hour) + minutes(minute) + seconds(second);
}

}  // namespace

std::string format_amz_date(SystemTime time) { return format_with(time, "%Y%m%dT%H%M%SZ"); }

std::string format_amz_day(SystemTime time) { return format_with(time, "%Y%m%d"); }

std::optional<SystemTime> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string copy(text);
  int consumed = 0;
  if (std::sscanf(copy.c_str(), "%4d%2d%2dT%2d%2d%2dZ%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6 ||
      consumed != 16) {
    return std::nullopt;
  }
  return from_fields(year, month, day, hour, minute, second);
}

std::string format_iso8601(SystemTime time) {
  // Rounded down like the seconds in to_utc. A cast rounds toward zero, which printed a time
  // less than a millisecond before 1970 as 23:59:59.000, almost a second early.
  auto millis =
      std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  if (millis < 0) millis += 1000;
  std::array<char, 8> fraction{};
  std::snprintf(fraction.data(), fraction.size(), ".%03d", static_cast<int>(millis));
  return format_with(time, "%Y-%m-%dT%H:%M:%S") + fraction.data() + "Z";
}

std::optional<SystemTime> parse_iso8601(std::string_view text) {
  // sscanf alone would also take signs, spaces and one-digit fields, which RFC 3339 does not.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size()) return std::nullopt;
  for (size_t i = 0; i < kShape.size(); ++i) {
    bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return std::nullopt;
  }
  std::string copy(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6) {
    return std::nullopt;
  }
  auto time = from_fields(year, month, day, hour, minute, second);
  if (!time) return std::nullopt;
  std::string_view rest = text.substr(static_cast<size_t>(consumed));
  int millis = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 3) millis = millis * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  if (rest != "Z") return std::nullopt;
  return *time + std::chrono::milliseconds(millis);
}

std::string format_http_date(SystemTime time) {
  std::tm utc = to_utc(time);
  std::array<char, 40> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kWeekdays[size_t(utc.tm_wday)].data(), utc.tm_mday,
                kMonths[size_t(utc.tm_mon)].data(), utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return buffer.data();
}

std::optional<SystemTime> parse_http_date(std::string_view text) {
  if (text.size() != 29 || text.substr(25) != " GMT") return std::nullopt;
  std::string copy(text);
  std::array<char, 4> month_name{};
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (std::sscanf(copy.c_str() + 5, "%2d %3s %4d %2d:%2d:%2d", &day, month_name.data(), &year,
                  &hour, &minute, &second) != 6) {
    return std::nullopt;
  }
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == month_name.data()) {
      return from_fields(year, int(i) + 1, day, hour, minute, second);
    }
  }
  return std::nullopt;
}

int64_t to_unix_seconds(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

SystemTime from_unix_seconds(int64_t seconds) { return SystemTime(std::chrono::seconds(seconds)); }

}  // namespace satchel
