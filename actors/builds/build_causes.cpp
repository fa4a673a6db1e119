#include "actors/builds/build_causes.hpp"

#include <optional>

#include "events/snapshots.pb.h"
#include "events/streams.hpp"

namespace eventbot::builds {
namespace {

std::string log_stream(const events::LogOpened& opened) {
  return streams::log(opened.builder(), opened.build_number(), opened.step_index(), opened.name());
}

}  // namespace

void BuildCauses::evolve(const events::Envelope& event) {
  if (event.has_build_started()) {
    build_ = events::Cause::of(event);
  } else if (event.has_step_started()) {
    steps_[event.step_started().step_index()] = events::Cause::of(event);
  } else if (event.has_log_opened()) {
    log_steps_[log_stream(event.log_opened())] = event.log_opened().step_index();
  }
}

events::Cause BuildCauses::step(std::int32_t step) const {
  if (step < 0) return build_;
  auto it = steps_.find(static_cast<std::uint32_t>(step));
  return it == steps_.end() ? build_ : it->second;
}

BuildAppendLinks BuildCauses::link(std::vector<events::Envelope>& batch,
                                   std::int32_t running_step) {
  BuildAppendLinks links;
  std::map<std::uint32_t, std::size_t> started_here;  // step -> index of its StepStarted
  std::optional<std::size_t> finished_here;
  auto by_step = [&](std::size_t index, std::int64_t step) {
    if (step >= 0) {
      auto here = started_here.find(static_cast<std::uint32_t>(step));
      if (here != started_here.end()) {
        links.caused_in_batch[index] = here->second;
        return;
      }
    }
    events::link_to(batch[index], this->step(static_cast<std::int32_t>(step)));
  };
  // The step that events naming none belong to: the running one, until the batch itself
  // ends a step (its StepFinished) or starts one. A batch may carry one step's end and the
  // next step's start (the build actor appends them together).
  std::int64_t current = running_step;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& event = batch[i];
    if (event.has_log_opened())
      log_steps_[log_stream(event.log_opened())] = event.log_opened().step_index();
    const auto here = current;
    if (event.has_step_finished()) current = event.step_finished().step_index();
    if (event.has_step_started()) current = event.step_started().step_index();
    if (events::linked(event)) continue;
    switch (event.body_case()) {
      case events::Envelope::kStepStarted:
        started_here[event.step_started().step_index()] = i;
        links.step_starts.emplace_back(i, event.step_started().step_index());
        events::link_to(event, build_);
        break;
      case events::Envelope::kBuildFinished:
        finished_here = i;
        events::link_to(event, build_);
        break;
      case events::Envelope::kBuildRequestCompleted:
      case events::Envelope::kBuildRequestUnclaimed:
        if (finished_here) {
          links.caused_in_batch[i] = *finished_here;
        } else {
          events::link_to(event, build_);
        }
        break;
      case events::Envelope::kStepFinished:
        by_step(i, event.step_finished().step_index());
        break;
      case events::Envelope::kStepCommandSent:
        by_step(i, event.step_command_sent().step_index());
        break;
      case events::Envelope::kLogOpened:
        by_step(i, event.log_opened().step_index());
        break;
      case events::Envelope::kLockAcquired:
        by_step(i, event.lock_acquired().step_index());
        break;
      case events::Envelope::kLockReleased:
        by_step(i, event.lock_released().step_index());
        break;
      case events::Envelope::kLogChunk:
      case events::Envelope::kLogClosed: {
        auto owner = log_steps_.find(event.stream());
        by_step(i, owner != log_steps_.end() ? std::int64_t{owner->second} : here);
        break;
      }
      default:
        by_step(i, here);
        break;
    }
  }
  return links;
}

void BuildCauses::appended(const BuildAppendLinks& links, std::uint64_t first_sequence) {
  for (const auto& [index, step] : links.step_starts) {
    steps_[step] = events::Cause{first_sequence + index, build_.chain()};
  }
}

void BuildCauses::save(snapshots::BuildCausesRecord& out) const {
  out.mutable_build()->set_sequence(build_.sequence);
  out.mutable_build()->set_correlation(build_.correlation);
  for (const auto& [step, cause] : steps_) {
    auto& record = *out.add_steps();
    record.set_step(step);
    record.mutable_cause()->set_sequence(cause.sequence);
    record.mutable_cause()->set_correlation(cause.correlation);
  }
  for (const auto& [stream, step] : log_steps_) {
    auto& record = *out.add_log_steps();
    record.set_stream(stream);
    record.set_step(step);
  }
}

BuildCauses BuildCauses::restored(const snapshots::BuildCausesRecord& in) {
  BuildCauses causes({in.build().sequence(), in.build().correlation()});
  for (const auto& record : in.steps()) {
    causes.steps_[record.step()] = {record.cause().sequence(), record.cause().correlation()};
  }
  for (const auto& record : in.log_steps()) causes.log_steps_[record.stream()] = record.step();
  return causes;
}

}  // namespace eventbot::builds
