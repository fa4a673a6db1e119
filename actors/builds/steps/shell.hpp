#pragma once
// ShellCommand and the steps built on it: `shell`, `configure` (and the shared reading of
// a shell command's parameters that compile, test and set_property_from_command use).
//
// Parameters: command (list: argv; string: /bin/sh -c), workdir ("build"), env (map;
// null unsets, a list joins with ':'; over the builder's env), want_stdout (true),
// want_stderr (true), logfiles (name -> file, or {filename, follow}), lazy_logfiles
// (false), use_pty (false), timeout (1200 s without output; null: none), max_time (none),
// decode_rc ({"0": "SUCCESS"}; other rc: FAILURE), interrupt_signal ("KILL"),
// sigterm_time (none), log_environ (true).
#include <string>
#include <vector>

#include "actors/builds/steps/params.hpp"
#include "actors/builds/steps/step_plan.hpp"

namespace eventbot::builds {

inline constexpr std::uint32_t kDefaultTimeout = 1200;

// Buildbot's ShellCommand.describe: "'make" "all'" for ["make", "all"]; three words or
// more end with "...'" after the second.
std::vector<std::string> describe_command(const CommandLine& command);

// Reads the ShellCommand parameters. `default_command` is used when `command` is absent
// (empty: the command is required). Sets the interpreter's decode_rc, the plan's remote
// command and lazy_logfiles, and the description defaults from the command.
void read_shell(StepParams& params, const StepContext& context,
                const std::vector<std::string>& default_command, PreparedStep& step);

void prepare_shell(StepParams& params, const StepContext& context, PreparedStep& step);
void prepare_configure(StepParams& params, const StepContext& context, PreparedStep& step);

// decode_rc as the config writes it: {"0": "SUCCESS", "1": "WARNINGS", ...}.
DecodeRc read_decode_rc(StepParams& params);

}  // namespace eventbot::builds
