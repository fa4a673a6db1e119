// Scheduler decisions per second: 100k changes through a scheduler core, each folded,
// decided and its decision folded back, as the scheduler actor does (without the store).
// With a tree-stable timer, the timers due are fired every 100 changes, as a busy
// repository with builds every few minutes would. items_per_second counts changes.
// Figures: docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <map>

#include "actors/schedulers/buildset_events.hpp"
#include "actors/schedulers/make_scheduler.hpp"
#include "events/streams.hpp"

namespace {

using namespace eventbot;
using namespace eventbot::schedulers;

constexpr std::uint64_t kChanges = 100'000;

// Assigns sequences and stream versions the way the store does, in memory.
class MemoryLog {
 public:
  void stamp(events::Envelope& event) {
    event.set_sequence(++head_);
    event.set_stream_version(++versions_[event.stream()]);
    event.set_time_us(static_cast<std::int64_t>(head_) * 1000);
  }
  std::uint64_t version(const std::string& stream) { return versions_[stream]; }

 private:
  std::uint64_t head_ = 0;
  std::map<std::string, std::uint64_t> versions_;
};

config::SchedulerConfig make_config(config::SchedulerType type, std::optional<std::int64_t> timer) {
  config::SchedulerConfig c;
  c.type = type;
  c.name = "bench";
  c.builders = {"b1", "b2"};
  c.branch = "main";
  c.tree_stable_timer = timer;
  c.file_is_important.include = {"src/*"};
  return c;
}

// Args: {scheduler type (0 single_branch, 1 any_branch), tree-stable seconds (0: none)}.
void BM_SchedulerDecisions(benchmark::State& state) {
  const auto type = state.range(0) == 0 ? config::SchedulerType::single_branch
                                        : config::SchedulerType::any_branch;
  std::optional<std::int64_t> timer;
  if (state.range(1) > 0) timer = state.range(1);
  std::uint64_t decided = 0, buildsets = 0;
  for (auto _ : state) {
    auto made = make_scheduler(make_config(type, timer));
    if (!made) {
      state.SkipWithError(made.error().message.c_str());
      return;
    }
    auto& core = **made;
    MemoryLog log;
    std::uint64_t next_buildset = 1, next_request = 1;
    auto apply = [&](const DecideResult& result) {
      if (!result || result->empty()) return;
      auto request = to_append_request(core, *result, next_buildset, next_request);
      next_buildset += result->buildsets.size();
      for (const auto& b : result->buildsets) next_request += b.builder_names.size();
      buildsets += result->buildsets.size();
      for (auto& event : request.events) {
        log.stamp(event);
        core.evolve(event);
      }
    };
    apply(core.decide(Start{1, 0, 0}));
    for (std::uint64_t i = 1; i <= kChanges; ++i) {
      events::Envelope change;
      change.set_stream(streams::changes());
      auto* body = change.mutable_change_added();
      body->set_who("dev");
      body->set_branch(i % 4 == 0 ? "feature" : "main");
      body->add_files(i % 3 == 0 ? "docs/readme" : "src/file.cpp");
      body->set_revision(std::to_string(i));
      log.stamp(change);
      core.evolve(change);
      apply(core.decide(ConsiderChange{change.stream_version(), *body, change.time_us()}));
      ++decided;
      if (i % 100 == 0) {
        for (const auto& timer : core.next_timers()) {
          apply(core.decide(TimerDue{timer.name, timer.due_us}));
        }
      }
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(decided));
  state.counters["buildsets"] = static_cast<double>(buildsets) / state.iterations();
}
BENCHMARK(BM_SchedulerDecisions)
    ->ArgNames({"type", "tree_stable"})
    ->Args({0, 0})
    ->Args({0, 60})
    ->Args({1, 60})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
