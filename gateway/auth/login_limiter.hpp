#pragma once
// Failed logins per client address: after `max_failures` within `window`, that address
// is refused until the window that began with its first failure has passed. The table
// holds at most `capacity` addresses (the oldest entry makes room), so a flood of
// addresses costs bounded memory. Pure: the caller passes the time.
#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace eventbot::gateway::auth {

class LoginLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  LoginLimiter(std::size_t max_failures, Clock::duration window, std::size_t capacity)
      : max_failures_(max_failures), window_(window), capacity_(capacity) {}

  // Whether `address` may try a password now.
  bool allowed(const std::string& address, Clock::time_point now);
  // How long until it may (zero when it may now).
  Clock::duration retry_after(const std::string& address, Clock::time_point now) const;
  void failed(const std::string& address, Clock::time_point now);
  void succeeded(const std::string& address) { entries_.erase(address); }

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Clock::time_point first;
    std::size_t failures = 0;
  };
  std::size_t max_failures_;
  Clock::duration window_;
  std::size_t capacity_;
  std::map<std::string, Entry> entries_;
};

}  // namespace eventbot::gateway::auth
