#pragma once
// The actions of /api/v2 (JSON-RPC 2.0 POSTs, json_rpc.hpp): a force scheduler's
// `force`, a build's `stop` and `rebuild`, a build request's `cancel`, a worker's
// `graceful_shutdown`. Ids are resolved from the read models; each action is checked
// against web.authz and then run as the command line's user command would be (the
// master's UserCommands: one conditional append each), off the I/O thread; the answer
// goes back through the request's answer_later.
#include <functional>
#include <string>
#include <vector>

#include "actors/master/forced_buildset.hpp"
#include "events/wire.pb.h"
#include "gateway/api/api.hpp"
#include "gateway/api/reply.hpp"
#include "gateway/auth/auth_service.hpp"
#include "gateway/http/http_server.hpp"
#include "store/event_log.hpp"

namespace eventbot::gateway::actions {

// Runs a user command as `user` (already authorised by web.authz; the runner checks
// again) and answers through `answer`, once, from any thread, with what a forced build
// submitted (nothing for the other commands).
using CommandAnswer = std::function<void(wire::UserCommandResult, master::ForcedBuildset)>;
using CommandRunner = std::function<void(const std::string& user, const wire::UserCommand& command,
                                         CommandAnswer answer)>;

class Actions {
 public:
  Actions(const api::ModelView& model, store::EventLog& log, auth::AuthService& auth,
          CommandRunner run)
      : model_(model), log_(log), auth_(auth), run_(std::move(run)) {}

  // A POST to /api/v2/<path> by `who`.
  api::Reply post(const http::HttpRequest& request, const std::vector<std::string>& path,
                  const auth::Identity& who) const;

 private:
  const api::ModelView& model_;
  store::EventLog& log_;
  auth::AuthService& auth_;
  CommandRunner run_;
};

}  // namespace eventbot::gateway::actions
