#pragma once
// Actions as Buildbot's data API takes them: a JSON-RPC 2.0 call POSTed to the resource
// (`{"jsonrpc": "2.0", "method": "force", "params": {...}, "id": 1}`), read into what to
// do. Pure: the shell resolves ids to names and runs the command.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace eventbot::gateway::actions {

// JSON-RPC 2.0's error codes, and Eventbot's for a refused or failed action.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kActionFailed = -32000;   // the command was not carried out (why: message)
inline constexpr int kNotAuthorised = -32001;  // web.authz refuses it to this user

struct RpcError {
  unsigned status = 400;  // the HTTP status it is answered with
  int code = kInvalidRequest;
  std::string message;
};

struct RpcCall {
  std::string method;
  nlohmann::json params = nlohmann::json::object();
  nlohmann::json id;  // null for a notification
};

Expected<RpcCall, RpcError> parse_call(std::string_view body);

std::string result_text(const nlohmann::json& id, const nlohmann::json& result);
std::string error_text(const nlohmann::json& id, int code, const std::string& message);

// The result of `force` and `rebuild` as Buildbot's: [bsid, {"<builderid>": brid, ...}].
nlohmann::json submitted_result(
    std::uint64_t buildset, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& requests);

// What a call on a resource asks for.
enum class ActionKind { force, stop_build, rebuild, cancel_request, graceful_shutdown };

struct Action {
  ActionKind kind = ActionKind::force;
  std::string authz;   // the web.authz action it needs
  std::string target;  // scheduler name, build id, request id, worker id or name
  std::string reason;
  // force: the form's fields
  std::string branch, revision, repository, project;
  std::vector<std::string> builder_names;
  std::vector<std::uint64_t> builder_ids;         // builderid / builderids (resolved by the shell)
  std::map<std::string, std::string> properties;  // name -> JSON text
};

// The action a call on `path` (["builds", "12"], ...) asks for; 404 for a path that takes
// no action, -32601 for a method it does not have, -32602 for bad params.
Expected<Action, RpcError> action_of(const std::vector<std::string>& path, const RpcCall& call);

}  // namespace eventbot::gateway::actions
