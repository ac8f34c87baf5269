#include "obs/metrics.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace satchel::obs {
namespace {

bool is_valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

bool is_valid_label_name(std::string_view name) {
  return is_valid_name(name) && name.find(':') == std::string_view::npos && !name.starts_with("__");
}

// HELP text escapes backslash and line feed; label values also escape the
// double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

[[noreturn]] void fail_registration(std::string_view name, std::string_view problem) {
  std::fprintf(stderr, "satchel: metric %.*s %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(problem.size()), problem.data());
  std::abort();
}

}  // namespace

std::string format_sample_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::array<char, 32> buffer{};
  auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (error != std::errc{}) return "NaN";
  return std::string(buffer.data(), end);
}

Histogram::Histogram(const std::vector<double>& upper_bounds)
    : upper_bounds_(upper_bounds),
      bucket_counts_(std::make_unique<std::atomic<uint64_t>[]>(upper_bounds.size())) {}

void Histogram::observe(double value) {
  auto bound = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  if (bound != upper_bounds_.end()) {
    bucket_counts_[bound - upper_bounds_.begin()].fetch_add(1, std::memory_order_relaxed);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot result;
  result.cumulative_counts.resize(upper_bounds_.size());
  uint64_t running = 0;
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    running += bucket_counts_[i].load(std::memory_order_relaxed);
    result.cumulative_counts[i] = running;
  }
  // Loaded after the buckets, and observe() adds to the buckets first, so the
  // +Inf count is never below the last bucket's.
  result.count = std::max(count_.load(std::memory_order_relaxed), running);
  result.sum = sum_.load(std::memory_order_relaxed);
  return result;
}

const std::vector<double>& latency_buckets_seconds() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

std::string_view BoundedLabelValues::map(std::string_view value) {
  std::lock_guard lock(mutex_);
  auto it = values_.find(value);
  if (it != values_.end()) return *it;
  if (values_.size() >= max_values_) return kOverflowLabel;
  return *values_.emplace(value).first;
}

FamilyBase::FamilyBase(std::string name, std::string help, std::vector<std::string> label_names,
                       size_t max_series)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      max_series_(std::max<size_t>(max_series, 1)) {}

std::vector<std::string> FamilyBase::overflow_key() const {
  return std::vector<std::string>(label_names_.size(), std::string(kOverflowLabel));
}

void FamilyBase::render_header(std::string& out, std::string_view type) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_escaped(out, help_, false);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type;
  out += '\n';
}

void FamilyBase::render_labels(std::string& out, const std::vector<std::string>& values,
                               std::string_view extra_name, std::string_view extra_value) const {
  if (values.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  auto add = [&out, &first](std::string_view name, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  };
  for (size_t i = 0; i < values.size(); ++i) add(label_names_[i], values[i]);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out += '}';
}

void CounterFamily::render(std::string& out) const {
  render_header(out, "counter");
  std::lock_guard lock(mutex_);
  for (const auto& [values, counter] : series_) {
    out += name_;
    render_labels(out, values);
    out += ' ';
    out += std::to_string(counter->value());
    out += '\n';
  }
}

void GaugeFamily::render(std::string& out) const {
  render_header(out, "gauge");
  std::lock_guard lock(mutex_);
  for (const auto& [values, gauge] : series_) {
    out += name_;
    render_labels(out, values);
    out += ' ';
    out += format_sample_value(gauge->value());
    out += '\n';
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, size_t max_series,
                                 std::vector<double> upper_bounds)
    : Family(std::move(name), std::move(help), std::move(label_names), max_series),
      upper_bounds_(std::move(upper_bounds)) {}

std::unique_ptr<Histogram> HistogramFamily::make() const {
  return std::make_unique<Histogram>(upper_bounds_);
}

void HistogramFamily::render(std::string& out) const {
  render_header(out, "histogram");
  std::lock_guard lock(mutex_);
  for (const auto& [values, histogram] : series_) {
    auto snapshot = histogram->snapshot();
    for (size_t i = 0; i < upper_bounds_.size(); ++i) {
      out += name_;
      out += "_bucket";
      render_labels(out, values, "le", format_sample_value(upper_bounds_[i]));
      out += ' ';
      out += std::to_string(snapshot.cumulative_counts[i]);
      out += '\n';
    }
    out += name_;
    out += "_bucket";
    render_labels(out, values, "le", "+Inf");
    out += ' ';
    out += std::to_string(snapshot.count);
    out += '\n';
    out += name_;
    out += "_sum";
    render_labels(out, values);
    out += ' ';
    out += format_sample_value(snapshot.sum);
    out += '\n';
    out += name_;
    out += "_count";
    render_labels(out, values);
    out += ' ';
    out += std::to_string(snapshot.count);
    out += '\n';
  }
}

template <class F>
F& Registry::find_or_add(std::string_view name, MetricType type,
                         const std::vector<std::string>& labels,
                         const std::function<std::unique_ptr<F>()>& make) {
  if (!is_valid_name(name)) fail_registration(name, "has an invalid name");
  for (const auto& label : labels) {
    if (!is_valid_label_name(label)) fail_registration(name, "has an invalid label name");
    if (label == "le") fail_registration(name, "uses the reserved label name le");
  }
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), make()).first;
  } else if (it->second->type() != type || it->second->label_names() != labels) {
    fail_registration(name, "is registered twice with different types or labels");
  }
  return static_cast<F&>(*it->second);
}

CounterFamily& Registry::counter(std::string_view name, std::string_view help,
                                 std::vector<std::string> label_names, size_t max_series) {
  std::function<std::unique_ptr<CounterFamily>()> make = [&] {
    return std::make_unique<CounterFamily>(std::string(name), std::string(help), label_names,
                                           max_series);
  };
  return find_or_add(name, MetricType::kCounter, label_names, make);
}

GaugeFamily& Registry::gauge(std::string_view name, std::string_view help,
                             std::vector<std::string> label_names, size_t max_series) {
  std::function<std::unique_ptr<GaugeFamily>()> make = [&] {
    return std::make_unique<GaugeFamily>(std::string(name), std::string(help), label_names,
                                         max_series);
  };
  return find_or_add(name, MetricType::kGauge, label_names, make);
}

HistogramFamily& Registry::histogram(std::string_view name, std::string_view help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> upper_bounds, size_t max_series) {
  if (!std::is_sorted(upper_bounds.begin(), upper_bounds.end()) ||
      std::adjacent_find(upper_bounds.begin(), upper_bounds.end()) != upper_bounds.end()) {
    fail_registration(name, "has bucket bounds that are not strictly ascending");
  }
  std::function<std::unique_ptr<HistogramFamily>()> make = [&] {
    return std::make_unique<HistogramFamily>(std::string(name), std::string(help), label_names,
                                             max_series, upper_bounds);
  };
  return find_or_add(name, MetricType::kHistogram, label_names, make);
}

void Registry::on_render(std::function<void()> refresh) {
  std::lock_guard lock(mutex_);
  refreshers_.push_back(std::move(refresh));
}

std::string Registry::render() const {
  std::vector<std::function<void()>> refreshers;
  {
    std::lock_guard lock(mutex_);
    refreshers = refreshers_;
  }
  for (const auto& refresh : refreshers) refresh();
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, family] : families_) family->render(out);
  return out;
}

Registry& default_registry() {
  static Registry registry;
  return registry;
}

}  // namespace satchel::obs
