#include "gateway/readmodel/build_detail.hpp"

#include <algorithm>

#include "events/streams.hpp"
#include "gateway/readmodel/joined.hpp"

namespace eventbot::gateway::readmodel {
namespace {}  // namespace

std::string slug_of(const std::string& name) {
  std::string slug = name;
  for (auto& c : slug) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
    if (!keep) c = '_';
  }
  return slug;
}

const StepDetail* BuildDetail::step(std::uint32_t number) const {
  auto at = std::lower_bound(steps_.begin(), steps_.end(), number,
                             [](const StepDetail& s, std::uint32_t n) { return s.number < n; });
  return at != steps_.end() && at->number == number ? &*at : nullptr;
}

StepDetail* BuildDetail::mutable_step(std::uint32_t number) {
  return const_cast<StepDetail*>(step(number));
}

void BuildDetail::evolve(const events::Envelope& e) {
  auto set_properties = [&](const auto& properties) {
    for (const auto& p : properties) properties_[p.name()] = {p.value_json(), p.source()};
  };
  switch (e.body_case()) {
    case events::Envelope::kBuildStarted:
      set_properties(e.build_started().properties());
      break;
    case events::Envelope::kBuildPropertiesSet:
      set_properties(e.build_properties_set().properties());
      break;
    case events::Envelope::kStepStarted: {
      const auto& s = e.step_started();
      if (step(s.step_index())) break;
      StepDetail detail;
      detail.number = s.step_index();
      detail.name = s.name();
      detail.state_string = s.description().empty() ? "running" : joined(s.description());
      detail.started_us = e.time_us();
      auto at = std::lower_bound(steps_.begin(), steps_.end(), detail.number,
                                 [](const StepDetail& d, std::uint32_t n) { return d.number < n; });
      steps_.insert(at, std::move(detail));
      break;
    }
    case events::Envelope::kLogOpened: {
      const auto& l = e.log_opened();
      auto* detail = mutable_step(l.step_index());
      if (!detail) break;
      for (const auto& log : detail->logs) {
        if (log.name == l.name()) return;
      }
      detail->logs.push_back(
          {l.name(), slug_of(l.name()), streams::log(builder_, number_, l.step_index(), l.name())});
      break;
    }
    case events::Envelope::kStepFinished: {
      const auto& f = e.step_finished();
      auto* detail = mutable_step(f.step_index());
      if (!detail || detail->complete) break;
      detail->complete = true;
      detail->complete_us = e.time_us();
      detail->results = f.result();
      detail->hidden = f.hidden();
      if (!f.description_done().empty()) detail->state_string = joined(f.description_done());
      for (const auto& url : f.urls()) detail->urls.emplace_back(url.name(), url.url());
      break;
    }
    default:
      break;
  }
}

}  // namespace eventbot::gateway::readmodel
