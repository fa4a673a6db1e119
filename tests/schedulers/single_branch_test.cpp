// SingleBranch and AnyBranch: change classification, tree-stable timers, one buildset
// per change without a timer, and restarts (the state is a fold of the log).
#include <gtest/gtest.h>

#include "tests/schedulers/harness.hpp"

namespace eventbot::schedulers::testing {
namespace {

using config::SchedulerType;

config::SchedulerConfig quick(std::optional<std::int64_t> timer = 60) {
  auto c = scheduler_config(SchedulerType::single_branch, "quick", {"lin", "win"});
  c.tree_stable_timer = timer;
  return c;
}

Envelope change_envelope(std::uint64_t id, std::int64_t time_us, const events::ChangeAdded& c) {
  Envelope e;
  e.set_stream(streams::changes());
  e.set_stream_version(id);
  e.set_sequence(id);
  e.set_time_us(time_us);
  *e.mutable_change_added() = c;
  return e;
}

Envelope start_mark(const std::string& scheduler, std::uint64_t version, std::uint64_t change_id) {
  Envelope e;
  e.set_stream(streams::scheduler(scheduler));
  e.set_stream_version(version);
  auto* s = e.mutable_scheduler_state_saved();
  s->set_scheduler(scheduler);
  s->set_key("start");
  s->set_value_json("{\"change_id\":" + std::to_string(change_id) + "}");
  return e;
}

TEST(SingleBranch, StartOnAnEmptyStreamRecordsWhereItStarts) {
  auto core = make(quick());
  core->evolve(change_envelope(1, 10, change("")));
  core->evolve(change_envelope(2, 20, change("")));
  auto decision = ok(core->decide(Start{100, 2, 0}));
  ASSERT_EQ(decision.events.size(), 1u);
  const auto& e = decision.events[0];
  EXPECT_EQ(e.stream(), "scheduler/quick");
  ASSERT_TRUE(e.has_scheduler_state_saved());
  EXPECT_EQ(e.scheduler_state_saved().key(), "start");
  EXPECT_TRUE(decision.buildsets.empty());  // changes from before it existed never build
  EXPECT_FALSE(core->started());            // decide does not change the core
}

TEST(SingleBranch, ChangeBeforeStartIsRefused) {
  auto core = make(quick());
  auto result = core->decide(ConsiderChange{1, change(""), 10});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, SchedulerError::Code::not_started);
}

TEST(SingleBranch, ImportantChangeClassifiesAndSetsTheTimerFromTheChangeTime) {
  auto core = make(quick());
  core->evolve(start_mark("quick", 1, 0));
  auto decision = ok(core->decide(ConsiderChange{1, change(""), 5 * kSecond}));
  ASSERT_EQ(decision.events.size(), 2u);
  ASSERT_TRUE(decision.events[0].has_scheduler_change_classified());
  EXPECT_EQ(decision.events[0].scheduler_change_classified().change_id(), 1u);
  EXPECT_TRUE(decision.events[0].scheduler_change_classified().important());
  ASSERT_TRUE(decision.events[1].has_scheduler_timer_set());
  EXPECT_EQ(decision.events[1].scheduler_timer_set().timer(), "tree-stable");
  EXPECT_EQ(decision.events[1].scheduler_timer_set().due_us(), 65 * kSecond);
  EXPECT_TRUE(decision.buildsets.empty());
}

TEST(SingleBranch, TreeStableTimerMergesChangesIntoOneBuildset) {
  World w;
  w.add(quick());
  auto t0 = w.clock.now_us();
  w.add_change(change("", {"a.c"}, "r1"));
  w.clock.advance(30 * kSecond);
  w.add_change(change("", {"b.c"}, "r2"));
  w.clock.advance(30 * kSecond);
  w.add_change(change("", {"c.c"}, "r3"));
  // Each change restarted the timer: nothing at t0+60s (the first change's due time).
  w.run_until(t0 + 119 * kSecond);
  EXPECT_TRUE(w.buildsets("quick").empty());
  w.run_until(t0 + 200 * kSecond);
  auto sets = w.buildsets("quick");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(w.buildset_times("quick")[0], t0 + 120 * kSecond);
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{1, 2, 3}));
  ASSERT_EQ(sets[0].sourcestamps_size(), 1);
  EXPECT_EQ(sets[0].sourcestamps(0).revision(), "r3");
  EXPECT_EQ(sets[0].sourcestamps(0).repository(), "git://example/repo");
  EXPECT_EQ(sets[0].builder_names_size(), 2);
  EXPECT_EQ(sets[0].build_request_ids_size(), 2);
  EXPECT_TRUE(w.core("quick").next_timers().empty());
}

