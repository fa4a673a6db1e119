#include "actors/port/connection_caps.hpp"

namespace eventbot::port {

std::optional<std::string> ConnectionCaps::admit(const std::string& address) {
  if (open_ >= limits_.max_connections) {
    return "over max_connections (" + std::to_string(limits_.max_connections) + " open)";
  }
  if (pending_ >= limits_.max_pending) {
    return "over max_pending (" + std::to_string(limits_.max_pending) +
           " connections not logged in)";
  }
  auto it = pending_by_address_.find(address);
  if (it != pending_by_address_.end() && it->second >= limits_.max_pending_per_address) {
    return "over max_pending_per_address (" + std::to_string(limits_.max_pending_per_address) +
           " connections from this address not logged in)";
  }
  ++open_;
  ++pending_;
  ++pending_by_address_[address];
  return std::nullopt;
}

void ConnectionCaps::release_pending(const std::string& address) {
  if (pending_ > 0) --pending_;
  auto it = pending_by_address_.find(address);
  if (it == pending_by_address_.end()) return;
  if (--it->second == 0) pending_by_address_.erase(it);
}

void ConnectionCaps::logged_in(const std::string& address) {
  release_pending(address);
}

void ConnectionCaps::closed(const std::string& address, bool was_logged_in) {
  if (open_ > 0) --open_;
  if (!was_logged_in) release_pending(address);
}

}  // namespace eventbot::port
