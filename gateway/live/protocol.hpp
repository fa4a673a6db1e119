#pragma once
// Buildbot's WebSocket protocol, and the Server-Sent Events framing of the same updates.
// A client sends {"cmd": "startConsuming" | "stopConsuming" | "ping", "path": "...",
// "_id": ID}, optionally "from": SEQ with startConsuming (replay from the event log after
// that sequence); it is answered {"msg": "OK", "code": 200, "_id": ID} ("pong" for ping)
// or {"error": "...", "code": 400, "_id": ID}. Updates are {"k": KEY, "m": MESSAGE}; a
// client that fell behind gets {"k": "_behind", "m": {"seq": N}}. Pure.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace eventbot::gateway::live {

inline constexpr std::string_view kBehindKey = "_behind";

struct Command {
  enum class Kind { start, stop, ping } kind = Kind::ping;
  std::string path;                   // start, stop: a valid pattern
  nlohmann::json id;                  // "_id" as the client sent it (null if absent)
  std::optional<std::uint64_t> from;  // start: replay the events after this sequence
};

struct CommandError {
  nlohmann::json id;
  std::string message;
};

Expected<Command, CommandError> parse_command(std::string_view text);

std::string ok_text(const nlohmann::json& id);
std::string pong_text(const nlohmann::json& id);
std::string error_text(const nlohmann::json& id, int code, const std::string& message);
// {"k": key, "m": message}.
std::string push_text(std::string_view key, const nlohmann::json& message);
// The client reached `sequence` and gets no more until it resumes from there.
nlohmann::json behind_message(std::uint64_t sequence);
// One Server-Sent Event: "id: SEQ\nevent: KEY\ndata: JSON\n\n".
std::string sse_text(std::string_view key, const nlohmann::json& message, std::uint64_t sequence);

}  // namespace eventbot::gateway::live
