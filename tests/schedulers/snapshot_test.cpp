// Snapshots of the scheduler cores: for every type, after a run of events, snapshot ->
// restore into a fresh core gives the same core as the original and as a full fold of the
// log (same encoded state, timers, version, start mark, and the same decision on every
// next command); a snapshot taken at any point of the log, restored and then folded the
// rest of the way, equals the full fold. Snapshots of another type, configuration or
// format, and bytes that are not a snapshot, are refused and leave the core untouched.
#include <gtest/gtest.h>

#include "events/snapshots.pb.h"
#include "tests/schedulers/harness.hpp"

namespace eventbot::schedulers::testing {
namespace {

using config::SchedulerType;

std::string render(const DecideResult& result) {
  if (!result) {
    return "error " + std::to_string(static_cast<int>(result.error().code)) + ": " +
           result.error().message;
  }
  std::string out;
  for (const auto& e : result->events) out += "event " + e.ShortDebugString() + "\n";
  for (const auto& b : result->buildsets) {
    out += "buildset " + buildset_submitted(b, 0, {}).ShortDebugString() + "\n";
  }
  return out;
}

std::string render(const std::optional<StartMark>& mark) {
  if (!mark) return "not started";
  return std::to_string(mark->change_id) + "/" + std::to_string(mark->buildset_id) + "/" +
         std::to_string(mark->time_us);
}

std::unique_ptr<SchedulerCore> restored(const config::SchedulerConfig& config,
                                        const std::string& snapshot) {
  auto core = restore_scheduler(config, snapshot);
  EXPECT_TRUE(core.has_value()) << (core ? "" : core.error().message);
  return core ? std::move(*core) : nullptr;
}

std::unique_ptr<SchedulerCore> folded(const config::SchedulerConfig& config,
                                      const std::vector<Envelope>& log, std::size_t from = 0,
                                      std::size_t to = std::string::npos,
                                      std::unique_ptr<SchedulerCore> core = nullptr) {
  if (!core) core = make(config);
  for (std::size_t i = from; i < std::min(to, log.size()); ++i) core->evolve(log[i]);
  return core;
}

// The commands a scheduler could get next: Start, a new change on a few branches, each
// pending timer at its due time and later, every buildset of the log completing either
// way, a Force and a Trigger.
std::vector<Command> next_commands(const World& w, const SchedulerCore& core) {
  std::vector<Command> out;
  std::uint64_t last_change = 0;
  std::uint64_t last_buildset = 0;
  std::vector<std::uint64_t> buildsets;
  for (const auto& e : w.log) {
    if (e.has_change_added()) last_change = e.stream_version();
    if (e.has_buildset_submitted()) {
      last_buildset = e.buildset_submitted().buildset_id();
      buildsets.push_back(last_buildset);
    }
  }
  auto now = w.clock.now_us();
  out.push_back(Start{now, last_change, last_buildset});
  for (const char* branch : {"", "a", "b", "feature"}) {
    out.push_back(ConsiderChange{last_change + 1, change(branch, {"src/x.cpp"}, "r-next"), now});
    out.push_back(ConsiderChange{last_change + 1, change(branch, {"doc/x.txt"}, "r-doc"), now});
  }
  for (const auto& timer : core.next_timers()) {
    out.push_back(TimerDue{timer.name, timer.due_us - 1});
    out.push_back(TimerDue{timer.name, timer.due_us});
    out.push_back(TimerDue{timer.name, timer.due_us + kDay});
  }
  for (auto id : buildsets) {
    out.push_back(UpstreamCompleted{id, events::SUCCESS});
    out.push_back(UpstreamCompleted{id, events::FAILURE});
  }
  Force force;
  force.who = "bob";
  force.reason = "why not";
  out.push_back(force);
  Trigger trigger;
  trigger.parent_buildset_id = last_buildset;
  out.push_back(trigger);
  return out;
}

// Checks one scheduler of the world: restored from its snapshot it equals the original
// and the full fold, and a snapshot from any prefix of the log plus the rest of the log
// equals them too.
void check(const World& w, SchedulerCore& original, const config::SchedulerConfig& config) {
  SCOPED_TRACE("scheduler " + config.name);
  const auto snapshot = original.snapshot();
  auto full = folded(config, w.log);
  auto copy = restored(config, snapshot);
  ASSERT_TRUE(copy);
  EXPECT_EQ(full->snapshot(), snapshot);
  EXPECT_EQ(copy->snapshot(), snapshot);
  EXPECT_EQ(copy->next_timers(), original.next_timers());
  EXPECT_EQ(copy->version(), original.version());
  EXPECT_EQ(render(copy->start_mark()), render(original.start_mark()));
  EXPECT_EQ(render(full->start_mark()), render(original.start_mark()));
  for (const auto& command : next_commands(w, original)) {
    auto expected = render(original.decide(command));
    EXPECT_EQ(render(copy->decide(command)), expected);
    EXPECT_EQ(render(full->decide(command)), expected);
  }
  for (std::size_t k = 0; k <= w.log.size(); ++k) {
    auto prefix = folded(config, w.log, 0, k);
    auto tail = folded(config, w.log, k, w.log.size(), restored(config, prefix->snapshot()));
    ASSERT_TRUE(tail);
    EXPECT_EQ(tail->snapshot(), snapshot) << "snapshot after " << k << " events";
  }
}

config::SchedulerConfig tree_stable(SchedulerType type, const std::string& name,
                                    std::optional<std::int64_t> timer) {
  auto c = scheduler_config(type, name, {"b1", "b2"});
  c.tree_stable_timer = timer;
  c.file_is_important.include = {"src/*"};
  c.properties = {{"owner", "\"ci\""}};
  return c;
}

TEST(Snapshot, SingleBranchWithTreeStableTimer) {
  World w;
  auto config = tree_stable(SchedulerType::single_branch, "stable", 60);
  auto& core = w.add(config);
  w.add_change(change("", {"src/a.cpp"}, "r1"));
  w.add_change(change("", {"doc/a.txt"}, "r2"));   // unimportant: pending
  w.add_change(change("other", {"src/a"}, "r3"));  // another branch: ignored
  w.run_until(w.clock.now_us() + 2 * kMinute);     // builds r1+r2
  ASSERT_EQ(w.buildsets("stable").size(), 1u);
  w.clock.advance(kMinute);
  w.add_change(change("", {"src/b.cpp"}, "r4"));     // timer pending
  w.add_change(change("", {"doc/b.txt"}, "r5"));     // restarts it
  w.append_change(change("", {"src/c.cpp"}, "r6"));  // not considered (crash): retained
  ASSERT_EQ(core.next_timers().size(), 1u);
  check(w, core, config);
}

TEST(Snapshot, SingleBranchWithoutTimer) {
  World w;
  auto config = tree_stable(SchedulerType::single_branch, "each", std::nullopt);
  auto& core = w.add(config);
  w.add_change(change("", {"doc/1"}, "r1"));
  w.add_change(change("", {"src/2"}, "r2"));
  w.add_change(change("", {"doc/3"}, "r3"));
  w.append_change(change("", {"src/4"}, "r4"));
  ASSERT_EQ(w.buildsets("each").size(), 1u);
  check(w, core, config);
}

TEST(Snapshot, AnyBranch) {
  World w;
  auto config = tree_stable(SchedulerType::any_branch, "any", 30);
  auto& core = w.add(config);
  w.add_change(change("a", {"src/1"}, "a1"));
  w.clock.advance(20 * kSecond);
  w.add_change(change("b", {"src/1"}, "b1"));
  w.add_change(change("b", {"doc/1"}, "b2"));
  w.run_until(w.clock.now_us() + 15 * kSecond);  // a fires, b still pending
  ASSERT_EQ(w.buildsets("any").size(), 1u);
  ASSERT_EQ(core.next_timers().size(), 1u);
  check(w, core, config);
}

TEST(Snapshot, Dependent) {
  World w;
  auto up_config = scheduler_config(SchedulerType::single_branch, "tests", {"linux"});
  auto& up = w.add(up_config);
  auto config = scheduler_config(SchedulerType::dependent, "package", {"deb"});
  config.upstream = "tests";
  auto& down = w.add(config);
  for (const char* rev : {"r1", "r2", "r3", "r4", "r5"}) w.add_change(change("", {"a"}, rev));
  auto sets = w.buildsets("tests");
  ASSERT_EQ(sets.size(), 5u);
  w.complete(sets[0].buildset_id(), events::SUCCESS);
  w.complete(sets[1].buildset_id(), events::FAILURE);
  w.complete(sets[2].buildset_id(), events::WARNINGS, /*tell=*/false);  // unhandled success
  // sets[3] and sets[4] still running
  ASSERT_EQ(w.buildsets("package").size(), 1u);
  check(w, down, config);
  check(w, up, up_config);
}

TEST(Snapshot, Periodic) {
  World w;
  auto config = scheduler_config(SchedulerType::periodic, "every");
  config.period = 3600;
  auto& core = w.add(config);
  w.run_until(w.clock.now_us() + 150 * kMinute);
  ASSERT_EQ(w.buildsets("every").size(), 3u);
  check(w, core, config);
}

TEST(Snapshot, Nightly) {
  ScopedTimeZone tz("UTC");
  World w(utc(2024, 5, 6));
  auto plain = scheduler_config(SchedulerType::nightly, "nightly", {"full"});
  plain.hour = {3};
  auto changed = plain;
  changed.name = "if-changed";
  changed.only_if_changed = true;
  changed.file_is_important.include = {"src/*"};
  auto& plain_core = w.add(plain);
  auto& changed_core = w.add(changed);
  w.add_change(change("", {"src/1"}, "r1"));
  w.run_until(utc(2024, 5, 7, 12));
  w.add_change(change("", {"doc/1"}, "r2"));
  w.add_change(change("other", {"src/1"}, "r3"));
  w.append_change(change("", {"src/2"}, "r4"));
  ASSERT_EQ(w.buildsets("nightly").size(), 2u);
  ASSERT_EQ(w.buildsets("if-changed").size(), 1u);
  check(w, plain_core, plain);
  check(w, changed_core, changed);
}

TEST(Snapshot, TriggerableAndForce) {
  World w;
  auto trig = scheduler_config(SchedulerType::triggerable, "trig", {"t"});
  auto force = scheduler_config(SchedulerType::force, "force", {"f1", "f2"});
  force.reason = "forced";
  auto& trig_core = w.add(trig);
  auto& force_core = w.add(force);
  w.add_change(change("", {"a"}, "r1"));
  check(w, trig_core, trig);
  check(w, force_core, force);
}

TEST(Snapshot, ACoreThatHasNotStarted) {
  World w;
  auto config = tree_stable(SchedulerType::single_branch, "late", 60);
  w.append_change(change("", {"src/1"}, "r1"));
  w.append_change(change("", {"src/2"}, "r2"));
  auto core = folded(config, w.log);
  ASSERT_FALSE(core->started());
  auto copy = restored(config, core->snapshot());
  ASSERT_TRUE(copy);
  EXPECT_FALSE(copy->started());
  Start start{w.clock.now_us(), 0, 0};
  EXPECT_EQ(render(copy->decide(start)), render(core->decide(start)));
  EXPECT_EQ(copy->snapshot(), core->snapshot());
}

// A world with a started tree-stable scheduler, pending changes and a timer.
struct Refusals : ::testing::Test {
  Refusals() : config(tree_stable(SchedulerType::single_branch, "s", 60)) {
    w.add(config);
    w.add_change(change("", {"src/a"}, "r1"));
    snapshot = w.core("s").snapshot();
  }
  void expect_refused(const config::SchedulerConfig& other, const std::string& bytes) {
    auto fresh = folded(other, {});
    auto before = fresh->snapshot();
    auto result = fresh->restore(bytes);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, SchedulerError::Code::snapshot_refused);
    EXPECT_EQ(fresh->snapshot(), before) << "a refused restore changed the core";
    auto made = restore_scheduler(other, bytes);
    ASSERT_FALSE(made.has_value());
    EXPECT_EQ(made.error().code, SchedulerError::Code::snapshot_refused);
  }

