#pragma once
// How fast the IRC bot may send lines without a flood kick: a burst of `burst` lines,
// then one every `interval` (a token bucket; servers such as ngircd penalise a client
// that sends more than about one line a second after a few). Pure: the actor asks when
// the next line may leave and sends it then.
#include <algorithm>
#include <chrono>
#include <cstddef>

namespace eventbot::status::irc {

class LineThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  LineThrottle(std::size_t burst, std::chrono::milliseconds interval)
      : burst_(burst), interval_(interval) {}

  // When a line asked for at `now` may be sent; that send is counted.
  Clock::time_point next_send(Clock::time_point now) {
    // The bucket is full `burst_ * interval_` after the last send was due.
    const auto full_at = free_at_ - interval_ * static_cast<long>(burst_ - 1);
    const auto at = std::max(now, full_at);
    free_at_ = std::max(at, free_at_) + interval_;
    return at;
  }

 private:
  std::size_t burst_;
  std::chrono::milliseconds interval_;
  Clock::time_point free_at_{};  // when the bucket has room for one more line after a burst
};

}  // namespace eventbot::status::irc
