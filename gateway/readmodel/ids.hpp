#pragma once
// Step and log ids: Buildbot gives every step and log a global integer; here they are
// made from the build's id and the step's and log's places, so that no table of them is
// kept in memory and any id leads straight to its build's stream. A step id is
// buildid * 2^16 + step number, a log id buildid * 2^24 + step number * 2^8 + the log's
// place in its step: under 2^53 (exact in JavaScript) for 2^29 builds. Steps numbered
// 65536 and above, and logs past a step's 256th, have no id.
#include <cstdint>
#include <optional>

namespace eventbot::gateway::readmodel {

inline constexpr std::uint64_t kMaxStepNumber = (1u << 16) - 1;
inline constexpr std::uint64_t kMaxLogPlace = (1u << 8) - 1;
inline constexpr std::uint64_t kMaxBuildId = (std::uint64_t(1) << 29) - 1;

inline std::optional<std::uint64_t> step_id(std::uint64_t buildid, std::uint64_t number) {
  if (buildid == 0 || buildid > kMaxBuildId || number > kMaxStepNumber) return std::nullopt;
  return (buildid << 16) | number;
}

inline std::optional<std::uint64_t> log_id(std::uint64_t buildid, std::uint64_t number,
                                           std::uint64_t place) {
  if (!step_id(buildid, number) || place > kMaxLogPlace) return std::nullopt;
  return (buildid << 24) | (number << 8) | place;
}

struct StepKey {
  std::uint64_t buildid = 0;
  std::uint32_t number = 0;
};
struct LogKey {
  std::uint64_t buildid = 0;
  std::uint32_t number = 0;
  std::uint32_t place = 0;
};

inline StepKey step_key(std::uint64_t stepid) {
  return {stepid >> 16, static_cast<std::uint32_t>(stepid & kMaxStepNumber)};
}
inline LogKey log_key(std::uint64_t logid) {
  return {logid >> 24, static_cast<std::uint32_t>((logid >> 8) & kMaxStepNumber),
          static_cast<std::uint32_t>(logid & kMaxLogPlace)};
}

}  // namespace eventbot::gateway::readmodel
