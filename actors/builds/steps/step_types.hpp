#pragma once
// Every step type Eventbot knows, by the name master.yaml gives it, and the two ways to
// read a StepConfig: validate it (checkconfig) or prepare it for a running build.
//
// Common parameters (every type): halt_on_failure, flunk_on_failure, warn_on_failure,
// flunk_on_warnings, warn_on_warnings, always_run (false), do_step_if (true),
// hide_step_if (false) — a boolean or a condition (conditions.hpp) — description and
// description_done (a string or a list of words). Per-type defaults of the flags follow
// Buildbot: configure, compile and git halt on failure; test warns on failure.
#include <string>
#include <vector>

#include "actors/builds/steps/step_plan.hpp"
#include "actors/config/master_config.hpp"
#include "common/expected.hpp"

namespace eventbot::builds {

// "shell", "configure", "compile", "test", "set_property", "set_property_from_command",
// "git", "file_upload", "file_download", "directory_upload", "string_download",
// "remove_directory", "make_directory", "master_shell_command", "trigger".
std::vector<std::string> step_types();

// The errors of one step's configuration (unknown type, unknown or ill-typed parameter,
// a malformed %(...)s, a condition that does not parse); empty when it is fine.
std::vector<std::string> validate_step(const config::StepConfig& step);

// The step made concrete with the build's current properties. Errors (a property that an
// interpolation needs is not set, ...) make the step an EXCEPTION.
Expected<PreparedStep, std::vector<std::string>> prepare_step(const config::StepConfig& step,
                                                              const Properties& properties,
                                                              const StepContext& context);

// Only the common parameters (conditions, flags, descriptions); never fails: a step whose
// configuration is broken gets the defaults. BuildCore uses it to decide on a step
// before preparing it.
CommonOptions common_options(const config::StepConfig& step);

}  // namespace eventbot::builds
