#include "actors/builds/steps/git.hpp"

#include "actors/builds/steps/shell.hpp"

namespace eventbot::builds {
namespace {

class GitInterpreter final : public StepInterpreter {
 public:
  StepOutcome finish(const wire::CommandResult& result, const Properties& properties) override {
    StepOutcome outcome = StepInterpreter::finish(result, properties);
    auto it = result.values().find("got_revision");
    if (it != result.values().end() && !it->second.empty()) {
      outcome.properties.push_back(make_property("got_revision", it->second, "Git"));
    }
    return outcome;
  }
};

const events::SourceStamp* pick_sourcestamp(const StepContext& context,
                                            const std::optional<std::string>& codebase) {
  for (const auto& ss : context.sourcestamps) {
    if (ss.codebase() == codebase.value_or("")) return &ss;
  }
  if (!codebase && !context.sourcestamps.empty()) return &context.sourcestamps.front();
  return nullptr;
}

}  // namespace

void prepare_git(StepParams& params, const StepContext& context, PreparedStep& step) {
  wire::StartCommand command;
  command.set_builder(context.builder);
  wire::GitCheckoutArgs& args = *command.mutable_git();
  params.require("repourl");
  args.set_repourl(params.string("repourl").value_or(""));
  if (params.has("repourl") && args.repourl().empty()) params.error("repourl", "is empty");
  auto codebase = params.raw_string("codebase");
  const events::SourceStamp* ss = pick_sourcestamp(context, codebase);
  if (codebase && !ss && !params.validating()) {
    params.error("codebase", "the build has no sourcestamp for codebase \"" + *codebase + "\"");
  }
  const std::string default_branch = params.string("branch").value_or("master");
  args.set_branch(ss && !ss->branch().empty() ? ss->branch() : default_branch);
  const bool latest = params.boolean("always_use_latest").value_or(false);
  if (ss && !latest) args.set_revision(ss->revision());
  const std::string mode = params.raw_string("mode").value_or("incremental");
  if (mode != "incremental" && mode != "full") {
    params.error("mode", "must be \"incremental\" or \"full\", not \"" + mode + "\"");
  }
  args.set_mode(mode);
  if (auto method = params.raw_string("method")) {
    if (mode != "full") {
      params.error("method", "applies to mode full only");
    } else if (*method != "clobber" && *method != "fresh" && *method != "clean" &&
               *method != "copy") {
      params.error("method", "must be clobber, fresh, clean or copy, not \"" + *method + "\"");
    }
    args.set_method(*method);
  } else if (mode == "full") {
    args.set_method("fresh");
  }
  args.set_workdir(params.string("workdir").value_or("build"));
  args.set_timeout_s(static_cast<std::uint32_t>(
      params.integer("timeout", 1, UINT32_MAX).value_or(kDefaultTimeout)));
  args.set_submodules(params.boolean("submodules").value_or(false));
  args.set_shallow(params.boolean("shallow").value_or(false) && args.revision().empty());
  if (const auto* retry = params.json("retry"); retry && !retry->is_null()) {
    if (retry->is_number_unsigned() || retry->is_number_integer()) {
      args.set_retry_count(static_cast<std::uint32_t>(params.integer("retry", 0, 100).value_or(0)));
    } else if (retry->is_array() && retry->size() == 2 && (*retry)[1].is_number_integer() &&
               (*retry)[1].get<int>() >= 0) {
      args.set_retry_count(static_cast<std::uint32_t>((*retry)[1].get<int>()));
    } else {
      params.error("retry", "must be a count or [delay, repeats]");
    }
  }
  for (auto& entry : params.env("env").value_or(std::vector<wire::EnvEntry>{})) {
    *args.add_env() = std::move(entry);
  }
  step.plan.kind = StepPlan::Kind::remote;
  step.plan.remote = std::move(command);
  auto decode = read_decode_rc(params);
  step.interpreter = std::make_unique<GitInterpreter>();
  step.interpreter->decode_rc = decode;
  if (step.common.description.empty()) step.common.description = {"updating"};
  if (step.common.description_done.empty()) step.common.description_done = {"update"};
}

}  // namespace eventbot::builds
