// Counters, gauges and histograms rendered in the Prometheus text exposition
// format, version 0.0.4. Metrics live in families that share a name and label
// names. Each family keeps at most max_series label sets, and observations for
// further label sets all land in one overflow series whose label values are
// "other", so a stream of new tenants or paths cannot grow memory or the
// scrape without bound.
//
// Every type here is thread-safe. Families and metrics are never removed, so
// references returned by the registry stay valid for its lifetime.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace satchel::obs {

// The label value of the overflow series.
inline constexpr std::string_view kOverflowLabel = "other";
inline constexpr size_t kDefaultMaxSeries = 1000;

class Counter {
 public:
  void increment(uint64_t amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  // Copies a total that another component counts, at scrape time. The
  // caller guarantees that the total never decreases.
  void set_total(uint64_t total) { value_.store(total, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A histogram over fixed upper bounds, which must be sorted ascending. The
// +Inf bucket is implicit.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& upper_bounds);

  void observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative_counts;  // one per upper bound
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> bucket_counts_;  // not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Bucket bounds in seconds for request and query latencies, from 1 ms to
// 10 s.
const std::vector<double>& latency_buckets_seconds();

// Keeps the first max_values distinct values of one label, and maps every
// later value to kOverflowLabel, so one unbounded label (such as a tenant)
// is capped without merging the other labels of its series.
class BoundedLabelValues {
 public:
  explicit BoundedLabelValues(size_t max_values) : max_values_(max_values) {}

  // Returns value itself while it is known or there is room, otherwise
  // kOverflowLabel. The view stays valid for the lifetime of this object.
  std::string_view map(std::string_view value);

 private:
  std::mutex mutex_;
  size_t max_values_;
  std::set<std::string, std::less<>> values_;  // guarded by mutex_
};

enum class MetricType { kCounter, kGauge, kHistogram };

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::vector<std::string> label_names,
             size_t max_series);
  virtual ~FamilyBase() = default;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual MetricType type() const = 0;
  // Appends the HELP and TYPE lines and every series.
  virtual void render(std::string& out) const = 0;

 protected:
  // The label values of the series that takes observations once the family
  // is full, or that are given with the wrong number of values.
  std::vector<std::string> overflow_key() const;
  size_t max_series() const { return max_series_; }
  void render_header(std::string& out, std::string_view type) const;
  void render_labels(std::string& out, const std::vector<std::string>& values,
                     std::string_view extra_name = {}, std::string_view extra_value = {}) const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  size_t max_series_;
};

template <class Metric>
class Family : public FamilyBase {
 public:
  using FamilyBase::FamilyBase;

  // Returns the series for these label values, in the order of
  // label_names(), creating it on first use.
  Metric& labels(std::initializer_list<std::string_view> values) {
    std::vector<std::string> key(values.begin(), values.end());
    if (key.size() != label_names().size()) key = overflow_key();
    std::lock_guard lock(mutex_);
    auto it = series_.find(key);
    if (it != series_.end()) return *it->second;
    // One slot stays free for the overflow series itself.
    if (series_.size() + 1 >= max_series()) {
      key = overflow_key();
      it = series_.find(key);
      if (it != series_.end()) return *it->second;
    }
    return *series_.emplace(std::move(key), make()).first->second;
  }

 protected:
  virtual std::unique_ptr<Metric> make() const = 0;

  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;  // guarded by mutex_
};

class CounterFamily final : public Family<Counter> {
 public:
  using Family::Family;
  MetricType type() const override { return MetricType::kCounter; }
  void render(std::string& out) const override;

 private:
  std::unique_ptr<Counter> make() const override { return std::make_unique<Counter>(); }
};

class GaugeFamily final : public Family<Gauge> {
 public:
  using Family::Family;
  MetricType type() const override { return MetricType::kGauge; }
  void render(std::string& out) const override;

 private:
  std::unique_ptr<Gauge> make() const override { return std::make_unique<Gauge>(); }
};

class HistogramFamily final : public Family<Histogram> {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  size_t max_series, std::vector<double> upper_bounds);
  MetricType type() const override { return MetricType::kHistogram; }
  void render(std::string& out) const override;

 private:
  std::unique_ptr<Histogram> make() const override;

  std::vector<double> upper_bounds_;
};

class Registry {
 public:
  // Each call returns the family of that name, creating it on first use, so
  // several files may declare the same metric. A name that is invalid in
  // Prometheus, or already used with another type or other label names, is
  // a programming error and aborts.
  CounterFamily& counter(std::string_view name, std::string_view help,
                         std::vector<std::string> label_names = {},
                         size_t max_series = kDefaultMaxSeries);
  GaugeFamily& gauge(std::string_view name, std::string_view help,
                     std::vector<std::string> label_names = {},
                     size_t max_series = kDefaultMaxSeries);
  HistogramFamily& histogram(std::string_view name, std::string_view help,
                             std::vector<std::string> label_names,
                             std::vector<double> upper_bounds = latency_buckets_seconds(),
                             size_t max_series = kDefaultMaxSeries);

  // Registers a function that render() calls first, for gauges read from
  // the system at scrape time (open files, memory).
  void on_render(std::function<void()> refresh);

  // The whole registry in the text format, families sorted by name.
  std::string render() const;

 private:
  template <class F>
  F& find_or_add(std::string_view name, MetricType type, const std::vector<std::string>& labels,
                 const std::function<std::unique_ptr<F>()>& make);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<FamilyBase>, std::less<>> families_;  // guarded by mutex_
  std::vector<std::function<void()>> refreshers_;                             // guarded by mutex_
};

// The process-wide registry that /metrics serves.
Registry& default_registry();

// The content type of render()'s output.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Formats a sample value as the text format expects: shortest round-trip
// decimal, or +Inf, -Inf, NaN.
std::string format_sample_value(double value);

}  // namespace satchel::obs
