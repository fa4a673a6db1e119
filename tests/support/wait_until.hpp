#pragma once
// Waits for a condition with a deadline instead of sleeping a fixed time: returns as
// soon as the condition holds, or false once the deadline passes.
#include <chrono>
#include <thread>

namespace eventbot::testing {

template <class Condition>
bool wait_until(Condition&& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace eventbot::testing
