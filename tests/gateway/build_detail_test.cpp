// A build's steps, logs and properties, folded from its stream; step and log ids.
#include "gateway/readmodel/build_detail.hpp"

#include <gtest/gtest.h>

#include "gateway/readmodel/ids.hpp"
#include "tests/gateway/gateway_events.hpp"

namespace eventbot::gateway::readmodel {
namespace {

TEST(BuildDetail, FoldsStepsLogsAndProperties) {
  test::EventMaker make;
  BuildDetail detail("linux", 4);
  detail.evolve(make.started("linux", 4, 1));
  detail.evolve(make.step_started("linux", 4, 0, "git"));
  detail.evolve(make.log_opened("linux", 4, 0, "stdio"));
  detail.evolve(make.step_finished("linux", 4, 0, events::SUCCESS));
  detail.evolve(make.step_started("linux", 4, 1, "make test"));
  detail.evolve(make.log_opened("linux", 4, 1, "stdio"));
  detail.evolve(make.log_opened("linux", 4, 1, "test results.xml"));
  ASSERT_EQ(detail.steps().size(), 2u);
  const auto& git = detail.steps()[0];
  EXPECT_EQ(git.name, "git");
  EXPECT_TRUE(git.complete);
  EXPECT_EQ(git.results, events::SUCCESS);
  EXPECT_EQ(git.state_string, "done");
  const auto* test = detail.step(1);
  ASSERT_NE(test, nullptr);
  EXPECT_FALSE(test->complete);
  ASSERT_EQ(test->logs.size(), 2u);
  EXPECT_EQ(test->logs[1].slug, "test_results_xml");
  EXPECT_EQ(test->logs[1].stream, streams::log("linux", 4, 1, "test results.xml"));
  EXPECT_EQ(detail.step(7), nullptr);
  ASSERT_EQ(detail.properties().count("branch"), 1u);
  EXPECT_EQ(detail.properties().at("branch").first, "\"main\"");
}

TEST(Ids, StepAndLogIdsLeadBackToTheirBuildStepAndPlace) {
  auto step = step_id(12345, 7);
  ASSERT_TRUE(step);
  EXPECT_EQ(step_key(*step).buildid, 12345u);
  EXPECT_EQ(step_key(*step).number, 7u);
  auto log = log_id(12345, 7, 2);
  ASSERT_TRUE(log);
  EXPECT_EQ(log_key(*log).buildid, 12345u);
  EXPECT_EQ(log_key(*log).number, 7u);
  EXPECT_EQ(log_key(*log).place, 2u);
  // Beyond the ranges an id can hold: none, rather than one that names another build.
  EXPECT_FALSE(step_id(1, kMaxStepNumber + 1));
  EXPECT_FALSE(log_id(1, 0, kMaxLogPlace + 1));
  EXPECT_FALSE(log_id(kMaxBuildId + 1, 0, 0));
  EXPECT_LT(*log_id(kMaxBuildId, kMaxStepNumber, kMaxLogPlace), std::uint64_t(1) << 53);
}

}  // namespace
}  // namespace eventbot::gateway::readmodel
