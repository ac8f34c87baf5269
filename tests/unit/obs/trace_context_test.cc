#include "obs/trace_context.h"

#include <gtest/gtest.h>

namespace satchel::obs {
namespace {

constexpr std::string_view kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ParsesVersion00Header) {
  auto parsed = parse_traceparent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, 1);
  EXPECT_EQ(parsed->span_id.size(), 16u);
  EXPECT_NE(parsed->span_id, parsed->parent_id);
}

TEST(TraceContext, FormatsOwnSpanAsParent) {
  auto parsed = parse_traceparent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->traceparent(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-" + parsed->span_id + "-01");
}

TEST(TraceContext, RejectsMalformedHeaders) {
  for (std::string_view header : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
       }) {
    EXPECT_FALSE(parse_traceparent(header).has_value()) << header;
  }
}

TEST(TraceContext, AcceptsLaterVersionWithExtraFields) {
  auto parsed = parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceContext, StartsNewTraceForInvalidHeader) {
  auto started = continue_or_start_trace("garbage");
  EXPECT_EQ(started.trace_id.size(), 32u);
  EXPECT_EQ(started.span_id.size(), 16u);
  EXPECT_TRUE(started.parent_id.empty());
  EXPECT_TRUE(parse_traceparent(started.traceparent()).has_value());
}

TEST(TraceContext, ChildKeepsTraceAndLinksParent) {
  auto parent = continue_or_start_trace(kValid);
  auto child = parent.child();
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_EQ(child.parent_id, parent.span_id);
  EXPECT_NE(child.span_id, parent.span_id);
  EXPECT_EQ(child.flags, parent.flags);
}

}  // namespace
}  // namespace satchel::obs
