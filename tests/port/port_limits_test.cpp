// The port's bounds without sockets: the connection caps, the log gate and the back-off
// after accept fails (names start with "port.").
#include <gtest/gtest.h>

#include "actors/port/accept_backoff.hpp"
#include "actors/port/connection_caps.hpp"
#include "actors/port/log_gate.hpp"

namespace eventbot::port {
namespace {

using namespace std::chrono_literals;

PortLimits small_limits() {
  PortLimits limits;
  limits.max_connections = 5;
  limits.max_pending = 4;
  limits.max_pending_per_address = 2;
  return limits;
}

TEST(ConnectionCaps, OneAddressGetsOnlyItsShareOfPendingConnections) {
  ConnectionCaps caps(small_limits());
  EXPECT_FALSE(caps.admit("10.0.0.1"));
  EXPECT_FALSE(caps.admit("10.0.0.1"));
  auto third = caps.admit("10.0.0.1");
  ASSERT_TRUE(third);
  EXPECT_NE(third->find("max_pending_per_address"), std::string::npos) << *third;
  // Another address is not affected.
  EXPECT_FALSE(caps.admit("10.0.0.2"));
  // Once one of the first logs in, the address has room again.
  caps.logged_in("10.0.0.1");
  EXPECT_FALSE(caps.admit("10.0.0.1"));
  EXPECT_EQ(caps.open(), 4u);
  EXPECT_EQ(caps.pending(), 3u);
}

TEST(ConnectionCaps, PendingAndTotalCapsHoldAcrossAddressesAndFreeOnClose) {
  ConnectionCaps caps(small_limits());
  for (const char* address : {"a", "b", "c", "d"}) EXPECT_FALSE(caps.admit(address)) << address;
  auto pending = caps.admit("e");
  ASSERT_TRUE(pending);
  EXPECT_NE(pending->find("max_pending ("), std::string::npos) << *pending;
  // Logged-in connections leave the pending count but stay in the total.
  for (const char* address : {"a", "b", "c", "d"}) caps.logged_in(address);
  EXPECT_FALSE(caps.admit("e"));
  auto total = caps.admit("f");
  ASSERT_TRUE(total);
  EXPECT_NE(total->find("max_connections"), std::string::npos) << *total;
  caps.closed("a", true);
  caps.closed("e", false);
  EXPECT_EQ(caps.open(), 3u);
  EXPECT_EQ(caps.pending(), 0u);
  EXPECT_EQ(caps.addresses(), 0u) << "an address with nothing pending keeps no entry";
  EXPECT_FALSE(caps.admit("f"));
}

TEST(LogGate, LetsABurstThroughPerIntervalAndCountsTheRest) {
  LogGate gate(10s, 2);
  const auto t0 = LogGate::Clock::time_point{} + 1h;
  EXPECT_TRUE(gate.allow(t0));
  EXPECT_TRUE(gate.allow(t0 + 1ms));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(gate.allow(t0 + 2ms));
  EXPECT_EQ(gate.pending(), 1000u);
  EXPECT_TRUE(gate.allow(t0 + 10s));
  EXPECT_EQ(gate.left_out(), 1000u) << "the next line allowed says how many were left out";
  EXPECT_EQ(gate.pending(), 0u);
}

TEST(AcceptBackoff, WaitsLongerWhileOutOfDescriptorsAndStartsAgainAfterASuccess) {
  AcceptBackoff backoff;
  const auto emfile = std::make_error_code(std::errc::too_many_files_open);
  EXPECT_EQ(backoff.on_failure(emfile), 10ms);
  EXPECT_EQ(backoff.on_failure(emfile), 20ms);
  for (int i = 0; i < 20; ++i) backoff.on_failure(emfile);
  EXPECT_EQ(backoff.on_failure(emfile), AcceptBackoff::kMost);
  EXPECT_EQ(backoff.on_failure(std::error_code(ENFILE, std::system_category())),
            AcceptBackoff::kMost);
  EXPECT_EQ(backoff.on_success(), 24u);
  EXPECT_EQ(backoff.on_failure(emfile), 10ms);
  // A peer that went away before it was accepted is no reason to wait.
  EXPECT_EQ(backoff.on_failure(std::make_error_code(std::errc::connection_aborted)), 0ms);
}

}  // namespace
}  // namespace eventbot::port
