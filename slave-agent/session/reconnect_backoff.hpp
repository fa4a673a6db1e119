#pragma once
// The delay before the next connection attempt, as Twisted's ReconnectingClientFactory
// (which Buildbot's slave uses) computes it: start at `initial`, multiply by e after
// each failure, spread by a random +-12% so slaves restarted together do not all dial
// at the same instant, never more than `max` (the slave's --maxdelay, default 300 s).
// A successful session resets it.
#include <algorithm>
#include <chrono>
#include <random>

namespace eventbot::slave {

class ReconnectBackoff {
 public:
  using Seconds = std::chrono::duration<double>;

  ReconnectBackoff(Seconds initial, Seconds max, unsigned seed = std::random_device{}())
      : initial_(initial), max_(std::max(max, initial)), delay_(initial), random_(seed) {}

  // The delay to wait now; the one after it will be longer.
  Seconds next() {
    std::uniform_real_distribution<double> spread(1.0 - kJitter, 1.0 + kJitter);
    Seconds now = std::min(Seconds(delay_.count() * spread(random_)), max_);
    delay_ = std::min(Seconds(delay_.count() * kFactor), max_);
    return now;
  }
  void reset() { delay_ = initial_; }

  static constexpr double kFactor = 2.7182818284590451;  // Twisted's factor
  static constexpr double kJitter = 0.11962656472;       // and its jitter

 private:
  Seconds initial_, max_, delay_;
  std::mt19937 random_;
};

}  // namespace eventbot::slave
