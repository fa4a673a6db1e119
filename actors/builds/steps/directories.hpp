#pragma once
// remove_directory and make_directory (Buildbot's RemoveDirectory, MakeDirectory): dir
// (required; a string or a list, interpolated) relative to the builder's directory on
// the slave, as Buildbot's slave commands take it (not to a workdir). Remote commands
// rmdir and mkdir; the result is the command's.
#include "actors/builds/steps/params.hpp"
#include "actors/builds/steps/step_plan.hpp"

namespace eventbot::builds {

void prepare_remove_directory(StepParams& params, const StepContext& context, PreparedStep& step);
void prepare_make_directory(StepParams& params, const StepContext& context, PreparedStep& step);

}  // namespace eventbot::builds
