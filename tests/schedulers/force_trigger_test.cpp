// Force and Triggerable, and what make_scheduler refuses.
#include <gtest/gtest.h>

#include "tests/schedulers/harness.hpp"

namespace eventbot::schedulers::testing {
namespace {

using config::SchedulerType;

config::SchedulerConfig force_config() {
  auto c = scheduler_config(SchedulerType::force, "force", {"lin", "win", "mac"});
  c.properties = {{"owner", "[\"ops\"]"}, {"level", "1"}};
  c.reason = "because";
  c.branch = "main";
  return c;
}

TEST(Force, PropertiesCarryTheirSources) {
  auto core = make(force_config());
  Force f;
  f.who = "alice";
  f.reason = "try it";
  f.revision = "abc123";
  f.properties = {{"level", "2"}, {"extra", "{\"a\":[1,2]}"}};
  auto decision = ok(core->decide(f));
  EXPECT_TRUE(decision.events.empty());
  ASSERT_EQ(decision.buildsets.size(), 1u);
  const auto& intent = decision.buildsets[0];
  EXPECT_EQ(intent.scheduler, "force");
  EXPECT_EQ(intent.reason, "A build was forced by 'alice': try it");
  EXPECT_EQ(intent.builder_names, (std::vector<std::string>{"lin", "win", "mac"}));
  ASSERT_EQ(intent.sourcestamps.size(), 1u);
  EXPECT_EQ(intent.sourcestamps[0].branch(), "main");
  EXPECT_EQ(intent.sourcestamps[0].revision(), "abc123");
  google::protobuf::RepeatedPtrField<events::Property> props(intent.properties.begin(),
                                                             intent.properties.end());
  auto map = property_map(props);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(map["owner"], (P{"[\"ops\"]", "Scheduler"}));
  EXPECT_EQ(map["scheduler"], (P{"\"force\"", "Scheduler"}));
  EXPECT_EQ(map["level"], (P{"2", "Force Build Form"}));
  EXPECT_EQ(map["extra"], (P{"{\"a\":[1,2]}", "Force Build Form"}));
}

TEST(Force, ChosenBuildersBranchAndDefaultReason) {
  auto core = make(force_config());
  Force f;
  f.who = "bob";
  f.branch = "";
  f.builders = {"win"};
  auto decision = ok(core->decide(f));
  ASSERT_EQ(decision.buildsets.size(), 1u);
  EXPECT_EQ(decision.buildsets[0].builder_names, (std::vector<std::string>{"win"}));
  EXPECT_EQ(decision.buildsets[0].sourcestamps[0].branch(), "");
  EXPECT_EQ(decision.buildsets[0].reason, "A build was forced by 'bob': because");
}

TEST(Force, UnknownBuilderIsRefused) {
  auto core = make(force_config());
  Force f;
  f.builders = {"win", "solaris"};
  auto result = core->decide(f);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, SchedulerError::Code::unknown_builder);
  EXPECT_NE(result.error().message.find("solaris"), std::string::npos);
}

TEST(Force, PropertyThatIsNotJsonIsRefused) {
  auto core = make(force_config());
  Force f;
  f.properties = {{"x", "not json"}};
  auto result = core->decide(f);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, SchedulerError::Code::invalid_argument);
}

TEST(Force, OnlyAForceSchedulerCanBeForced) {
  auto core = make(scheduler_config(SchedulerType::single_branch, "quick"));
  auto result = core->decide(Force{});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, SchedulerError::Code::not_supported);
  auto trig = core->decide(Trigger{});
  ASSERT_FALSE(trig.has_value());
  EXPECT_EQ(trig.error().code, SchedulerError::Code::not_supported);
}

