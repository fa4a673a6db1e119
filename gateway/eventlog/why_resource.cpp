#include "gateway/eventlog/why_resource.hpp"

#include <sstream>

#include "replay/exit_code.hpp"
#include "replay/why_command.hpp"

namespace eventbot::gateway::eventlog {

api::Reply why_reply(store::EventLog& log, const std::string& builder, std::uint32_t number) {
  replay::WhyOptions options;
  options.builder = builder;
  options.number = number;
  options.json = true;
  std::ostringstream out, err;
  const int code = replay::run_why(log, options, out, err);
  if (code != replay::kExitOk) {
    // The build is in the read models, so what failed is the reading.
    return api::error_reply(500, "the chain could not be read: " + err.str().substr(0, 500));
  }
  api::Reply reply;
  reply.body = out.str();
  while (!reply.body.empty() && reply.body.back() == '\n') reply.body.pop_back();
  return reply;
}

}  // namespace eventbot::gateway::eventlog
