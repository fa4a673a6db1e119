#pragma once
// master_shell_command: Buildbot's MasterShellCommand, a process the master runs.
//   command (required; list: argv, string: /bin/sh -c; interpolated), workdir (relative
//   to the master's base directory; default: it), env (map of strings, added to the
//   master's environment), timeout (none), decode_rc ({"0": "SUCCESS"}).
// The shell runs it and reports a MasterActionResult (rc, or ok=false when it could not
// start); its output may be fed to step_output like a slave's.
#include "actors/builds/steps/params.hpp"
#include "actors/builds/steps/step_plan.hpp"

namespace eventbot::builds {

void prepare_master_shell_command(StepParams& params, const StepContext& context,
                                  PreparedStep& step);

}  // namespace eventbot::builds
