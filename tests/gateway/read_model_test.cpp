// The gateway's read models, folded from events as the master appends them.
#include "gateway/readmodel/read_model.hpp"

#include <gtest/gtest.h>

#include "gateway/api/metrics.hpp"
#include "tests/gateway/gateway_events.hpp"

namespace eventbot::gateway::readmodel {
namespace {

using test::EventMaker;

// One buildset, two requests on two builders, one build finished and one running.
class ReadModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fold(make.master_started());
    fold(make.change(1, "alice", "main"));
    fold(make.buildset(1, "a change"));
    fold(make.request(1, 1, "linux"));
    fold(make.request(2, 1, "mac"));
    fold(make.attached("s1"));
    fold(make.claimed(1, "linux"));
    fold(make.started("linux", 1, 1));
    fold(make.finished("linux", 1, events::FAILURE));
    fold(make.completed(1, "linux", 1, events::FAILURE));
  }
  void fold(const events::Envelope& e) { model.evolve(e); }

  EventMaker make;
  ReadModel model;
};

TEST_F(ReadModelTest, NumbersBuildersBuildsWorkersAndMastersInTheOrderTheFoldMeetsThem) {
  ASSERT_EQ(model.builders().size(), 2u);
  EXPECT_EQ(model.builders()[0].name, "linux");
  EXPECT_EQ(model.builders()[1].name, "mac");
  ASSERT_EQ(model.builds().size(), 1u);
  const auto& build = model.builds()[0];
  EXPECT_EQ(build.buildid, 1u);
  EXPECT_EQ(build.builderid, 1u);
  EXPECT_EQ(build.number, 1u);
  EXPECT_EQ(build.buildrequestid, 1u);
  EXPECT_EQ(model.worker_name(build.workerid), "s1");
  EXPECT_EQ(build.masterid, 1u);
  ASSERT_TRUE(build.results);
  EXPECT_EQ(*build.results, events::FAILURE);
  EXPECT_EQ(build.state_string, "build failed");
  EXPECT_EQ(model.build_of("linux", 1), &build);
  EXPECT_EQ(model.build_of("linux", 2), nullptr);
  EXPECT_EQ(model.build_of("nope", 1), nullptr);
}

TEST_F(ReadModelTest, RequestsFollowTheirClaimsAndCompletion) {
  ASSERT_EQ(model.requests().size(), 2u);
  const auto& done = model.requests().at(1);
  EXPECT_TRUE(done.claimed);
  EXPECT_TRUE(done.complete);
  EXPECT_EQ(done.results, events::FAILURE);
  const auto& waiting = model.requests().at(2);
  EXPECT_FALSE(waiting.claimed);
  EXPECT_FALSE(waiting.complete);
  EXPECT_EQ(model.pending_requests(), 1u);
  // An unclaim puts a request back among the pending ones.
  fold(make.claimed(2, "mac"));
  EXPECT_EQ(model.pending_requests(), 0u);
  auto unclaimed = make.next(streams::build_request(2));
  unclaimed.mutable_build_request_unclaimed()->set_request_id(2);
  fold(unclaimed);
  EXPECT_EQ(model.pending_requests(), 1u);
  EXPECT_FALSE(model.requests().at(2).claimed);
}

