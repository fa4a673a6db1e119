#include "actors/master/user_commands.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <caf/all.hpp>
#include <future>

#include "actors/master/scheduler_actor.hpp"
#include "actors/messages/actors.hpp"
#include "actors/messages/defaults.hpp"
#include "actors/messages/errors.hpp"
#include "events/streams.hpp"

namespace eventbot::master {
namespace {

wire::UserCommandResult answer(bool ok, std::string message) {
  wire::UserCommandResult result;
  result.set_ok(ok);
  result.set_message(std::move(message));
  return result;
}

// The last event of a stream, if it has any.
std::optional<events::Envelope> last_event(store::EventLog& log, const std::string& stream,
                                           StreamVersion& version) {
  auto current = log.stream_version(stream);
  if (!current || current->value() == 0) return std::nullopt;
  version = *current;
  auto events = log.read_stream(stream, *current, 1);
  if (!events || events->empty()) return std::nullopt;
  return events->front();
}

// Asks the supervisor to force a build and answers the user once, with the outcome. Its
// inputs are spawn arguments, not captures: CAF 0.17 dereferences a null argument tuple
// when a function actor is spawned without any.
void force_waiter(caf::event_based_actor* self, caf::actor supervisor, std::string scheduler,
                  CommandPtr force, UserCommands::ForceAnswer reply) {
  self->monitor(supervisor);
  self->set_down_handler([=](caf::down_msg&) {
    reply(answer(false, "the master is stopping"), {});
    self->quit();
  });
  self->request(supervisor, defaults::kCommandTimeout, command_atom::value, scheduler, force,
                submitted_atom::value)
      .then(
          [=](std::uint64_t buildset, const std::vector<std::string>& builders,
              const std::vector<std::uint64_t>& requests) {
            ForcedBuildset forced;
            forced.buildset_id = buildset;
            for (std::size_t i = 0; i < builders.size() && i < requests.size(); ++i) {
              forced.requests.emplace_back(builders[i], requests[i]);
            }
            reply(answer(true, "build forced through scheduler " + scheduler), std::move(forced));
            self->quit();
          },
          [=](caf::error& error) {
            reply(answer(false, describe(error)), {});
            self->quit();
          });
}

}  // namespace

bool authorised(const config::WebConfig& web, const std::string& user, const std::string& action) {
  auto rule = web.authz.find(action);
  if (rule == web.authz.end()) return false;
  using Who = config::AccessRule::Who;
  switch (rule->second.who) {
    case Who::nobody:
      return false;
    case Who::anyone:
      return true;
    case Who::authenticated:
      return std::any_of(web.users.begin(), web.users.end(),
                         [&](const auto& u) { return u.name == user; });
    case Who::roles:
      for (const auto& u : web.users) {
        if (u.name != user) continue;
        for (const auto& role : u.roles) {
          if (std::find(rule->second.roles.begin(), rule->second.roles.end(), role) !=
              rule->second.roles.end()) {
            return true;
          }
        }
      }
      return false;
  }
  return false;
}

UserCommands::UserCommands(store::EventLog& log, std::string master_id, caf::actor_system& system,
                           port::HandOver& hand_over)
    : log_(log), master_id_(std::move(master_id)), system_(system), hand_over_(hand_over) {}

void UserCommands::configure(std::shared_ptr<const config::MasterConfig> config,
                             caf::actor supervisor) {
  std::shared_ptr<const intake::Validation> validation;
  if (config) {
    auto compiled = intake::Validation::compile(config->validation);
    if (compiled) {
      validation = std::make_shared<const intake::Validation>(std::move(*compiled));
    } else {
      spdlog::error("user commands: {}; forced builds are refused", compiled.error());
    }
  }
  std::lock_guard lock(mutex_);
  config_ = std::move(config);
  validation_ = std::move(validation);
  supervisor_ = std::move(supervisor);
}

void UserCommands::on_frame(const std::shared_ptr<port::Connection>& connection,
                            const wire::Frame& frame) {
  if (!frame.has_user_command()) {
    wire::Frame error;
    error.mutable_error()->set_message("unexpected message for a user");
    connection->send(std::move(error));
    connection->close("unexpected message");
    return;
  }
  auto command = std::make_shared<const wire::UserCommand>(frame.user_command());
  // Sent from whichever thread answers: Connection::send hands it to the I/O thread.
  auto reply = [connection, command](wire::UserCommandResult result) {
    const auto& name = connection->peer().name;
    spdlog::info("user {} ({}): {} -> {}", name.empty() ? kAnonymous : name, connection->remote(),
                 command->ShortDebugString(), result.message());
    wire::Frame frame;
    *frame.mutable_user_command_result() = std::move(result);
    connection->send(std::move(frame));
  };
  const bool handed = hand_over_.post([this, connection, command, reply] {
    if (auto now = run(connection->peer().name, *command, reply)) reply(std::move(*now));
  });
  if (!handed) {
    reply(answer(false, "the master is busy (" + std::to_string(hand_over_.capacity()) +
                            " requests wait for its store); try again later"));
  }
}

void UserCommands::on_refused(const std::string& remote, const wire::Hello& hello,
                              const std::string& reason) {
  spdlog::warn("refused user '{}' from {}: {}", hello.name(), remote, reason);
}

wire::UserCommandResult UserCommands::run(const std::string& user,
                                          const wire::UserCommand& command) {
  std::promise<wire::UserCommandResult> result;
  auto answered = result.get_future();
  auto now =
      run(user, command, [&result](wire::UserCommandResult r) { result.set_value(std::move(r)); });
  return now ? std::move(*now) : answered.get();
}

std::optional<wire::UserCommandResult> UserCommands::run(const std::string& user,
                                                         const wire::UserCommand& command,
                                                         const Answer& later) {
  return run(user, command, ForceAnswer([later](wire::UserCommandResult result, ForcedBuildset) {
               later(std::move(result));
             }));
}

std::optional<wire::UserCommandResult> UserCommands::run(const std::string& user,
                                                         const wire::UserCommand& command,
                                                         const ForceAnswer& later) {
  std::shared_ptr<const config::MasterConfig> config;
  {
    std::lock_guard lock(mutex_);
    config = config_;
  }
  if (!config) return answer(false, "the master is not ready");
  const char* action = command.has_stop_build()       ? "stop_build"
                       : command.has_cancel_request() ? "cancel_pending_build"
                       : command.has_shutdown_slave() ? "graceful_shutdown"
                       : command.has_force_build()    ? "force_build"
                                                      : nullptr;
  if (!action) return answer(false, "unknown command");
  // An anonymous user (the port let it in because some action is open to anyone) is
  // allowed exactly what web.authz gives "anyone"; events record it as "anonymous".
  const std::string who = user.empty() ? std::string(kAnonymous) : user;
  if (!authorised(config->web, user, action)) {
    if (user.empty()) {
      return answer(false, std::string("anonymous users may not ") + action +
                               " (web.authz): give --auth-file, EVENTBOT_AUTH or --auth USER");
    }
    return answer(false, "user '" + user + "' may not " + action + " (web.authz)");
  }
  if (command.has_stop_build()) return stop_build(who, command.stop_build());
  if (command.has_cancel_request()) return cancel_request(who, command.cancel_request());
  if (command.has_shutdown_slave()) {
    return shutdown_slave(who, command.shutdown_slave(), *config);
  }
  force_build(who, command.force_build(), later);
  return std::nullopt;
}

wire::UserCommandResult UserCommands::stop_build(const std::string& user,
                                                 const wire::StopBuild& command) {
  const auto stream = streams::build(command.builder(), command.number());
  StreamVersion version;
  auto last = last_event(log_, stream, version);
  const auto name = command.builder() + " #" + std::to_string(command.number());
  if (auto reason = intake::check_reason(command.reason()); !reason) {
    return answer(false, reason.error());
  }
  if (!last) return answer(false, "no build " + name);
  if (last->has_build_finished()) return answer(false, "build " + name + " has finished");
  auto appended = append_one(stream, version, [&](events::Envelope& event) {
    auto* body = event.mutable_build_stop_requested();
    body->set_builder(command.builder());
    body->set_build_number(command.number());
    body->set_who(user);
    body->set_reason(command.reason());
  });
  if (!appended) {
    return answer(false, "build " + name + " changed meanwhile (" + appended.error().message +
                             "); try again");
  }
  return answer(true, "stop of build " + name + " requested");
}

wire::UserCommandResult UserCommands::cancel_request(const std::string& user,
                                                     const wire::CancelRequest& command) {
  const auto stream = streams::build_request(command.request_id());
  StreamVersion version;
  auto last = last_event(log_, stream, version);
  const auto name = "request " + std::to_string(command.request_id());
  if (auto reason = intake::check_reason(command.reason()); !reason) {
    return answer(false, reason.error());
  }
  if (!last) return answer(false, "no " + name);
  if (!last->has_build_request_submitted() && !last->has_build_request_unclaimed()) {
    return answer(false, name + " is not pending (a build took it, or it is done)");
  }
  // Expecting the version read: a claim in between makes this fail, never both.
  auto appended = append_one(stream, version, [&](events::Envelope& event) {
    auto* body = event.mutable_build_request_cancelled();
    body->set_request_id(command.request_id());
    body->set_who(user);
    body->set_reason(command.reason());
  });
  if (!appended) {
    return answer(false, name + " was claimed meanwhile; stop its build instead");
  }
  return answer(true, name + " cancelled");
}

wire::UserCommandResult UserCommands::shutdown_slave(const std::string& user,
                                                     const wire::ShutdownSlave& command,
                                                     const config::MasterConfig& config) {
  if (std::none_of(config.slaves.begin(), config.slaves.end(),
                   [&](const auto& s) { return s.name == command.slave(); })) {
    return answer(false, "no slave named '" + command.slave() + "'");
  }
  auto appended =
      append_one(streams::slave(command.slave()), std::nullopt, [&](events::Envelope& event) {
        event.mutable_slave_shutdown_requested()->set_slave(command.slave());
        event.mutable_slave_shutdown_requested()->set_who(user);
      });
  if (!appended) {
    return answer(false, "not recorded: " + appended.error().message);
  }
  return answer(true, "slave " + command.slave() +
                          " takes no new build and stops once its builds have ended");
}

store::StoreResult<store::AppendResult> UserCommands::append_one(
    const std::string& stream, std::optional<StreamVersion> expected,
    const std::function<void(events::Envelope&)>& fill) {
  store::AppendRequest request;
  auto& event = request.events.emplace_back();
  event.set_stream(stream);
  event.set_master_id(master_id_);
  fill(event);
  if (expected) request.expected.emplace(stream, store::ExpectedVersion::exactly(*expected));
  return log_.append(std::move(request));
}

void UserCommands::force_build(const std::string& user, const wire::ForceBuild& command,
                               ForceAnswer reply) {
  caf::actor supervisor;
  std::shared_ptr<const intake::Validation> validation;
  {
    std::lock_guard lock(mutex_);
    supervisor = supervisor_;
    validation = validation_;
  }
  if (!validation)
    return reply(answer(false, "the master's validation patterns do not compile"), {});
  if (auto valid = intake::check_force_request(*validation, command); !valid) {
    return reply(answer(false, "refused: " + valid.error()), {});
  }
  auto force = std::make_shared<schedulers::Command>(schedulers::Force{});
  auto& f = std::get<schedulers::Force>(*force);
  f.who = user;
  f.reason = command.reason();
  if (!command.branch().empty()) f.branch = command.branch();
  f.revision = command.revision();
  f.repository = command.repository();
  f.project = command.project();
  f.builders.assign(command.builders().begin(), command.builders().end());
  for (const auto& [name, value] : command.properties()) f.properties[name] = value;
  if (!supervisor) return reply(answer(false, "the master is not ready"), {});
  // No thread waits for the scheduler: a short-lived actor asks and answers when it hears
  // back, or when the deadline passes, or when the supervisor goes away (the master stops).
  system_.spawn(force_waiter, supervisor, command.scheduler(), CommandPtr(force), reply);
}

}  // namespace eventbot::master
