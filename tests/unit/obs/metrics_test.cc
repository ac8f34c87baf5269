#include "obs/metrics.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "obs/process_metrics.h"

namespace satchel::obs {
namespace {

bool contains_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, CounterRendersHelpTypeAndLabels) {
  Registry registry;
  auto& requests = registry.counter("test_requests_total", "Requests served.", {"route", "status"});
  requests.labels({"/v1/uploads", "201"}).increment();
  requests.labels({"/v1/uploads", "201"}).increment(2);
  std::string text = registry.render();
  EXPECT_TRUE(contains_line(text, "# HELP test_requests_total Requests served.")) << text;
  EXPECT_TRUE(contains_line(text, "# TYPE test_requests_total counter")) << text;
  EXPECT_TRUE(contains_line(text, R"(test_requests_total{route="/v1/uploads",status="201"} 3)"))
      << text;
}

TEST(Metrics, CounterCopiesTotalFromElsewhere) {
  Registry registry;
  auto& events = registry.counter("test_events_total", "Copied.", {"event"});
  events.labels({"fetch"}).set_total(7);
  EXPECT_TRUE(contains_line(registry.render(), R"(test_events_total{event="fetch"} 7)"));
}

TEST(Metrics, UnlabelledGaugeHasNoBraces) {
  Registry registry;
  registry.gauge("test_temperature", "A gauge.").labels({}).set(1.5);
  EXPECT_TRUE(contains_line(registry.render(), "test_temperature 1.5"));
}

TEST(Metrics, LabelValuesAreEscaped) {
  Registry registry;
  registry.counter("test_total", "Help with \\ and\nnewline.", {"value"})
      .labels({"quote\" back\\ line\n"})
      .increment();
  std::string text = registry.render();
  EXPECT_TRUE(contains_line(text, R"(# HELP test_total Help with \\ and\nnewline.)")) << text;
  EXPECT_TRUE(contains_line(text, R"(test_total{value="quote\" back\\ line\n"} 1)")) << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry registry;
  auto& latency = registry.histogram("test_seconds", "Latency.", {"route"}, {0.1, 1});
  auto& series = latency.labels({"a"});
  series.observe(0.05);
  series.observe(0.1);  // upper bounds are inclusive
  series.observe(0.5);
  series.observe(7);
  std::string text = registry.render();
  EXPECT_TRUE(contains_line(text, "# TYPE test_seconds histogram")) << text;
  EXPECT_TRUE(contains_line(text, R"(test_seconds_bucket{route="a",le="0.1"} 2)")) << text;
  EXPECT_TRUE(contains_line(text, R"(test_seconds_bucket{route="a",le="1"} 3)")) << text;
  EXPECT_TRUE(contains_line(text, R"(test_seconds_bucket{route="a",le="+Inf"} 4)")) << text;
  EXPECT_TRUE(contains_line(text, R"(test_seconds_sum{route="a"} 7.65)")) << text;
  EXPECT_TRUE(contains_line(text, R"(test_seconds_count{route="a"} 4)")) << text;
}

TEST(Metrics, FamilyOverflowsIntoOtherSeries) {
  Registry registry;
  auto& family = registry.counter("test_total", "Capped.", {"tenant"}, 3);
  family.labels({"a"}).increment();
  family.labels({"b"}).increment();
  family.labels({"c"}).increment();
  family.labels({"d"}).increment();
  family.labels({"a"}).increment();
  std::string text = registry.render();
  EXPECT_TRUE(contains_line(text, R"(test_total{tenant="a"} 2)")) << text;
  EXPECT_TRUE(contains_line(text, R"(test_total{tenant="b"} 1)")) << text;
  EXPECT_TRUE(contains_line(text, R"(test_total{tenant="other"} 2)")) << text;
  EXPECT_EQ(text.find(R"(tenant="c")"), std::string::npos) << text;
}

TEST(Metrics, WrongLabelCountGoesToOverflow) {
  Registry registry;
  auto& family = registry.counter("test_total", "Two labels.", {"a", "b"});
  family.labels({"only-one"}).increment();
  EXPECT_TRUE(contains_line(registry.render(), R"(test_total{a="other",b="other"} 1)"));
}

TEST(Metrics, BoundedLabelValuesCapsDistinctValues) {
  BoundedLabelValues tenants(2);
  EXPECT_EQ(tenants.map("acme"), "acme");
  EXPECT_EQ(tenants.map("globex"), "globex");
  EXPECT_EQ(tenants.map("initech"), kOverflowLabel);
  EXPECT_EQ(tenants.map("acme"), "acme");
}

TEST(Metrics, SameNameReturnsSameFamily) {
  Registry registry;
  auto& first = registry.counter("test_total", "Shared.", {"a"});
  auto& second = registry.counter("test_total", "Shared.", {"a"});
  EXPECT_EQ(&first, &second);
}

TEST(Metrics, FamiliesAreSortedByName) {
  Registry registry;
  registry.counter("zz_total", "Last.").labels({}).increment();
  registry.counter("aa_total", "First.").labels({}).increment();
  std::string text = registry.render();
  EXPECT_LT(text.find("aa_total"), text.find("zz_total"));
}

TEST(Metrics, SampleValuesUseTextFormatSpellings) {
  EXPECT_EQ(format_sample_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_sample_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_sample_value(0.0 / 0.0), "NaN");
  EXPECT_EQ(format_sample_value(0.25), "0.25");
  EXPECT_EQ(format_sample_value(1e21), "1e+21");
}

TEST(Metrics, ProcessMetricsReadProc) {
  Registry registry;
  register_process_metrics(registry);
  std::string text = registry.render();
  EXPECT_NE(text.find("\nprocess_open_fds "), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_start_time_seconds "), std::string::npos) << text;
  EXPECT_EQ(text.find("\nprocess_resident_memory_bytes 0\n"), std::string::npos) << text;
}

TEST(Metrics, PromtoolAcceptsRenderedText) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  }
  Registry registry;
  register_process_metrics(registry);
  registry.counter("test_requests_total", "Requests.", {"route"}).labels({"/a\"b"}).increment();
  registry.histogram("test_duration_seconds", "Latency.", {"route"}).labels({"/a"}).observe(0.2);
  registry.gauge("test_open_connections", "Open.").labels({}).set(3);
  std::string path = testing::TempDir() + "/metrics.txt";
  std::ofstream(path) << registry.render();
  std::string command = "promtool check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "") << output;
}

}  // namespace
}  // namespace satchel::obs
