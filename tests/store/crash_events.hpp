#pragma once
// What the crash appender writes, as a function of the sequence alone, so that the
// crash test can tell, for every event it finds, what that event must contain.
#include <cstdint>
#include <string>

#include "events/streams.hpp"

namespace eventbot::store::test::crash {

// Every third event goes to a builder stream, the others to the changes stream: two
// streams, so that versions are checked per stream and not just equal to sequences.
inline std::string stream_for(std::uint64_t sequence) {
  return sequence % 3 == 0 ? streams::builder("crash") : streams::changes();
}

inline std::string comments_for(std::uint64_t sequence, std::uint64_t stream_version) {
  return "event " + std::to_string(sequence) + " v" + std::to_string(stream_version);
}

}  // namespace eventbot::store::test::crash
