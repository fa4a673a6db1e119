#pragma once
// How long a build waits for one answer about its locks (docs/ARCHITECTURE.md, "Lock
// waits and build ownership"). A lock held by another build is no reason to fail a build:
// the distributor answers every waiting request within kLockRenew with ec::timeout
// ("still queued"), and the build asks again at once, keeping its place in the queue.
// No answer at all by kLockDeadline means the distributor is gone or stuck: the build
// says so in master.log and asks again (a restarted distributor adopts the build and
// gets the request); it never runs without its locks.
#include <chrono>

namespace eventbot::master {

inline constexpr std::chrono::seconds kLockRenew{30};
inline constexpr std::chrono::seconds kLockDeadline{60};
// After the distributor was found down: the wait before asking again (the restarted
// distributor's adopt_atom usually comes first).
inline constexpr std::chrono::seconds kLockRetry{1};

static_assert(kLockRenew < kLockDeadline, "a renewal must come before the deadline");

}  // namespace eventbot::master
