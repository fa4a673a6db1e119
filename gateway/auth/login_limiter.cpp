#include "gateway/auth/login_limiter.hpp"

#include <algorithm>

namespace eventbot::gateway::auth {

bool LoginLimiter::allowed(const std::string& address, Clock::time_point now) {
  auto it = entries_.find(address);
  if (it == entries_.end()) return true;
  if (now - it->second.first >= window_) {
    entries_.erase(it);
    return true;
  }
  return it->second.failures < max_failures_;
}

LoginLimiter::Clock::duration LoginLimiter::retry_after(const std::string& address,
                                                        Clock::time_point now) const {
  auto it = entries_.find(address);
  if (it == entries_.end() || it->second.failures < max_failures_) return Clock::duration::zero();
  return std::max(Clock::duration::zero(), it->second.first + window_ - now);
}

void LoginLimiter::failed(const std::string& address, Clock::time_point now) {
  auto it = entries_.find(address);
  if (it != entries_.end() && now - it->second.first >= window_) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    std::erase_if(entries_, [&](const auto& e) { return now - e.second.first >= window_; });
    while (!entries_.empty() && entries_.size() >= capacity_) {
      auto oldest = std::min_element(
          entries_.begin(), entries_.end(),
          [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
      entries_.erase(oldest);
    }
    it = entries_.emplace(address, Entry{now, 0}).first;
  }
  ++it->second.failures;
}

}  // namespace eventbot::gateway::auth
