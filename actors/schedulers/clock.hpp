#pragma once
// The clock seam of the scheduler actors: the cores never read a clock; the actor stamps
// now_us into commands from a Clock, and tests give it a FakeClock to run a night of
// timers in milliseconds.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace eventbot::schedulers {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the epoch.
  virtual std::int64_t now_us() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_us() const override {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_us = 0) : now_(start_us) {}
  std::int64_t now_us() const override { return now_.load(); }
  void set(std::int64_t us) { now_.store(us); }
  void advance(std::int64_t us) { now_.fetch_add(us); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace eventbot::schedulers