TEST(SingleBranch, EachImportantChangeRestartsTheTimer) {
  World w;
  auto& core = w.add(quick());
  auto t0 = w.clock.now_us();
  w.add_change(change(""));
  EXPECT_EQ(core.next_timers(), (std::vector<PendingTimer>{{"tree-stable", t0 + 60 * kSecond}}));
  w.clock.advance(45 * kSecond);
  w.add_change(change(""));
  EXPECT_EQ(core.next_timers(), (std::vector<PendingTimer>{{"tree-stable", t0 + 105 * kSecond}}));
}

TEST(SingleBranch, UnimportantChangesRideAlongButNeverStartTheTimer) {
  World w;
  auto config = quick();
  config.file_is_important.include = {"src/*"};
  auto& core = w.add(config);
  auto t0 = w.clock.now_us();
  w.add_change(change("", {"docs/readme.txt"}));  // unimportant: no timer
  EXPECT_TRUE(core.next_timers().empty());
  w.run_until(t0 + 10 * 60 * kSecond);
  EXPECT_TRUE(w.buildsets("quick").empty());

  w.add_change(change("", {"src/a/b.c"}));  // important: '*' crosses '/'
  auto important_at = w.clock.now_us();
  w.clock.advance(50 * kSecond);
  w.add_change(change("", {"docs/x.txt"}));  // unimportant: restarts the running timer
  EXPECT_EQ(core.next_timers(),
            (std::vector<PendingTimer>{{"tree-stable", important_at + 110 * kSecond}}));
  w.run_until(important_at + 200 * kSecond);
  auto sets = w.buildsets("quick");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(SingleBranch, OnlyImportantIgnoresUnimportantChanges) {
  World w;
  auto config = quick();
  config.file_is_important.include = {"src/*"};
  config.only_important = true;
  auto& core = w.add(config);
  w.add_change(change("", {"src/a.c"}));
  auto important_at = w.clock.now_us();
  w.clock.advance(50 * kSecond);
  auto decision = ok(core.decide(ConsiderChange{99, change("", {"docs/x.txt"}), 0}));
  EXPECT_TRUE(decision.empty());  // ignored as if filtered: no classification, no restart
  w.add_change(change("", {"docs/x.txt"}));
  w.run_until(important_at + 61 * kSecond);
  auto sets = w.buildsets("quick");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(w.buildset_times("quick")[0], important_at + 60 * kSecond);
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{1}));
}

TEST(SingleBranch, WithoutTimerEachImportantChangeBuildsAtOnce) {
  for (auto timer : {std::optional<std::int64_t>{}, std::optional<std::int64_t>{0}}) {
    World w;
    auto config = quick(timer);
    config.file_is_important.exclude = {"*.txt"};
    auto& core = w.add(config);
    w.add_change(change("", {"a.c"}));
    w.add_change(change("", {"notes.txt"}));  // unimportant: kept for the next buildset
    w.add_change(change("", {"b.c", "c.txt"}));
    EXPECT_TRUE(core.next_timers().empty());
    auto sets = w.buildsets("quick");
    ASSERT_EQ(sets.size(), 2u);
    EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{1}));
    EXPECT_EQ(change_ids(sets[1]), (std::vector<std::uint64_t>{2, 3}));
    EXPECT_EQ(sets[0].buildset_id(), 1u);
    EXPECT_EQ(sets[1].buildset_id(), 2u);
    EXPECT_EQ(sets[1].build_request_ids(0), 3u);  // request ids dense across buildsets
  }
}