TEST(Force, ThroughTheLogIsOneBuildsetPerForce) {
  World w;
  auto& core = w.add(force_config());
  EXPECT_TRUE(w.log.empty());  // no scheduler events, not even a start mark
  w.decide(core, Force{"alice", "", std::nullopt, "", "", "", {}, {"mac"}});
  w.decide(core, Force{"alice", "", std::nullopt, "", "", "", {}, {}});
  auto sets = w.buildsets("force");
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[0].build_request_ids_size(), 1);
  EXPECT_EQ(sets[1].build_request_ids_size(), 3);
  EXPECT_EQ(sets[1].build_request_ids(0), 2u);
}

TEST(Triggerable, BuildsTheTriggeringSourceStampsWithTriggerProperties) {
  auto c = scheduler_config(SchedulerType::triggerable, "mktarball", {"tar"});
  c.properties = {{"a", "1"}, {"b", "1"}};
  auto core = make(c);
  Trigger t;
  events::SourceStamp ss;
  ss.set_branch("main");
  ss.set_revision("r9");
  ss.add_change_ids(4);
  t.sourcestamps = {ss};
  events::Property p;
  p.set_name("b");
  p.set_value_json("2");
  t.properties.push_back(p);
  p.set_name("c");
  p.set_value_json("3");
  p.set_source("Build");
  t.properties.push_back(p);
  t.parent_buildset_id = 12;
  auto decision = ok(core->decide(t));
  EXPECT_TRUE(decision.events.empty());
  ASSERT_EQ(decision.buildsets.size(), 1u);
  const auto& intent = decision.buildsets[0];
  EXPECT_EQ(intent.parent_buildset_id, 12u);
  EXPECT_EQ(intent.reason, "The Triggerable scheduler named 'mktarball' triggered this build");
  ASSERT_EQ(intent.sourcestamps.size(), 1u);
  EXPECT_EQ(intent.sourcestamps[0].SerializeAsString(), ss.SerializeAsString());
  google::protobuf::RepeatedPtrField<events::Property> props(intent.properties.begin(),
                                                             intent.properties.end());
  auto map = property_map(props);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(map["a"], (P{"1", "Scheduler"}));
  EXPECT_EQ(map["b"], (P{"2", "Trigger"}));
  EXPECT_EQ(map["c"], (P{"3", "Build"}));
  EXPECT_TRUE(ok(core->decide(ConsiderChange{1, change(""), 0})).empty());
}

TEST(MakeScheduler, RefusesWhatCanNeverSchedule) {
  auto expect_invalid = [](config::SchedulerConfig c, const std::string& words) {
    auto made = make_scheduler(c);
    ASSERT_FALSE(made.has_value()) << words;
    EXPECT_EQ(made.error().code, SchedulerError::Code::invalid_config);
    EXPECT_NE(made.error().message.find(words), std::string::npos) << made.error().message;
    EXPECT_NE(made.error().message.find("'" + c.name + "'"), std::string::npos);
  };
  auto sb = scheduler_config(SchedulerType::single_branch, "sb");
  sb.change_filter.branch.regex = "(";
  expect_invalid(sb, "change_filter.branch");
  auto n = scheduler_config(SchedulerType::nightly, "n");
  n.hour = {25};
  expect_invalid(n, "hour");
  n.hour = {};
  n.day_of_month = {31};
  n.month = {4, 6};
  expect_invalid(n, "never");
  auto p = scheduler_config(SchedulerType::periodic, "p");
  expect_invalid(p, "period");
  auto d = scheduler_config(SchedulerType::dependent, "d");
  expect_invalid(d, "upstream");
  auto t = scheduler_config(SchedulerType::any_branch, "t");
  t.tree_stable_timer = -1;
  expect_invalid(t, "tree_stable_timer");
}

TEST(MakeScheduler, EveryTypeIsBuilt) {
  using T = SchedulerType;
  for (auto type : {T::single_branch, T::any_branch, T::dependent, T::periodic, T::nightly,
                    T::triggerable, T::force}) {
    auto c = scheduler_config(type, "s");
    c.upstream = "u";
    c.period = 60;
    EXPECT_TRUE(make_scheduler(c).has_value());
  }
}

}  // namespace
}  // namespace eventbot::schedulers::testing
