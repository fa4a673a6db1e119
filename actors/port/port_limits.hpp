#pragma once
// What the port allows a peer that has not logged in yet (docs/SECURITY.md, "The slave
// port"). Before login nobody is known, so everything a stranger can make the master
// hold is bounded: the size of a frame, the time to log in, the number of connections.
// Set in master.yaml under `master.port_limits` (read at start; a change needs a restart).
#include <chrono>
#include <cstddef>

namespace eventbot::port {

struct PortLimits {
  // Open connections at once, logged in or not (slaves, sendchange, user commands).
  std::size_t max_connections = 1000;
  // Connections that have not logged in yet, from every address / from one address.
  // Logged-in connections are not counted per address: slaves behind one NAT address.
  std::size_t max_pending = 256;
  std::size_t max_pending_per_address = 32;
  // The largest frame before login (the handshake's frames are a few hundred bytes);
  // after login frames may reach kMaxFrameBytes.
  std::size_t max_login_frame = 64 * 1024;
  // How long a new connection has to log in (TLS, WebSocket upgrade, challenge answered).
  std::chrono::milliseconds login_timeout{10'000};

  bool operator==(const PortLimits&) const = default;
};

// The longest name a peer may log in with, in bytes; longer names, names that are not
// UTF-8 and names with control characters are refused before any lookup, and shown
// escaped and cut (printable_text) wherever they are logged or recorded.
inline constexpr std::size_t kMaxLoginNameBytes = 255;
inline constexpr std::size_t kShownNameBytes = 64;

}  // namespace eventbot::port
