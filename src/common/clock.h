// The wall clock as an injectable dependency, so expiry logic is tested
// without sleeping.
#pragma once

#include <atomic>
#include <chrono>

namespace satchel {

using SystemTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(SystemTime start) : now_(start.time_since_epoch().count()) {}

  SystemTime now() const override { return SystemTime(SystemTime::duration(now_.load())); }
  void advance(std::chrono::system_clock::duration step) { now_ += step.count(); }
  void set(SystemTime time) { now_ = time.time_since_epoch().count(); }

 private:
  std::atomic<SystemTime::rep> now_;
};

}  // namespace satchel