TEST(SingleBranch, FollowsTheDefaultBranchUnlessTold) {
  World w;
  w.add(quick(std::nullopt));
  auto release = quick(std::nullopt);
  release.name = "release";
  release.branch = "release-1";
  w.add(release);
  auto by_filter = quick(std::nullopt);
  by_filter.name = "features";
  by_filter.change_filter.branch.regex = "feature/";
  w.add(by_filter);
  w.add_change(change(""));
  w.add_change(change("release-1"));
  w.add_change(change("feature/x"));
  w.add_change(change("my-feature/x"));  // re.match: anchored at the start
  w.add_change(change("master"));        // "master" is not the default branch
  ASSERT_EQ(w.buildsets("quick").size(), 1u);
  EXPECT_EQ(change_ids(w.buildsets("quick")[0]), (std::vector<std::uint64_t>{1}));
  ASSERT_EQ(w.buildsets("release").size(), 1u);
  EXPECT_EQ(change_ids(w.buildsets("release")[0]), (std::vector<std::uint64_t>{2}));
  ASSERT_EQ(w.buildsets("features").size(), 1u);
  EXPECT_EQ(change_ids(w.buildsets("features")[0]), (std::vector<std::uint64_t>{3}));
}

TEST(SingleBranch, ChangeFilterOnProjectRepositoryAndCategory) {
  World w;
  auto config = quick(std::nullopt);
  config.change_filter.project.values = {"proj", "other"};
  config.change_filter.repository.regex = "git://example/";
  config.change_filter.category.values = {"", "core"};
  w.add(config);
  auto c = change("");
  w.add_change(c);  // passes
  c.set_project("third");
  w.add_change(c);  // project not in the list
  c.set_project("other");
  c.set_repository("https://example/repo");
  w.add_change(c);  // repository regex fails
  c.set_repository("git://example/other");
  c.set_category("docs");
  w.add_change(c);  // category not in the list
  c.set_category("core");
  w.add_change(c);  // passes
  auto sets = w.buildsets("quick");
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(change_ids(sets[1]), (std::vector<std::uint64_t>{5}));
}

TEST(SingleBranch, BuildsetCarriesSchedulerAndChangeProperties) {
  World w;
  auto config = quick(std::nullopt);
  config.properties = {{"owner", "[\"bob@example.org\"]"}, {"flavour", "\"fast\""}};
  w.add(config);
  auto c = change("");
  auto* p = c.add_properties();
  p->set_name("flavour");
  p->set_value_json("\"slow\"");
  w.add_change(c);
  auto sets = w.buildsets("quick");
  ASSERT_EQ(sets.size(), 1u);
  auto props = property_map(sets[0].properties());
  EXPECT_EQ(props["scheduler"], (std::pair<std::string, std::string>{"\"quick\"", "Scheduler"}));
  EXPECT_EQ(props["owner"].second, "Scheduler");
  EXPECT_EQ(props["flavour"], (std::pair<std::string, std::string>{"\"slow\"", "Change"}));
  EXPECT_EQ(sets[0].reason(),
            "The SingleBranchScheduler scheduler named 'quick' triggered this build");
}