  World w;
  config::SchedulerConfig config;
  std::string snapshot;
};

TEST_F(Refusals, TheSameConfigurationIsAccepted) {
  EXPECT_TRUE(restore_scheduler(config, snapshot).has_value());
}

TEST_F(Refusals, AnotherType) {
  auto other = config;
  other.type = SchedulerType::any_branch;
  expect_refused(other, snapshot);
  other.type = SchedulerType::periodic;
  other.period = 60;
  expect_refused(other, snapshot);
}

TEST_F(Refusals, AnotherConfiguration) {
  auto timer = config;
  timer.tree_stable_timer = 61;
  expect_refused(timer, snapshot);
  auto filter = config;
  filter.change_filter.branch.regex = "rel.*";
  expect_refused(filter, snapshot);
  auto builders = config;
  builders.builders.push_back("b3");
  expect_refused(builders, snapshot);
  auto name = config;
  name.name = "t";
  expect_refused(name, snapshot);
  auto importance = config;
  importance.file_is_important.exclude = {"*.md"};
  expect_refused(importance, snapshot);
}

TEST_F(Refusals, AnotherFormat) {
  snapshots::SchedulerSnapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(snapshot));
  EXPECT_EQ(parsed.format(), kSchedulerSnapshotFormat);
  parsed.set_format(kSchedulerSnapshotFormat + 1);
  expect_refused(config, parsed.SerializeAsString());
}

TEST_F(Refusals, TheStateOfAnotherKind) {
  snapshots::SchedulerSnapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(snapshot));
  ASSERT_TRUE(parsed.has_changes());
  parsed.mutable_dependent();
  expect_refused(config, parsed.SerializeAsString());
  parsed.clear_state();
  expect_refused(config, parsed.SerializeAsString());
}

TEST_F(Refusals, BytesThatAreNotASnapshot) {
  expect_refused(config, "");
  expect_refused(config, "garbage");
  expect_refused(config, std::string("\xff\xff\xff\xff\x0f\x01", 6));
  expect_refused(config, snapshot.substr(0, snapshot.size() / 2));
  snapshots::SupervisorSnapshot supervisor;
  supervisor.set_format(1);
  supervisor.set_last_buildset_id(5);
  expect_refused(config, supervisor.SerializeAsString());
}

}  // namespace
}  // namespace eventbot::schedulers::testing
