#pragma once
// How long the supervisor waits before restarting an actor that failed: at once the
// first time, then twice as long for each further failure that follows the previous one
// within a minute (1 s, 2 s, 4 s, ... up to a minute), so an actor that fails for good
// does not fill the log with ActorFailed events. Pure: the caller passes the time.
#include <algorithm>
#include <chrono>
#include <map>
#include <string>

namespace eventbot::master {

class RestartBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFirstDelay{1000};
  static constexpr std::chrono::milliseconds kMaxDelay{60'000};
  static constexpr std::chrono::milliseconds kCalmAfter{60'000};

  // Records a failure of `actor` at `now`; returns how long to wait before restarting it.
  std::chrono::milliseconds on_failure(const std::string& actor, Clock::time_point now) {
    auto& record = failures_[actor];
    bool calm = record.failures == 0 || now - record.last >= kCalmAfter;
    record.failures = calm ? 1 : record.failures + 1;
    record.last = now;
    if (record.failures == 1) return std::chrono::milliseconds(0);
    std::chrono::milliseconds delay = kFirstDelay * (1 << std::min(record.failures - 2, 6));
    return std::min(delay, kMaxDelay);
  }

 private:
  struct Record {
    int failures = 0;
    Clock::time_point last;
  };
  std::map<std::string, Record> failures_;
};

}  // namespace eventbot::master
