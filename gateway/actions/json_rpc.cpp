#include "gateway/actions/json_rpc.hpp"

#include <algorithm>
#include <set>

namespace eventbot::gateway::actions {
namespace {

using json = nlohmann::json;

RpcError invalid_params(const std::string& message) {
  return RpcError{400, kInvalidParams, message};
}

bool is_number(const std::string& text) {
  return !text.empty() && text.size() <= 19 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A string param, if present; an error if present and not a string.
Expected<std::string, RpcError> string_param(const json& params, const char* name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return std::string();
  if (!it->is_string()) return unexpected(invalid_params(std::string(name) + " must be a string"));
  return it->get<std::string>();
}

}  // namespace

Expected<RpcCall, RpcError> parse_call(std::string_view body) {
  json document = json::parse(body, nullptr, false);
  if (document.is_discarded()) return unexpected(RpcError{400, kParseError, "malformed JSON"});
  if (!document.is_object()) {
    return unexpected(RpcError{400, kInvalidRequest, "expected one JSON-RPC 2.0 call (an object)"});
  }
  auto version = document.find("jsonrpc");
  if (version == document.end() || *version != "2.0") {
    return unexpected(RpcError{400, kInvalidRequest, "\"jsonrpc\" must be \"2.0\""});
  }
  RpcCall call;
  if (auto id = document.find("id"); id != document.end()) {
    if (!id->is_null() && !id->is_string() && !id->is_number()) {
      return unexpected(RpcError{400, kInvalidRequest, "\"id\" must be a number or a string"});
    }
    call.id = *id;
  }
  auto method = document.find("method");
  if (method == document.end() || !method->is_string() || method->get<std::string>().empty()) {
    return unexpected(RpcError{400, kInvalidRequest, "\"method\" must be a string"});
  }
  call.method = method->get<std::string>();
  if (auto params = document.find("params"); params != document.end() && !params->is_null()) {
    if (!params->is_object()) {
      return unexpected(invalid_params("\"params\" must be an object (by name)"));
    }
    call.params = *params;
  }
  return call;
}

std::string result_text(const json& id, const json& result) {
  return json{{"jsonrpc", "2.0"}, {"result", result}, {"id", id}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

json submitted_result(std::uint64_t buildset,
                      const std::vector<std::pair<std::uint64_t, std::uint64_t>>& requests) {
  json by_builder = json::object();
  for (const auto& [builderid, request] : requests) by_builder[std::to_string(builderid)] = request;
  return json::array({buildset, by_builder});
}

std::string error_text(const json& id, int code, const std::string& message) {
  return json{{"jsonrpc", "2.0"}, {"error", {{"code", code}, {"message", message}}}, {"id", id}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

Expected<Action, RpcError> action_of(const std::vector<std::string>& path, const RpcCall& call) {
  if (path.size() != 2) {
    return unexpected(RpcError{404, kMethodNotFound, "no action on this path"});
  }
  const auto& collection = path[0];
  const auto& target = path[1];
  auto no_method = [&](const std::string& methods) {
    return unexpected(RpcError{
        404, kMethodNotFound,
        "no method \"" + call.method.substr(0, 40) + "\" on " + collection + " (" + methods + ")"});
  };
  Action action;
  action.target = target;
  const auto& params = call.params;
  auto reason = string_param(params, "reason");
  if (!reason) return unexpected(reason.error());
  action.reason = *reason;

  if (collection == "forceschedulers") {
    if (call.method != "force") return no_method("force");
    action.kind = ActionKind::force;
    action.authz = "force_build";
    // Buildbot's form fields; any other field is a property of the build, as Buildbot's
    // custom fields are (owner and username: who forces is the logged-in user).
    static const std::set<std::string> kForm = {
        "reason",    "branch",     "revision",   "repository", "project", "builderNames",
        "builderid", "builderids", "properties", "username",   "owner",   "codebase"};
    for (auto [field, out] :
         {std::pair{"branch", &action.branch}, std::pair{"revision", &action.revision},
          std::pair{"repository", &action.repository}, std::pair{"project", &action.project}}) {
      auto value = string_param(params, field);
      if (!value) return unexpected(value.error());
      *out = *value;
    }
    if (auto names = params.find("builderNames"); names != params.end() && !names->is_null()) {
      if (!names->is_array()) return unexpected(invalid_params("builderNames must be a list"));
      for (const auto& name : *names) {
        if (!name.is_string()) return unexpected(invalid_params("builderNames must be strings"));
        action.builder_names.push_back(name.get<std::string>());
      }
    }
    for (const char* field : {"builderid", "builderids"}) {
      auto ids = params.find(field);
      if (ids == params.end() || ids->is_null()) continue;
      const json list = ids->is_array() ? *ids : json::array({*ids});
      for (const auto& id : list) {
        if (!id.is_number_unsigned()) {
          return unexpected(invalid_params(std::string(field) + " must be builder ids"));
        }
        action.builder_ids.push_back(id.get<std::uint64_t>());
      }
    }
    if (auto props = params.find("properties"); props != params.end() && !props->is_null()) {
      if (!props->is_object()) return unexpected(invalid_params("properties must be an object"));
      for (const auto& [name, value] : props->items()) action.properties[name] = value.dump();
    }
    for (const auto& [name, value] : params.items()) {
      if (kForm.contains(name)) continue;
      action.properties[name] = value.dump();
    }
    return action;
  }
  if (collection == "builds") {
    if (!is_number(target))
      return unexpected(RpcError{404, kMethodNotFound, "no build " + target.substr(0, 40)});
    if (call.method == "stop") {
      action.kind = ActionKind::stop_build;
      action.authz = "stop_build";
      return action;
    }
    if (call.method == "rebuild") {
      action.kind = ActionKind::rebuild;
      action.authz = "force_build";
      return action;
    }
    return no_method("stop, rebuild");
  }
  if (collection == "buildrequests") {
    if (!is_number(target)) {
      return unexpected(RpcError{404, kMethodNotFound, "no build request " + target.substr(0, 40)});
    }
    if (call.method != "cancel") return no_method("cancel");
    action.kind = ActionKind::cancel_request;
    action.authz = "cancel_pending_build";
    return action;
  }
  if (collection == "workers" || collection == "slaves") {
    if (call.method != "graceful_shutdown") return no_method("graceful_shutdown");
    action.kind = ActionKind::graceful_shutdown;
    action.authz = "graceful_shutdown";
    return action;
  }
  return unexpected(RpcError{404, kMethodNotFound, "no action on " + collection.substr(0, 40)});
}

}  // namespace eventbot::gateway::actions
