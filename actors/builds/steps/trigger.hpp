#pragma once
// trigger: Buildbot's Trigger step.
//   schedulers (required: a non-empty list of Triggerable scheduler names),
//   wait_for_finish (false), update_sourcestamp (true: the sourcestamps get
//   got_revision as their revision when the build has one), always_use_latest (false;
//   true: no sourcestamps, the triggered builds take the newest revision),
//   set_properties (map; strings in values interpolated), copy_properties (list of names
//   copied with their current values; unset ones are left out).
// Properties passed on have source "Trigger". Outcome (MasterActionResult): without
// wait_for_finish, SUCCESS once submitted; with it, EXCEPTION if a triggered buildset
// ended EXCEPTION, RETRY or CANCELLED, else FAILURE if one failed, else SUCCESS (Buildbot
// 0.8.5's rule); a submission the shell could not make (unknown scheduler) is FAILURE.
#include "actors/builds/steps/params.hpp"
#include "actors/builds/steps/step_plan.hpp"

namespace eventbot::builds {

void prepare_trigger(StepParams& params, const StepContext& context, PreparedStep& step);

}  // namespace eventbot::builds
