#pragma once
// How long the port waits before accepting again after accept() failed. When the
// process is out of file descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS,
// ENOMEM), accept fails at once for as long as the pending connection stays queued:
// retrying at once spins a core. The wait doubles from 10 ms to 1 s while it fails and
// starts again after a success. Other errors (a peer that reset before being accepted)
// are the peer's: no wait.
#include <algorithm>
#include <chrono>
#include <system_error>
#include <utility>

namespace eventbot::port {

class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{10};
  static constexpr std::chrono::milliseconds kMost{1000};

  static bool is_resource_shortage(const std::error_code& ec) {
    return ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system ||
           ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory;
  }

  // The wait after this failure.
  std::chrono::milliseconds on_failure(const std::error_code& ec) {
    ++failures_;
    if (!is_resource_shortage(ec)) return std::chrono::milliseconds(0);
    next_ = next_.count() == 0 ? kFirst : std::min(next_ * 2, kMost);
    return next_;
  }
  // A connection was accepted: the number of failures before it (0 if none).
  unsigned long on_success() {
    next_ = std::chrono::milliseconds(0);
    return std::exchange(failures_, 0);
  }

 private:
  std::chrono::milliseconds next_{0};
  unsigned long failures_ = 0;
};

}  // namespace eventbot::port
