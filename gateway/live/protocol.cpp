#include "gateway/live/protocol.hpp"

#include "gateway/live/path_pattern.hpp"

namespace eventbot::gateway::live {
namespace {

using nlohmann::json;

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Expected<Command, CommandError> parse_command(std::string_view text) {
  auto parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return unexpected(CommandError{nullptr, "not a JSON object"});
  }
  Command command;
  if (auto id = parsed.find("_id"); id != parsed.end()) {
    if (!id->is_number_integer() && !id->is_string()) {
      return unexpected(CommandError{nullptr, "_id must be a number or a string"});
    }
    if (id->is_string() && id->get_ref<const std::string&>().size() > 64) {
      return unexpected(CommandError{nullptr, "_id is longer than 64 bytes"});
    }
    command.id = *id;
  }
  auto fail = [&](std::string message) {
    return unexpected(CommandError{command.id, std::move(message)});
  };
  auto cmd = parsed.find("cmd");
  if (cmd == parsed.end() || !cmd->is_string()) return fail("no \"cmd\"");
  const auto& name = cmd->get_ref<const std::string&>();
  if (name == "ping") {
    command.kind = Command::Kind::ping;
    return command;
  }
  if (name == "startConsuming") {
    command.kind = Command::Kind::start;
  } else if (name == "stopConsuming") {
    command.kind = Command::Kind::stop;
  } else {
    return fail("unknown cmd (startConsuming, stopConsuming and ping are known)");
  }
  auto path = parsed.find("path");
  if (path == parsed.end() || !path->is_string() ||
      !valid_pattern(path->get_ref<const std::string&>())) {
    return fail("\"path\" must be a path like builds/*/new");
  }
  command.path = path->get<std::string>();
  if (auto from = parsed.find("from");
      from != parsed.end() && command.kind == Command::Kind::start) {
    if (!from->is_number_unsigned()) return fail("\"from\" must be a sequence number");
    command.from = from->get<std::uint64_t>();
  }
  return command;
}

std::string ok_text(const json& id) {
  return dump({{"msg", "OK"}, {"code", 200}, {"_id", id}});
}

std::string pong_text(const json& id) {
  return dump({{"msg", "pong"}, {"code", 200}, {"_id", id}});
}

std::string error_text(const json& id, int code, const std::string& message) {
  return dump({{"error", message}, {"code", code}, {"_id", id}});
}

std::string push_text(std::string_view key, const json& message) {
  return dump({{"k", key}, {"m", message}});
}

json behind_message(std::uint64_t sequence) {
  return {{"seq", sequence}};
}

std::string sse_text(std::string_view key, const json& message, std::uint64_t sequence) {
  return "id: " + std::to_string(sequence) + "\nevent: " + std::string(key) +
         "\ndata: " + dump(message) + "\n\n";
}

}  // namespace eventbot::gateway::live
