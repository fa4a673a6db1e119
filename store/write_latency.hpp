#pragma once
// How long the store's writes take (each group's RocksDB write with its WAL sync): a
// histogram in Prometheus' sense, recorded by the writer and read by /metrics from any
// thread. One per process (a master has one store that writes).
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace eventbot::store {

// The buckets' upper bounds, in seconds (the last bucket, +Inf, is not listed).
inline constexpr std::array<double, 11> kWriteSecondsBounds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

struct WriteLatency {
  // Writes that took at most each bound (cumulative, as Prometheus counts them), then all.
  std::array<std::uint64_t, kWriteSecondsBounds.size()> at_most{};
  std::uint64_t count = 0;
  double sum_seconds = 0;
};

class WriteLatencyRecorder {
 public:
  void record(std::chrono::nanoseconds took) {
    const double seconds = std::chrono::duration<double>(took).count();
    std::size_t bucket = 0;
    while (bucket < kWriteSecondsBounds.size() && seconds > kWriteSecondsBounds[bucket]) ++bucket;
    counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(took.count()), std::memory_order_relaxed);
  }

  WriteLatency read() const {
    WriteLatency out;
    std::uint64_t below = 0;
    for (std::size_t i = 0; i < kWriteSecondsBounds.size(); ++i) {
      below += counts_[i].load(std::memory_order_relaxed);
      out.at_most[i] = below;
    }
    out.count = below + counts_.back().load(std::memory_order_relaxed);
    out.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
    return out;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kWriteSecondsBounds.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

// The writes of every RocksEventLog of this process.
inline WriteLatencyRecorder& process_write_latency() {
  static WriteLatencyRecorder recorder;
  return recorder;
}

}  // namespace eventbot::store