TEST(AnyBranch, OneTimerAndOneBuildsetPerBranch) {
  World w;
  auto config = scheduler_config(SchedulerType::any_branch, "all");
  config.tree_stable_timer = 60;
  auto& core = w.add(config);
  auto t0 = w.clock.now_us();
  w.add_change(change("main", {"a"}, "m1"));
  w.clock.advance(20 * kSecond);
  w.add_change(change("dev", {"a"}, "d1"));
  w.clock.advance(20 * kSecond);
  w.add_change(change("main", {"a"}, "m2"));
  EXPECT_EQ(core.next_timers(),
            (std::vector<PendingTimer>{{"tree-stable:dev", t0 + 80 * kSecond},
                                       {"tree-stable:main", t0 + 100 * kSecond}}));
  w.run_until(t0 + 90 * kSecond);
  auto sets = w.buildsets("all");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].sourcestamps(0).branch(), "dev");
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{2}));
  w.run_until(t0 + 200 * kSecond);
  sets = w.buildsets("all");
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[1].sourcestamps(0).branch(), "main");
  EXPECT_EQ(sets[1].sourcestamps(0).revision(), "m2");
  EXPECT_EQ(change_ids(sets[1]), (std::vector<std::uint64_t>{1, 3}));
}

TEST(SingleBranch, DecidingAgainNeverDuplicates) {
  World w;
  auto& core = w.add(quick());
  auto id = w.add_change(change(""));
  EXPECT_TRUE(ok(core.decide(ConsiderChange{id, change(""), 0})).empty());
  auto due = core.next_timers().at(0).due_us;
  EXPECT_TRUE(ok(core.decide(TimerDue{"tree-stable", due - 1})).empty());  // early
  w.run_until(due);
  EXPECT_EQ(w.buildsets("quick").size(), 1u);
  EXPECT_TRUE(ok(core.decide(TimerDue{"tree-stable", due + kSecond})).empty());  // fired
  EXPECT_TRUE(ok(core.decide(TimerDue{"no-such-timer", due})).empty());
  EXPECT_TRUE(ok(core.decide(ConsiderChange{id, change(""), 0})).empty());
}

TEST(AnyBranch, ATimerLeftBySingleBranchTakesEveryPendingChange) {
  World w;
  w.add(quick());
  w.add_change(change(""));
  auto any = quick();
  any.type = SchedulerType::any_branch;
  w.reconfigure(any);
  w.run_until(w.clock.now_us() + kHour);
  auto sets = w.buildsets("quick");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{1}));
}

TEST(SingleBranch, RestartKeepsThePendingTimerAndFiresItOnce) {
  World w;
  w.add(quick());
  auto t0 = w.clock.now_us();
  w.add_change(change("", {"a"}, "r1"));
  w.clock.advance(10 * kSecond);
  w.add_change(change("", {"b"}, "r2"));
  // The master stops at t0+30s and restarts at t0+40s: the timer keeps its due time.
  w.clock.advance(30 * kSecond);
  w.restart();
  EXPECT_EQ(w.core("quick").next_timers(),
            (std::vector<PendingTimer>{{"tree-stable", t0 + 70 * kSecond}}));
  // Down again past the due time: after the restart it is overdue and fires at once.
  w.clock.set(t0 + 10 * kMinute);
  w.restart();
  w.run_until(w.clock.now_us());
  auto sets = w.buildsets("quick");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(w.buildset_times("quick")[0], t0 + 10 * kMinute);
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{1, 2}));
  // A third start replays everything and decides nothing new.
  w.restart();
  w.run_until(w.clock.now_us() + kDay);
  EXPECT_EQ(w.buildsets("quick").size(), 1u);
}

TEST(SingleBranch, FoldOfTheEmittedEventsGivesTheSameState) {
  World w;
  auto& live = w.add(quick());
  w.add_change(change(""));
  w.clock.advance(10 * kSecond);
  w.add_change(change("", {"x"}));
  auto fresh = make(quick());
  for (const auto& e : w.log) fresh->evolve(e);
  EXPECT_EQ(fresh->next_timers(), live.next_timers());
  EXPECT_EQ(fresh->version(), live.version());
  EXPECT_TRUE(fresh->started());
  // The fresh core decides what the live one would.
  auto due = live.next_timers().at(0).due_us;
  auto a = ok(live.decide(TimerDue{"tree-stable", due}));
  auto b = ok(fresh->decide(TimerDue{"tree-stable", due}));
  ASSERT_EQ(a.buildsets.size(), 1u);
  ASSERT_EQ(b.buildsets.size(), 1u);
  EXPECT_EQ(a.buildsets[0].sourcestamps[0].SerializeAsString(),
            b.buildsets[0].sourcestamps[0].SerializeAsString());
}

