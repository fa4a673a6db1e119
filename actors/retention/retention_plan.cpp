#include "actors/retention/retention_plan.hpp"

#include <algorithm>
#include <charconv>

#include "events/streams.hpp"

namespace eventbot::retention {
namespace {

constexpr std::int64_t kDayUs = 86'400LL * 1'000'000;

std::uint32_t number_of(const std::string& text) {
  std::uint32_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

void RetentionFold::evolve(const events::Envelope& event) {
  if (event.has_build_started()) {
    const auto& started = event.build_started();
    auto& build = builds_[{started.builder(), started.number()}];
    build.builder = started.builder();
    build.number = started.number();
  } else if (event.has_build_finished()) {
    const auto& finished = event.build_finished();
    auto it = builds_.find({finished.builder(), finished.number()});
    if (it != builds_.end()) it->second.finished_us = event.time_us();
  } else if (event.has_log_chunk()) {
    // log/<builder>/<number>/<step>/<name>
    auto parts = streams::parts_of(event.stream());
    if (parts.size() < 2) return;
    auto it = builds_.find({parts[0], number_of(parts[1])});
    if (it == builds_.end()) return;
    auto& build = it->second;
    ++build.log_chunks;
    build.log_bytes += event.log_chunk().size();
    if (std::find(build.logs.begin(), build.logs.end(), event.stream()) == build.logs.end()) {
      build.logs.push_back(event.stream());
    }
  } else if (event.has_change_added()) {
    ++changes_;
  }
}

RetentionPlan plan_retention(const config::Horizons& horizons, const RetentionFold& fold,
                             std::int64_t now_us) {
  RetentionPlan plan;
  // Each builder's builds, oldest first (as the map holds them).
  std::map<std::string, std::vector<const BuildFacts*>> by_builder;
  for (const auto& [key, build] : fold.builds()) by_builder[key.first].push_back(&build);
  for (auto& [builder, builds] : by_builder) {
    const std::size_t count = builds.size();
    for (std::size_t i = 0; i < count; ++i) {
      const BuildFacts& build = *builds[i];
      const std::size_t newer = count - 1 - i;  // builds of this builder after it
      if (build.finished_us == 0) continue;
      const bool past_logs = horizons.logs > 0 && newer >= static_cast<std::size_t>(horizons.logs);
      const bool too_old =
          horizons.log_days > 0 && build.finished_us < now_us - horizons.log_days * kDayUs;
      if ((past_logs || too_old) && build.log_chunks > 0) {
        plan.logs_to_prune.push_back({build.builder, build.number});
        plan.log_chunks += build.log_chunks;
        plan.log_bytes += build.log_bytes;
      }
      if (horizons.builds > 0 && newer >= static_cast<std::size_t>(horizons.builds)) {
        plan.builds_past_horizon.push_back({build.builder, build.number});
      }
    }
  }
  if (horizons.changes > 0 && fold.changes() > static_cast<std::uint64_t>(horizons.changes)) {
    plan.changes_past_horizon = fold.changes() - static_cast<std::uint64_t>(horizons.changes);
  }
  return plan;
}

}  // namespace eventbot::retention
