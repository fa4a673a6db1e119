#pragma once
// git: Buildbot's master-side Git step, run by the slave's git command.
//
// Parameters: repourl (required, interpolated), branch (the build's sourcestamp branch
// when it has one, else this, else "master"), mode ("incremental" | "full"; default
// incremental), method (full only: "clobber" | "fresh" | "clean" | "copy"; default
// fresh), submodules (false), shallow (false; ignored when a revision is asked for, as
// the manual says), retry (a count, or Buildbot's [delay, repeats]: repeats is the
// count), timeout (1200), env, workdir ("build"), codebase (which sourcestamp to check
// out; default the one with codebase "", else the first), always_use_latest (false:
// the sourcestamp's revision; true: the branch's head).
//
// Outcome: the command's result; the property got_revision (source "Git") from the
// command's values["got_revision"].
#include "actors/builds/steps/params.hpp"
#include "actors/builds/steps/step_plan.hpp"

namespace eventbot::builds {

void prepare_git(StepParams& params, const StepContext& context, PreparedStep& step);

}  // namespace eventbot::builds
