#pragma once
// The slave protocol's defaults (wire.proto), in one place for both ends: the master
// sends them to every slave in SlaveSettings (actors/slaves), and the agent
// (slave-agent/session) uses the same values until the settings arrive and for any field
// an older master leaves at 0. docs/SLAVE-PROTOCOL.md lists them.
#include <chrono>
#include <cstdint>

namespace eventbot::wire_defaults {

// Output batching. Each update is one synced append of the master's store, the main cost
// of a large log: 512 KiB updates make 8x fewer appends a GB than 64 KiB ones (measured in
// docs/PERFORMANCE.md, "After the fixes"), and stay far below the port's 16 MiB frames.
inline constexpr std::uint32_t kChunkBytes = 512 * 1024;
// How long output may wait to fill an update: short enough that a log follows a build
// live, long enough that a chatty command's lines share an update.
inline constexpr std::uint32_t kFlushMs = 100;
// Unacknowledged update bytes one command may have in flight: eight full updates, so the
// store's sync of one overlaps the sending of the next ones. The same window bounds the
// bytes of a download the master has sent and the slave not yet written.
inline constexpr std::uint32_t kWindowBytes = 8 * kChunkBytes;
// The pieces a download (master to slave) is cut into: one data frame each, acknowledged
// by the slave; small enough to interleave with other slaves' frames on the port.
inline constexpr std::uint32_t kDownloadPieceBytes = 64 * 1024;

// Liveness: both sides ping every kHeartbeat; a peer silent for kDeadAfter (three missed
// heartbeats) is dead. master.yaml's master.heartbeat_interval and master.dead_after
// override them.
inline constexpr std::chrono::seconds kHeartbeat{10};
inline constexpr std::chrono::seconds kDeadAfter{3 * kHeartbeat};
// A lost slave's running commands wait this long for it to attach again before their
// builds end RETRY (master.reattach_grace): a restart of the agent or a network blip
// fits in it, a dead host does not hold builds for long.
inline constexpr std::chrono::seconds kReattachGrace{60};
// A second connection for an attached slave: the first one has this long to answer a
// ping before the second one takes over.
inline constexpr std::chrono::seconds kArbitrate{5};

}  // namespace eventbot::wire_defaults
