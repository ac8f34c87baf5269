#include "obs/log.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace satchel::obs
