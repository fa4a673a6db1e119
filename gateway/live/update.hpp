#pragma once
// One live update: the key a client subscribes to by pattern ("builds/12/finished", in
// the REST naming scheme) and the message pushed with it (the entity as /api/v2 gives
// it), made from the event at `sequence`.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace eventbot::gateway::live {

// A log's chunk whose bytes the shell reads from the store into message["content"].
struct ChunkRef {
  std::string stream;       // the log's stream
  std::uint64_t chunk = 0;  // the chunk's index (its stream version)
};

struct Update {
  std::string key;
  nlohmann::json message;
  std::uint64_t sequence = 0;
  std::optional<ChunkRef> chunk;  // logs/N/append only
  std::size_t bytes = 0;          // the message's size as sent (set by the shell)
};

}  // namespace eventbot::gateway::live
