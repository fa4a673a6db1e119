#pragma once
// At most `burst` log lines of one kind per interval, however often it happens: the
// others are counted and the next line allowed says how many were left out. Used where
// a peer (or the system, as with accept failing on EMFILE) can make the same line
// happen in a tight loop. No I/O, no clock of its own; one thread uses it.
#include <chrono>
#include <cstdint>
#include <optional>

namespace eventbot::port {

class LogGate {
 public:
  using Clock = std::chrono::steady_clock;
  LogGate(std::chrono::milliseconds interval, std::uint32_t burst)
      : interval_(interval), burst_(burst) {}

  // Whether to log this occurrence; when it is allowed, `left_out()` is how many were
  // not logged since the last allowed one.
  bool allow(Clock::time_point now) {
    if (!started_ || now - window_start_ >= interval_) {
      started_ = true;
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ < burst_) {
      ++in_window_;
      last_left_out_ = left_out_;
      left_out_ = 0;
      return true;
    }
    ++left_out_;
    return false;
  }
  std::uint64_t left_out() const { return last_left_out_; }
  // Occurrences not logged since the last allowed one (for a final summary).
  std::uint64_t pending() const { return left_out_; }

 private:
  std::chrono::milliseconds interval_;
  std::uint32_t burst_;
  bool started_ = false;
  Clock::time_point window_start_{};
  std::uint32_t in_window_ = 0;
  std::uint64_t left_out_ = 0;
  std::uint64_t last_left_out_ = 0;
};

}  // namespace eventbot::port
