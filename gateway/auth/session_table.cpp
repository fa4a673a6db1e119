#include "gateway/auth/session_table.hpp"

#include <algorithm>

namespace eventbot::gateway::auth {

const Session& SessionTable::open(std::string id, std::string user, std::string csrf,
                                  Clock::time_point now) {
  forget_expired(now);
  while (!sessions_.empty() && sessions_.size() >= capacity_) {
    auto soonest = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    sessions_.erase(soonest);
  }
  Session session{id, std::move(user), std::move(csrf), now + lifetime_};
  auto [it, _] = sessions_.insert_or_assign(std::move(id), std::move(session));
  return it->second;
}

std::optional<Session> SessionTable::find(const std::string& id, Clock::time_point now) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

bool SessionTable::close(const std::string& id) {
  return sessions_.erase(id) > 0;
}

void SessionTable::close_user(const std::string& user) {
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.user == user; });
}

void SessionTable::forget_expired(Clock::time_point now) {
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires <= now; });
}

bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    differ |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return differ == 0;
}

}  // namespace eventbot::gateway::auth