TEST(SingleBranch, ChangesLeftUnconsideredByACrashAreConsideredOnStart) {
  World w;
  w.add(quick(std::nullopt));
  w.add_change(change(""));
  w.append_change(change("", {"x"}, "r2"));  // the master died before considering it
  w.append_change(change("other-branch"));
  w.restart();
  auto sets = w.buildsets("quick");
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(change_ids(sets[1]), (std::vector<std::uint64_t>{2}));
  w.restart();
  EXPECT_EQ(w.buildsets("quick").size(), 2u);
}

TEST(SingleBranch, ASchedulerAddedLaterIgnoresOlderChanges) {
  World w;
  w.append_change(change(""));
  w.append_change(change(""));
  w.add(quick(std::nullopt));
  w.restart();
  EXPECT_TRUE(w.buildsets("quick").empty());
  w.add_change(change(""));
  ASSERT_EQ(w.buildsets("quick").size(), 1u);
  EXPECT_EQ(change_ids(w.buildsets("quick")[0]), (std::vector<std::uint64_t>{3}));
}

TEST(BuildsetEvents, OneRequestPerBuilderWithDenseIds) {
  BuildsetIntent intent;
  intent.scheduler = "s";
  intent.reason = "why";
  intent.builder_names = {"a", "b", "c"};
  intent.parent_buildset_id = 4;
  auto events = buildset_events(intent, 7, 20);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].stream(), "buildset/7");
  const auto& bs = events[0].buildset_submitted();
  EXPECT_EQ(bs.buildset_id(), 7u);
  EXPECT_EQ(bs.parent_buildset_id(), 4u);
  EXPECT_EQ(
      std::vector<std::uint64_t>(bs.build_request_ids().begin(), bs.build_request_ids().end()),
      (std::vector<std::uint64_t>{20, 21, 22}));
  for (int i = 0; i < 3; ++i) {
    const auto& e = events[1 + i];
    EXPECT_EQ(e.stream(), "buildrequest/" + std::to_string(20 + i));
    EXPECT_EQ(e.build_request_submitted().request_id(), 20u + i);
    EXPECT_EQ(e.build_request_submitted().buildset_id(), 7u);
    EXPECT_EQ(e.build_request_submitted().builder(), intent.builder_names[i]);
  }
}

TEST(BuildsetEvents, AppendRequestExpectsTheSchedulerVersionAndNewStreams) {
  auto core = make(quick(std::nullopt));
  core->evolve(start_mark("quick", 1, 0));
  auto decision = ok(core->decide(ConsiderChange{1, change(""), 0}));
  auto request = to_append_request(*core, decision, 3, 9);
  ASSERT_EQ(request.events.size(), 4u);  // classified, buildset, 2 requests
  EXPECT_TRUE(request.events[0].has_scheduler_change_classified());
  EXPECT_EQ(request.events[1].stream(), "buildset/3");
  EXPECT_EQ(request.events[3].stream(), "buildrequest/10");
  EXPECT_TRUE(request.expected.at("scheduler/quick").matches(StreamVersion(1)));
  EXPECT_FALSE(request.expected.at("scheduler/quick").matches(StreamVersion(2)));
  EXPECT_TRUE(request.expected.at("buildset/3").matches(StreamVersion(0)));
  EXPECT_FALSE(request.expected.at("buildrequest/9").matches(StreamVersion(1)));
}

}  // namespace
}  // namespace eventbot::schedulers::testing