TEST_F(ReadModelTest, RunningAndFinishedCountsAreWhatMetricsShows) {
  fold(make.claimed(2, "mac"));
  fold(make.started("mac", 1, 2));
  EXPECT_EQ(model.running_builds(), 1u);
  EXPECT_EQ(model.finished_by_result().at(events::FAILURE), 1u);
  auto text = api::metrics_text(model);
  EXPECT_NE(text.find("eventbot_builds_running 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eventbot_builds_finished_total{result=\"failure\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("eventbot_builds_finished_total{result=\"success\"} 0\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("eventbot_build_requests_pending 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eventbot_slaves_attached 1\n"), std::string::npos) << text;
}

TEST_F(ReadModelTest, MetricsShowTheOldestPendingRequestLogBytesTheStoreAndTheClients) {
  const auto submitted = model.requests().at(2).submitted_us;
  ASSERT_EQ(model.oldest_pending_submitted_us(), submitted);
  fold(make.request(3, 1, "linux"));
  EXPECT_EQ(model.oldest_pending_submitted_us(), submitted);  // 2 still waited longer
  for (std::uint32_t size : {10u, 5u}) {
    auto chunk = make.next(streams::log("linux", 1, 0, "stdio"));
    chunk.mutable_log_chunk()->set_size(size);
    fold(chunk);
  }
  EXPECT_EQ(model.log_bytes(), 15u);

  api::ProcessFigures figures;
  figures.now_us = submitted + 90'500'000;
  figures.store_bytes = 123456;
  store::WriteLatencyRecorder writes;
  writes.record(std::chrono::microseconds(300));  // <= 0.0005
  writes.record(std::chrono::milliseconds(20));   // <= 0.025
  writes.record(std::chrono::seconds(3));         // only +Inf
  figures.store_writes = writes.read();
  figures.http_connections = 4;
  figures.websocket_clients = 2;
  figures.sse_clients = 1;
  auto text = api::metrics_text(model, figures);
  for (const char* line : {
           "eventbot_build_requests_pending 2\n",
           "eventbot_build_requests_oldest_pending_seconds 90.5\n",
           "eventbot_log_bytes_total 15\n",
           "eventbot_store_size_bytes 123456\n",
           "# TYPE eventbot_store_write_seconds histogram\n",
           "eventbot_store_write_seconds_bucket{le=\"0.0005\"} 1\n",
           "eventbot_store_write_seconds_bucket{le=\"0.01\"} 1\n",
           "eventbot_store_write_seconds_bucket{le=\"0.025\"} 2\n",
           "eventbot_store_write_seconds_bucket{le=\"1\"} 2\n",
           "eventbot_store_write_seconds_bucket{le=\"+Inf\"} 3\n",
           "eventbot_store_write_seconds_sum 3.0203\n",
           "eventbot_store_write_seconds_count 3\n",
           "eventbot_gateway_clients{kind=\"http\"} 4\n",
           "eventbot_gateway_clients{kind=\"websocket\"} 2\n",
           "eventbot_gateway_clients{kind=\"sse\"} 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  }
  // Claimed, request 2 no longer waits: request 3 is the oldest; none pending: 0.
  fold(make.claimed(2, "mac"));
  EXPECT_EQ(model.oldest_pending_submitted_us(), model.requests().at(3).submitted_us);
  fold(make.claimed(3, "linux"));
  EXPECT_FALSE(model.oldest_pending_submitted_us());
  text = api::metrics_text(model, figures);
  EXPECT_NE(text.find("eventbot_build_requests_oldest_pending_seconds 0\n"), std::string::npos)
      << text;
}

TEST_F(ReadModelTest, WorkersAttachAndDetach) {
  ASSERT_EQ(model.workers().size(), 1u);
  EXPECT_TRUE(model.workers()[0].connected);
  EXPECT_EQ(model.workers()[0].host, "box");
  fold(make.detached("s1"));
  EXPECT_FALSE(model.workers()[0].connected);
  EXPECT_EQ(model.attached_workers(), 0u);
}

TEST_F(ReadModelTest, AnEventFoldedTwiceCountsOnce) {
  // The subscription may hand over events the start-up fold already saw.
  auto again = make.finished("linux", 1, events::FAILURE);
  again.set_sequence(9);  // at or below what was folded
  fold(again);
  EXPECT_EQ(model.finished_by_result().at(events::FAILURE), 1u);
  auto started_again = make.started("linux", 1, 1);
  fold(started_again);  // a new sequence, the same build: still one build
  EXPECT_EQ(model.builds().size(), 1u);
}

TEST_F(ReadModelTest, ConfigureAddsNamesTheLogHasNotMetAfterThoseItHas) {
  ConfiguredNames names;
  names.master_id = "m1";
  names.builders = {{"mac", "", {}, {"s1"}}, {"win", "Windows", {"slow"}, {"s2"}}};
  names.workers = {"s1", "s2"};
  SchedulerEntry force;
  force.name = "force";
  force.force = true;
  force.builder_names = {"win"};
  names.schedulers = {force};
  model.configure(names);
  ASSERT_EQ(model.builders().size(), 3u);
  EXPECT_EQ(model.builder_named("win")->builderid, 3u);
  EXPECT_EQ(model.builder_named("win")->description, "Windows");
  EXPECT_FALSE(model.builder_named("linux")->configured);  // only built, no longer configured
  EXPECT_TRUE(model.builder_named("mac")->configured);
  EXPECT_EQ(model.builder_named("mac")->masterids, std::vector<Id>{1});
  EXPECT_EQ(model.workers().size(), 2u);
  ASSERT_EQ(model.schedulers().size(), 1u);
  EXPECT_TRUE(model.schedulers()[0].force);
  EXPECT_EQ(model.serving_master(), 1u);
  // A reconfig keeps the ids of names it keeps.
  model.configure(names);
  EXPECT_EQ(model.builder_named("win")->builderid, 3u);
  EXPECT_EQ(model.schedulers()[0].schedulerid, 1u);
}

TEST_F(ReadModelTest, ChangesAndBuildsetsKeepTheirLogIds) {
  ASSERT_EQ(model.changes().size(), 1u);
  EXPECT_EQ(model.changes()[0].changeid, 1u);
  EXPECT_EQ(model.changes()[0].author, "alice");
  ASSERT_EQ(model.buildsets().count(1), 1u);
  EXPECT_EQ(model.buildsets().at(1).reason, "a change");
  EXPECT_EQ(model.buildsets().at(1).sourcestamps.at(0).revision, "abc");
}

}  // namespace
}  // namespace eventbot::gateway::readmodel
