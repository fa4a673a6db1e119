#pragma once
// The port's count of open connections, by address, against PortLimits' caps: whether
// a new connection may stay, and the bookkeeping as it logs in and ends. No I/O; the
// port's I/O thread owns it. Memory: one entry per address with a connection pending.
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "actors/port/port_limits.hpp"

namespace eventbot::port {

class ConnectionCaps {
 public:
  explicit ConnectionCaps(PortLimits limits) : limits_(limits) {}

  // A new connection from `address`: nothing if it may stay (it is counted as pending),
  // else which cap it is over, for the log line.
  std::optional<std::string> admit(const std::string& address);
  // The pending connection from `address` logged in.
  void logged_in(const std::string& address);
  // A connection admitted from `address` ended (`was_logged_in`: after its login).
  void closed(const std::string& address, bool was_logged_in);

  std::size_t open() const { return open_; }
  std::size_t pending() const { return pending_; }
  std::size_t addresses() const { return pending_by_address_.size(); }

 private:
  void release_pending(const std::string& address);

  PortLimits limits_;
  std::size_t open_ = 0;
  std::size_t pending_ = 0;
  std::map<std::string, std::size_t> pending_by_address_;
};

}  // namespace eventbot::port
