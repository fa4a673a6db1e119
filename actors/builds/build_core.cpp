#include "actors/builds/build_core.hpp"

#include "actors/builds/steps/step_types.hpp"

namespace eventbot::builds {

struct BuildCore::Running {
  std::uint32_t index = 0;
  std::unique_ptr<PreparedStep> prepared;  // null: could not be prepared again (rebuild)
  bool interrupted = false;                // a stop came while it ran
};

BuildCore::BuildCore(BuildSetup setup) : setup_(std::move(setup)) {
  for (const auto& step : setup_.builder.steps) common_.push_back(common_options(step));
  std::vector<events::Property> all = setup_.properties;
  Properties standard;
  set_standard_properties(
      standard,
      StandardProperties{
          setup_.builder.name, setup_.build_number, setup_.slave, setup_.slave_builder_dir,
          setup_.sourcestamps.empty() ? std::nullopt : std::optional(setup_.sourcestamps.front())});
  for (auto& p : standard.to_events()) all.push_back(std::move(p));
  for (const auto& [name, value] : setup_.builder.properties) {
    events::Property p;
    p.set_name(name);
    p.set_value_json(value);
    p.set_source(std::string(kSourceBuilder));
    all.push_back(std::move(p));
  }
  properties_ = Properties::layered(all);
}

BuildCore::~BuildCore() = default;
BuildCore::BuildCore(BuildCore&&) noexcept = default;
BuildCore& BuildCore::operator=(BuildCore&&) noexcept = default;

events::BuildStarted BuildCore::started() const {
  events::BuildStarted body;
  body.set_builder(setup_.builder.name);
  body.set_number(setup_.build_number);
  body.set_slave(setup_.slave);
  for (auto& p : properties_.to_events()) *body.add_properties() = std::move(p);
  return body;
}

StepContext BuildCore::context() const {
  StepContext context;
  context.builder = setup_.builder.name;
  context.builder_env = setup_.builder.env;
  context.sourcestamps = setup_.sourcestamps;
  return context;
}

events::StepStarted BuildCore::step_started_body(
    std::uint32_t index, const std::vector<std::string>& description) const {
  events::StepStarted body;
  body.set_builder(setup_.builder.name);
  body.set_build_number(setup_.build_number);
  body.set_step_index(index);
  body.set_name(setup_.builder.steps[index].name);
  for (const auto& word : description) body.add_description(word);
  return body;
}

events::StepFinished BuildCore::step_finished_body(std::uint32_t index, Result result,
                                                   const std::vector<std::string>& text,
                                                   bool hidden) const {
  events::StepFinished body;
  body.set_builder(setup_.builder.name);
  body.set_build_number(setup_.build_number);
  body.set_step_index(index);
  body.set_result(result);
  for (const auto& word : text) body.add_description_done(word);
  body.set_hidden(hidden);
  return body;
}

BuildAction BuildCore::next() {
  if (finished_) return FinishBuild{*finished_};
  if (running_) return WaitForStep{running_->index};
  const auto& steps = setup_.builder.steps;
  while (!lost_ && next_index_ < steps.size()) {
    const std::uint32_t index = next_index_;
    const CommonOptions& common = common_[index];
    if ((halted_ || stopped_) && !common.always_run) {
      ++next_index_;  // Buildbot records nothing for the steps a halt passes over
      continue;
    }
    StartStep start;
    start.index = index;
    if (!common.do_step_if.evaluate(properties_)) {
      start.started = step_started_body(index, common.description.empty()
                                                   ? std::vector<std::string>{steps[index].name}
                                                   : common.description);
      start.plan.kind = StepPlan::Kind::skip;
      std::vector<std::string> text = common.description_done.empty()
                                          ? std::vector<std::string>{steps[index].name}
                                          : common.description_done;
      text.emplace_back("skipped");
      start.finished = step_finished_body(
          index, events::SKIPPED, text, common.hide_step_if.evaluate(properties_, events::SKIPPED));
      on_step_started(start.started, nullptr);
      on_step_finished(*start.finished);
      return start;
    }
    auto prepared = prepare_step(steps[index], properties_, context());
    if (!prepared) {
      start.started = step_started_body(index, {steps[index].name});
      start.plan.kind = StepPlan::Kind::skip;
      std::vector<std::string> text = {steps[index].name, "exception"};
      for (const auto& error : prepared.error()) text.push_back(error);
      start.finished =
          step_finished_body(index, events::EXCEPTION, text,
                             common.hide_step_if.evaluate(properties_, events::EXCEPTION));
      on_step_started(start.started, nullptr);
      on_step_finished(*start.finished);
      return start;
    }
    auto running = std::make_unique<Running>();
    running->index = index;
    running->prepared = std::make_unique<PreparedStep>(std::move(*prepared));
    start.started = step_started_body(index, running->prepared->common.description);
    start.plan = running->prepared->plan;
    on_step_started(start.started, std::move(running));
    return start;
  }
  events::BuildFinished body;
  body.set_builder(setup_.builder.name);
  body.set_number(setup_.build_number);
  body.set_result(result_);
  if (result_ == events::SUCCESS) {
    body.add_text("build");
    body.add_text("successful");
  } else {
    body.add_text(std::string(result_word(result_)));
    for (const auto& name : failed_steps_) body.add_text(name);
  }
  on_finished(body);
  return FinishBuild{body};
}

AbortedBuild BuildCore::abort(const std::string& why) {
  AbortedBuild out;
  if (running_) {
    out.step = step_finished_body(running_->index, events::EXCEPTION, {"exception", why}, false);
  }
  out.finished.set_builder(setup_.builder.name);
  out.finished.set_number(setup_.build_number);
  out.finished.set_result(events::EXCEPTION);
  out.finished.add_text("exception");
  out.finished.add_text(why);
  on_finished(out.finished);
  return out;
}

void BuildCore::step_output(std::uint32_t index, const wire::Output& output) {
  if (!running_ || running_->index != index || !running_->prepared) return;
  running_->prepared->interpreter->output(output);
}

StepDone BuildCore::complete(std::uint32_t index, StepOutcome outcome) {
  if (running_ && running_->interrupted && outcome.result != events::SUCCESS &&
      outcome.result != events::WARNINGS && outcome.result != events::RETRY) {
    outcome.result = events::CANCELLED;
    if (outcome.text.empty() || outcome.text.back() != "cancelled") {
      outcome.text.emplace_back("cancelled");
    }
  }
  StepDone done;
  // hide_step_if sees the properties the step set.
  Properties after = properties_;
  for (const auto& p : outcome.properties) after.apply(p);
  const bool hidden = common_[index].hide_step_if.evaluate(after, outcome.result);
  done.finished = step_finished_body(index, outcome.result, outcome.text, hidden);
  for (const auto& url : outcome.urls) *done.finished.add_urls() = url;
  for (const auto& [key, value] : outcome.statistics) {
    (*done.finished.mutable_statistics())[key] = value;
  }
  if (!outcome.properties.empty()) {
    events::BuildPropertiesSet set;
    set.set_builder(setup_.builder.name);
    set.set_build_number(setup_.build_number);
    for (const auto& p : outcome.properties) *set.add_properties() = p;
    done.properties = std::move(set);
  }
  done.logs = std::move(outcome.logs);
  on_step_finished(done.finished);
  if (done.properties) on_properties_set(*done.properties);
  done.halt = halted_ || lost_;
  return done;
}

std::optional<StepDone> BuildCore::step_done(std::uint32_t index,
                                             const wire::CommandResult& result) {
  if (!running_ || running_->index != index) return std::nullopt;
  StepInterpreter fallback;
  fallback.description_done = {setup_.builder.steps[index].name};
  StepInterpreter& interpreter = running_->prepared ? *running_->prepared->interpreter : fallback;
  return complete(index, interpreter.finish(result, properties_));
}

std::optional<StepDone> BuildCore::step_done(std::uint32_t index,
                                             const MasterActionResult& result) {
  if (!running_ || running_->index != index) return std::nullopt;
  StepInterpreter fallback;
  fallback.description_done = {setup_.builder.steps[index].name};
  StepInterpreter& interpreter = running_->prepared ? *running_->prepared->interpreter : fallback;
  return complete(index, interpreter.finish_master(result, properties_));
}

std::optional<StopDecision> BuildCore::stop(const std::string& who, const std::string& reason) {
  if (finished_ || stopped_) return std::nullopt;
  StopDecision decision;
  decision.requested.set_builder(setup_.builder.name);
  decision.requested.set_build_number(setup_.build_number);
  decision.requested.set_who(who);
  decision.requested.set_reason(reason);
  if (running_) decision.interrupt = running_->index;
  on_stop(decision.requested);
  return decision;
}

SlaveLoss BuildCore::slave_lost() {
  SlaveLoss loss;
  if (finished_) return loss;
  if (!running_) {
    auto& lost = loss.between_steps.emplace();
    lost.set_builder(setup_.builder.name);
    lost.set_build_number(setup_.build_number);
    lost.set_slave(setup_.slave);
    on_slave_lost();
    return loss;
  }
  const std::uint32_t index = running_->index;
  StepOutcome outcome;
  outcome.result = events::RETRY;
  const auto& done =
      running_->prepared ? running_->prepared->common.description_done : std::vector<std::string>{};
  outcome.text = done.empty() ? std::vector<std::string>{setup_.builder.steps[index].name} : done;
  outcome.text.emplace_back("lost");
  outcome.text.emplace_back("slave");
  loss.step = complete(index, std::move(outcome));
  return loss;
}

void BuildCore::on_slave_lost() {
  lost_ = true;
  result_ = worst(result_, events::RETRY);
}

std::optional<BuildCore::RunningStep> BuildCore::running_step() const {
  if (!running_) return std::nullopt;
  return RunningStep{running_->index, running_->prepared ? &running_->prepared->plan : nullptr};
}

// --- the fold ----------------------------------------------------------------------

void BuildCore::evolve(const events::Envelope& envelope) {
  switch (envelope.body_case()) {
    case events::Envelope::kBuildStarted:
      if (envelope.build_started().number() == setup_.build_number) {
        on_build_started(envelope.build_started());
      }
      break;
    case events::Envelope::kStepStarted: {
      const auto& body = envelope.step_started();
      if (body.build_number() != setup_.build_number ||
          body.step_index() >= setup_.builder.steps.size()) {
        break;
      }
      auto running = std::make_unique<Running>();
      running->index = body.step_index();
      auto prepared = prepare_step(setup_.builder.steps[body.step_index()], properties_, context());
      if (prepared) running->prepared = std::make_unique<PreparedStep>(std::move(*prepared));
      running->interrupted = stopped_;
      on_step_started(body, std::move(running));
      break;
    }
    case events::Envelope::kStepFinished:
      if (envelope.step_finished().build_number() == setup_.build_number &&
          envelope.step_finished().step_index() < setup_.builder.steps.size()) {
        on_step_finished(envelope.step_finished());
      }
      break;
    case events::Envelope::kBuildPropertiesSet:
      if (envelope.build_properties_set().build_number() == setup_.build_number) {
        on_properties_set(envelope.build_properties_set());
      }
      break;
    case events::Envelope::kBuildSlaveLost:
      if (envelope.build_slave_lost().build_number() == setup_.build_number) on_slave_lost();
      break;
    case events::Envelope::kBuildStopRequested:
      if (envelope.build_stop_requested().build_number() == setup_.build_number) {
        on_stop(envelope.build_stop_requested());
      }
      break;
    case events::Envelope::kBuildFinished:
      if (envelope.build_finished().number() == setup_.build_number) {
        on_finished(envelope.build_finished());
      }
      break;
    default:
      break;
  }
}

void BuildCore::on_build_started(const events::BuildStarted& body) {
  if (body.properties_size() == 0) return;
  Properties props;
  for (const auto& p : body.properties()) props.apply(p);
  properties_ = std::move(props);
}

void BuildCore::on_step_started(const events::StepStarted& body, std::unique_ptr<Running> running) {
  if (!running) {
    running = std::make_unique<Running>();
    running->index = body.step_index();
  }
  running_ = std::move(running);
  next_index_ = body.step_index() + 1;
}

void BuildCore::on_step_finished(const events::StepFinished& body) {
  const std::uint32_t index = body.step_index();
  const StepEffect effect = apply_step_result(result_, body.result(), common_[index].flags);
  result_ = effect.build_result;
  halted_ = halted_ || effect.halt;
  if (body.result() == events::RETRY) lost_ = true;
  if (severity(effect.counted) >= severity(events::FAILURE)) {
    failed_steps_.push_back(setup_.builder.steps[index].name);
  }
  if (running_ && running_->index == index) running_.reset();
  if (next_index_ <= index) next_index_ = index + 1;
}

void BuildCore::on_properties_set(const events::BuildPropertiesSet& body) {
  for (const auto& p : body.properties()) properties_.apply(p);
}

void BuildCore::on_stop(const events::BuildStopRequested&) {
  stopped_ = true;
  result_ = worst(result_, events::CANCELLED);
  if (running_) running_->interrupted = true;
}

void BuildCore::on_finished(const events::BuildFinished& body) {
  finished_ = body;
  result_ = body.result();
  running_.reset();
}

}  // namespace eventbot::builds
