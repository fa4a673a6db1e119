#include "gateway/actions/actions.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "events/streams.hpp"
#include "gateway/actions/json_rpc.hpp"
#include "gateway/readmodel/build_detail.hpp"
#include "gateway/readmodel/read_model.hpp"

namespace eventbot::gateway::actions {
namespace {

using json = nlohmann::json;

api::Reply rpc_reply(unsigned status, std::string body) {
  api::Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

api::Reply rpc_error(const json& id, const RpcError& error) {
  return rpc_reply(error.status, error_text(id, error.code, error.message));
}

std::uint64_t number_of(const std::string& text) {
  return std::stoull(text);  // json_rpc checked: digits, at most 19
}

// A forced property of a build: what the force form gave it.
constexpr char kForcedSource[] = "Force Build Form";

}  // namespace

api::Reply Actions::post(const http::HttpRequest& request, const std::vector<std::string>& path,
                         const auth::Identity& who) const {
  const auto type = request.header("Content-Type");
  if (type.find("application/json") == std::string::npos) {
    return rpc_reply(415, error_text(nullptr, kInvalidRequest,
                                     "actions are JSON-RPC 2.0 calls: Content-Type: "
                                     "application/json"));
  }
  auto call = parse_call(request.body);
  if (!call) return rpc_error(nullptr, call.error());
  auto action = action_of(path, *call);
  if (!action) return rpc_error(call->id, action.error());
  if (!auth_.may(who, action->authz)) {
    auto refused = auth::AuthService::refusal(who, action->authz);
    auto reply = rpc_reply(refused.status,
                           error_text(call->id, kNotAuthorised,
                                      json::parse(refused.body)["error"].get<std::string>()));
    reply.headers = refused.headers;
    return reply;
  }

  wire::UserCommand command;
  std::optional<RpcError> failed;
  auto not_found = [&](const std::string& what) { failed = RpcError{404, kInvalidParams, what}; };
  switch (action->kind) {
    case ActionKind::force: {
      auto* force = command.mutable_force_build();
      force->set_scheduler(action->target);
      force->set_reason(action->reason);
      force->set_branch(action->branch);
      force->set_revision(action->revision);
      force->set_repository(action->repository);
      force->set_project(action->project);
      for (const auto& name : action->builder_names) force->add_builders(name);
      model_.read([&](const readmodel::ReadModel& m) {
        const bool known =
            std::any_of(m.schedulers().begin(), m.schedulers().end(),
                        [&](const auto& s) { return s.force && s.name == action->target; });
        if (!known)
          return not_found("no force scheduler named '" + action->target.substr(0, 60) + "'");
        for (auto id : action->builder_ids) {
          const auto* builder = m.builder(id);
          if (!builder) return not_found("no builder " + std::to_string(id));
          force->add_builders(builder->name);
        }
      });
      for (const auto& [name, value] : action->properties)
        (*force->mutable_properties())[name] = value;
      break;
    }
    case ActionKind::stop_build: {
      model_.read([&](const readmodel::ReadModel& m) {
        const auto* build = m.build(number_of(action->target));
        if (!build) return not_found("no build " + action->target);
        auto* stop = command.mutable_stop_build();
        stop->set_builder(m.builder_name(build->builderid));
        stop->set_number(build->number);
        stop->set_reason(action->reason);
      });
      break;
    }
    case ActionKind::rebuild: {
      // A new buildset with the build's sourcestamp and forced properties, through a
      // force scheduler that may build its builder.
      std::string builder;
      std::uint32_t number = 0;
      model_.read([&](const readmodel::ReadModel& m) {
        const auto* build = m.build(number_of(action->target));
        if (!build) return not_found("no build " + action->target);
        builder = m.builder_name(build->builderid);
        number = build->number;
        auto* force = command.mutable_force_build();
        for (const auto& scheduler : m.schedulers()) {
          if (scheduler.force && scheduler.configured &&
              std::find(scheduler.builder_names.begin(), scheduler.builder_names.end(), builder) !=
                  scheduler.builder_names.end()) {
            force->set_scheduler(scheduler.name);
            break;
          }
        }
        if (force->scheduler().empty()) {
          failed = RpcError{409, kActionFailed,
                            "no force scheduler builds '" + builder + "': it cannot be rebuilt"};
          return;
        }
        force->add_builders(builder);
        force->set_reason(action->reason.empty()
                              ? "rebuild of " + builder + " #" + std::to_string(number)
                              : action->reason);
        auto request = m.requests().find(build->buildrequestid);
        if (request == m.requests().end()) return;
        auto buildset = m.buildsets().find(request->second.buildsetid);
        if (buildset == m.buildsets().end() || buildset->second.sourcestamps.empty()) return;
        const auto& stamp = buildset->second.sourcestamps.front();
        force->set_branch(stamp.branch);
        force->set_revision(stamp.revision);
        force->set_repository(stamp.repository);
        force->set_project(stamp.project);
      });
      if (failed) break;
      readmodel::BuildDetail detail(builder, number);
      const auto stream = streams::build(builder, number);
      for (std::uint64_t next = 1;;) {
        auto events = log_.read_stream(stream, StreamVersion(next), 256);
        if (!events) {
          failed =
              RpcError{503, kActionFailed, "the build cannot be read: " + events.error().message};
          break;
        }
        for (const auto& event : *events) {
          detail.evolve(event);
          next = event.stream_version() + 1;
        }
        if (events->size() < 256) break;
      }
      for (const auto& [name, value] : detail.properties()) {
        if (value.second == kForcedSource) {
          (*command.mutable_force_build()->mutable_properties())[name] = value.first;
        }
      }
      break;
    }
    case ActionKind::cancel_request: {
      auto* cancel = command.mutable_cancel_request();
      cancel->set_request_id(number_of(action->target));
      cancel->set_reason(action->reason);
      break;
    }
    case ActionKind::graceful_shutdown: {
      model_.read([&](const readmodel::ReadModel& m) {
        const auto& target = action->target;
        const readmodel::WorkerEntry* worker = nullptr;
        if (!target.empty() &&
            std::all_of(target.begin(), target.end(),
                        [](char c) { return c >= '0' && c <= '9'; }) &&
            target.size() <= 19) {
          worker = m.worker(std::stoull(target));
        }
        for (const auto& w : m.workers()) {
          if (!worker && w.name == target) worker = &w;
        }
        if (!worker) return not_found("no worker " + target.substr(0, 60));
        command.mutable_shutdown_slave()->set_slave(worker->name);
      });
      break;
    }
  }
  if (failed) return rpc_error(call->id, *failed);
  if (!run_) return rpc_error(call->id, RpcError{503, kActionFailed, "actions are not served"});

  auto answer_later = request.answer_later;
  auto id = call->id;
  const auto user = who.user.empty() ? std::string("anonymous") : who.user;
  run_(who.user, command,
       [answer_later, id, user, remote = request.client, what = command.ShortDebugString(),
        &model = model_](wire::UserCommandResult result, master::ForcedBuildset forced) {
         spdlog::info("gateway: {} ({}): {} -> {}", user, remote, what, result.message());
         if (result.ok() && forced.buildset_id != 0) {
           // force, rebuild: Buildbot's [bsid, {"<builderid>": brid}].
           std::vector<std::pair<std::uint64_t, std::uint64_t>> requests;
           model.read([&](const readmodel::ReadModel& m) {
             for (const auto& [builder, request_id] : forced.requests) {
               if (const auto* b = m.builder_named(builder)) {
                 requests.emplace_back(b->builderid, request_id);
               }
             }
           });
           answer_later(
               rpc_reply(200, result_text(id, submitted_result(forced.buildset_id, requests))));
         } else if (result.ok()) {
           answer_later(rpc_reply(200, result_text(id, result.message())));
         } else {
           answer_later(rpc_reply(400, error_text(id, kActionFailed, result.message())));
         }
       });
  api::Reply deferred;
  deferred.deferred = true;
  return deferred;
}

}  // namespace eventbot::gateway::actions
