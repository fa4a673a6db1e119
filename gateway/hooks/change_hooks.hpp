#pragma once
// The gateway's /change_hook/<dialect> endpoint: a POST from a hook that master.yaml's
// web.change_hooks enables (else 404) is checked (GitHub's signature, GitLab's token:
// else 403), parsed (base_hook, github_hook, gitlab_hook: else 400 or 415), its changes
// checked as sendchange's are (the validation patterns: else 400), then recorded in one
// append to the `changes` stream, as `eventbot sendchange` records them; the answer
// (200 and the change ids) comes once they are durable. On any error nothing is
// recorded. It runs on a worker thread of the HTTP server (its Offload), so the append
// never holds the I/O thread.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "actors/config/master_config.hpp"
#include "gateway/api/reply.hpp"
#include "gateway/http/http_server.hpp"
#include "store/event_log.hpp"

namespace eventbot::gateway::hooks {

class ChangeHooks {
 public:
  explicit ChangeHooks(store::EventLog& log);
  ~ChangeHooks();

  // The hooks, their secrets and the validation patterns in force (start, reconfig).
  void configure(const config::MasterConfig& config);

  // A request for /change_hook/<dialect>; `query` is the text after '?'.
  api::Reply handle(std::string_view dialect, std::string_view query,
                    const http::HttpRequest& request);

 private:
  struct State;
  store::EventLog& log_;
  std::mutex mutex_;
  std::shared_ptr<const State> state_;
};

}  // namespace eventbot::gateway::hooks
