#include "actors/builds/steps/master_shell.hpp"

#include "actors/builds/steps/shell.hpp"

namespace eventbot::builds {

void prepare_master_shell_command(StepParams& params, const StepContext&, PreparedStep& step) {
  MasterCommand command;
  params.require("command");
  CommandLine line = params.command("command").value_or(CommandLine{});
  command.argv = line.argv;
  command.shell = line.shell;
  command.workdir = params.string("workdir").value_or("");
  command.env = params.string_map("env").value_or(std::map<std::string, std::string>{});
  command.timeout_s =
      static_cast<std::uint32_t>(params.integer("timeout", 1, UINT32_MAX).value_or(0));
  step.interpreter->decode_rc = read_decode_rc(params);
  step.plan.kind = StepPlan::Kind::master_command;
  step.plan.master_command = std::move(command);
  if (step.common.description.empty()) step.common.description = {"running"};
  if (step.common.description_done.empty()) step.common.description_done = {"ran"};
}

}  // namespace eventbot::builds
