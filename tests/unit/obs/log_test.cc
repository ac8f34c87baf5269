#include "obs/log.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "obs/request_context.h"

namespace satchel::obs {
namespace {

TEST(Log, LineWithoutRequestHasOnlyGivenFields) {
  std::string line = format_line(Level::kInfo, "started", {{"port", 8080}});
  EXPECT_NE(line.find(R"("msg":"started","port":8080})"), std::string::npos) << line;
  EXPECT_EQ(line.find("request_id"), std::string::npos) << line;
}

TEST(Log, LineInsideRequestCarriesIds) {
  RequestContext context;
  context.request_id = "req-1";
  context.trace = continue_or_start_trace("");
  ScopedRequestContext scope(&context);
  std::string line = format_line(Level::kWarn, "slow", {});
  EXPECT_NE(line.find(R"("request_id":"req-1")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("trace_id":")" + context.trace.trace_id + "\""), std::string::npos)
      << line;
}

TEST(Log, ExplicitRequestIdIsNotRepeated) {
  RequestContext context;
  context.request_id = "req-1";
  ScopedRequestContext scope(&context);
  std::string line = format_line(Level::kInfo, "request", {{"request_id", "req-1"}});
  EXPECT_EQ(line.find("request_id"), line.rfind("request_id")) << line;
}

TEST(Log, ScopesNestAndRestore) {
  RequestContext outer;
  RequestContext inner;
  {
    ScopedRequestContext outer_scope(&outer);
    {
      ScopedRequestContext inner_scope(&inner);
      EXPECT_EQ(current_request(), &inner);
    }
    EXPECT_EQ(current_request(), &outer);
  }
  EXPECT_EQ(current_request(), nullptr);
}

TEST(Log, ControlCharactersAreEscaped) {
  std::string out;
  append_json_escaped(out, "a\"b\\c\nd\x01");
  EXPECT_EQ(out, R"(a\"b\\c\nd\u0001)");
}

TEST(Log, EscapesEveryControlCharacterAndKeepsText) {
  std::string out = "prefix:";
  constexpr char kText[] =
      "\x7f\t\r\x1f plain ü \x00"
      "end";
  append_json_escaped(out, std::string_view(kText, sizeof(kText) - 1));
  EXPECT_EQ(out, R"(prefix:\u007f\t\r\u001f plain ü \u0000end)");
}

TEST(Log, ReplacesInvalidUtf8) {
  std::string out;
  append_json_escaped(out, "caf\xe9.txt \xff \xc3\xa9 \xe2\x82 \xed\xa0\x80 \xf0\x9f\x98\x80");
  EXPECT_EQ(
      out, "caf\\ufffd.txt \\ufffd \xc3\xa9 \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80");
}

TEST(Log, Iso8601MatchesTimeFormat) {
  using namespace std::chrono;
  const system_clock::time_point times[] = {
      system_clock::time_point{},
      system_clock::time_point{seconds{1'700'000'000} + milliseconds{7}},
      system_clock::time_point{seconds{951'782'400} + milliseconds{999}},  // 2000-02-29
      system_clock::time_point{seconds{4'102'444'799}},                    // 2099-12-31
  };
  for (const auto& time : times) {
    std::string out;
    append_iso8601_millis(out, time);
    EXPECT_EQ(out, format_iso8601(time)) << time.time_since_epoch().count();
  }
}

TEST(Log, Iso8601BeforeEpochCountsBackwards) {
  using namespace std::chrono;
  std::string out;
  append_iso8601_millis(out, system_clock::time_point{-milliseconds{750}});
  EXPECT_EQ(out, "1969-12-31T23:59:59.250Z");
}

}  // namespace
}  // namespace satchel::obs
