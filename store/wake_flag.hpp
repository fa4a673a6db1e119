#pragma once
// A small state word one thread sleeps on until another changes it, on the Linux futex
// directly. std::atomic::wait in GCC 12 spins with sched_yield before it sleeps, which
// with dozens of waiting writers on two cores burns the CPU the leader needs.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace eventbot::store {

class WakeFlag {
 public:
  explicit WakeFlag(int initial) : value_(initial) {}

  int load() const { return value_.load(std::memory_order_acquire); }

  // Sleeps while the value equals `value`; returns the new value.
  int wait_while(int value) {
    int now;
    while ((now = value_.load(std::memory_order_acquire)) == value) {
      ::syscall(SYS_futex, reinterpret_cast<int*>(&value_), FUTEX_WAIT_PRIVATE, value, nullptr,
                nullptr, 0);
    }
    return now;
  }

  // Sets the value and wakes the thread sleeping on it.
  void set_and_wake(int value) {
    value_.store(value, std::memory_order_release);
    ::syscall(SYS_futex, reinterpret_cast<int*>(&value_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
              0);
  }

 private:
  static_assert(sizeof(std::atomic<int>) == sizeof(int));
  std::atomic<int> value_;
};

}  // namespace eventbot::store
