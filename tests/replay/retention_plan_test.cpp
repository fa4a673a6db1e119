// The retention plan (actors/retention/retention_plan.hpp): which builds' logs the
// horizons let go, from a fold of the log; and `stats` showing it for the scenario.
#include "actors/retention/retention_plan.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "events/streams.hpp"
#include "replay/open_store.hpp"
#include "replay/stats_command.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/replay/history_scenario.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::retention {
namespace {

constexpr std::int64_t kDay = 86'400LL * 1'000'000;
constexpr std::int64_t kNow = 100 * kDay;

events::Envelope started(const std::string& builder, std::uint32_t number) {
  events::Envelope e;
  e.set_stream(streams::build(builder, number));
  e.mutable_build_started()->set_builder(builder);
  e.mutable_build_started()->set_number(number);
  return e;
}

events::Envelope finished(const std::string& builder, std::uint32_t number, std::int64_t at) {
  events::Envelope e;
  e.set_stream(streams::build(builder, number));
  e.set_time_us(at);
  e.mutable_build_finished()->set_builder(builder);
  e.mutable_build_finished()->set_number(number);
  return e;
}

events::Envelope chunk(const std::string& builder, std::uint32_t number, std::uint32_t bytes) {
  events::Envelope e;
  e.set_stream(streams::log(builder, number, 0, "stdio"));
  e.mutable_log_chunk()->set_size(bytes);
  return e;
}

// Builder "a" has builds 1..5 finished on days 10, 20, ..., 50, each with 100 bytes of
// log in two chunks; build 6 is running with a chunk; builder "b" has one build, day 95.
RetentionFold history() {
  RetentionFold fold;
  for (std::uint32_t n = 1; n <= 5; ++n) {
    fold.evolve(started("a", n));
    fold.evolve(chunk("a", n, 60));
    fold.evolve(chunk("a", n, 40));
    fold.evolve(finished("a", n, n * 10 * kDay));
  }
  fold.evolve(started("a", 6));
  fold.evolve(chunk("a", 6, 7));
  fold.evolve(started("b", 1));
  fold.evolve(chunk("b", 1, 9));
  fold.evolve(finished("b", 1, 95 * kDay));
  return fold;
}

std::vector<BuildRef> refs(std::initializer_list<std::pair<const char*, std::uint32_t>> list) {
  std::vector<BuildRef> out;
  for (const auto& [b, n] : list) out.push_back({b, n});
  return out;
}

TEST(RetentionPlan, NoHorizonsKeepEverything) {
  auto plan = plan_retention(config::Horizons{}, history(), kNow);
  EXPECT_TRUE(plan.logs_to_prune.empty());
  EXPECT_TRUE(plan.builds_past_horizon.empty());
  EXPECT_EQ(plan.log_bytes, 0u);
}

TEST(RetentionPlan, TheLogsHorizonKeepsTheNewestBuildsLogsPerBuilderAndNeverARunningOne) {
  config::Horizons horizons;
  horizons.logs = 2;
  auto plan = plan_retention(horizons, history(), kNow);
  // a: 6 (running) and 5 are the newest two: 1..4 lose their logs; b keeps its one.
  EXPECT_EQ(plan.logs_to_prune, refs({{"a", 1}, {"a", 2}, {"a", 3}, {"a", 4}}));
  EXPECT_EQ(plan.log_chunks, 8u);
  EXPECT_EQ(plan.log_bytes, 400u);
}

TEST(RetentionPlan, LogDaysCountsFromTheBuildsEnd) {
  config::Horizons horizons;
  horizons.log_days = 65;  // before day 35 goes: builds finished on days 10, 20, 30
  auto plan = plan_retention(horizons, history(), kNow);
  EXPECT_EQ(plan.logs_to_prune, refs({{"a", 1}, {"a", 2}, {"a", 3}}));
  EXPECT_EQ(plan.log_bytes, 300u);
}

TEST(RetentionPlan, BuildsAndChangesPastTheirHorizonsAreCounted) {
  config::Horizons horizons;
  horizons.builds = 4;
  horizons.changes = 1;
  auto fold = history();
  events::Envelope change;
  change.set_stream(streams::changes());
  change.mutable_change_added()->set_who("x");
  fold.evolve(change);
  fold.evolve(change);
  fold.evolve(change);
  auto plan = plan_retention(horizons, fold, kNow);
  EXPECT_EQ(plan.builds_past_horizon, refs({{"a", 1}, {"a", 2}}));
  EXPECT_EQ(plan.changes_past_horizon, 2u);
  EXPECT_TRUE(plan.logs_to_prune.empty());
}

TEST(RetentionStats, StatsShowsTheHorizonsOfTheRecordedConfiguration) {
  ::eventbot::testing::TempDir dir;
  {
    store::RocksOptions options;
    options.dir = dir.path();
    auto writer = store::RocksEventLog::open(options);
    ASSERT_TRUE(writer);
    replay::testing::Scenario::append_to(**writer, replay::testing::Scenario());
  }
  auto reader = replay::open_store_for_reading(dir.path());
  ASSERT_TRUE(reader);
  std::ostringstream out, err;
  replay::StatsOptions options;
  options.json = true;
  ASSERT_EQ(replay::run_stats(**reader, options, out, err), 0) << err.str();
  auto json = nlohmann::json::parse(out.str());
  // The scenario's configuration sets no horizons: nothing would be freed.
  ASSERT_TRUE(json["horizons"].is_object()) << out.str();
  EXPECT_EQ(json["horizons"]["logs"], 0);
  EXPECT_EQ(json["horizons"]["builds_losing_logs"], 0);
  EXPECT_EQ(json["horizons"]["log_bytes"], 0);
  EXPECT_GT(json["column_family_bytes"]["events"], 0);
}

}  // namespace
}  // namespace eventbot::retention
