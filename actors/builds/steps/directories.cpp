#include "actors/builds/steps/directories.hpp"

namespace eventbot::builds {
namespace {

wire::PathArgs read_paths(StepParams& params) {
  wire::PathArgs args;
  params.require("dir");
  for (const auto& dir : params.string_list("dir").value_or(std::vector<std::string>{})) {
    if (dir.empty()) params.error("dir", "names an empty directory");
    args.add_paths(dir);
  }
  if (params.has("dir") && args.paths_size() == 0) params.error("dir", "is an empty list");
  return args;
}

}  // namespace

void prepare_remove_directory(StepParams& params, const StepContext& context, PreparedStep& step) {
  wire::StartCommand command;
  command.set_builder(context.builder);
  *command.mutable_rmdir() = read_paths(params);
  step.plan.kind = StepPlan::Kind::remote;
  const bool own_description = !step.common.description.empty();
  const bool own_done = !step.common.description_done.empty();
  if (!own_description) step.common.description = {"removing"};
  if (!own_done) step.common.description_done = {"removed"};
  for (const auto& path : command.rmdir().paths()) {
    if (!own_description) step.common.description.push_back(path);
    if (!own_done) step.common.description_done.push_back(path);
  }
  step.plan.remote = std::move(command);
}

void prepare_make_directory(StepParams& params, const StepContext& context, PreparedStep& step) {
  wire::StartCommand command;
  command.set_builder(context.builder);
  *command.mutable_mkdir() = read_paths(params);
  step.plan.kind = StepPlan::Kind::remote;
  const bool own_description = !step.common.description.empty();
  const bool own_done = !step.common.description_done.empty();
  if (!own_description) step.common.description = {"creating"};
  if (!own_done) step.common.description_done = {"created"};
  for (const auto& path : command.mkdir().paths()) {
    if (!own_description) step.common.description.push_back(path);
    if (!own_done) step.common.description_done.push_back(path);
  }
  step.plan.remote = std::move(command);
}

}  // namespace eventbot::builds
