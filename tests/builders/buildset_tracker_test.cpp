// The buildset completion rule (BuildsetTracker), on hand-built event sequences through
// the builders' fake log: when a buildset is complete, its result, what its completion is
// caused by, and that each completion is handed out once.
#include "actors/builders/buildset_tracker.hpp"

#include <gtest/gtest.h>

#include "tests/builders/harness.hpp"

namespace eventbot::builders::testing {
namespace {

class BuildsetTrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.on_event([this](const Envelope& e) { tracker_.evolve(e); });
  }
  // Appends the request's end: BuildRequestCompleted, or with CANCELLED a cancellation.
  const Envelope& end(std::uint64_t request, events::Result result) {
    Envelope e;
    e.set_stream(streams::build_request(request));
    if (result == events::CANCELLED) {
      e.mutable_build_request_cancelled()->set_request_id(request);
    } else {
      e.mutable_build_request_completed()->set_request_id(request);
      e.mutable_build_request_completed()->set_result(result);
    }
    log_.append(e);
    return log_.events().back();
  }

  FakeLog log_;
  BuildsetTracker tracker_;
};

TEST_F(BuildsetTrackerTest, CompleteOnlyOnceEveryRequestEndedWithTheWorstResult) {
  auto ids = log_.submit({"a", "b", "c"});
  end(ids[0], events::SUCCESS);
  end(ids[1], events::FAILURE);
  EXPECT_TRUE(tracker_.take_ready().empty()) << "request " << ids[2] << " is still open";
  ASSERT_EQ(tracker_.open().at(1).open, std::set<std::uint64_t>{ids[2]});
  const auto last = end(ids[2], events::WARNINGS);
  auto ready = tracker_.take_ready();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].id, 1u);
  EXPECT_EQ(ready[0].result, events::FAILURE);
  EXPECT_EQ(ready[0].version, StreamVersion(1));
  EXPECT_EQ(ready[0].cause, events::Cause::of(last));
  EXPECT_TRUE(tracker_.take_ready().empty()) << "a completion is handed out once";
}

TEST_F(BuildsetTrackerTest, ACancelledRequestCountsAsCancelled) {
  auto ids = log_.submit({"a", "b"});
  end(ids[0], events::FAILURE);
  end(ids[1], events::CANCELLED);
  auto ready = tracker_.take_ready();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].result, events::CANCELLED);
}

TEST_F(BuildsetTrackerTest, ARequestEndedTwiceOrUnknownChangesNothing) {
  auto first = log_.submit({"a"});
  auto second = log_.submit({"b"});
  end(first[0], events::SUCCESS);
  ASSERT_EQ(tracker_.take_ready().size(), 1u);
  end(first[0], events::FAILURE);  // a second end of the same request
  end(999, events::FAILURE);       // a request no buildset has
  EXPECT_TRUE(tracker_.take_ready().empty());
  ASSERT_TRUE(tracker_.open().contains(2));
  EXPECT_EQ(tracker_.open().at(2).result, events::SUCCESS);
  EXPECT_EQ(tracker_.open().at(2).open, std::set<std::uint64_t>{second[0]});
}

TEST_F(BuildsetTrackerTest, BuildsetCompletedEndsTheTrackingAndDropsAPendingCompletion) {
  auto ids = log_.submit({"a"});
  end(ids[0], events::SUCCESS);
  auto ready = tracker_.take_ready();
  ASSERT_EQ(ready.size(), 1u);
  log_.append(BuildsetTracker::completed_event(ready[0]));
  EXPECT_FALSE(tracker_.open().contains(1));
  // Another master recorded it before this one looked: nothing left to record.
  auto more = log_.submit({"b"});
  end(more[0], events::SUCCESS);
  Envelope other = BuildsetTracker::completed_event({2, events::SUCCESS, StreamVersion(1), {}});
  log_.append(other);
  EXPECT_TRUE(tracker_.take_ready().empty());
}

TEST_F(BuildsetTrackerTest, TheCompletedEventIsLinkedToItsCauseAndExpectsTheFoldedVersion) {
  auto ids = log_.submit({"a"});
  const auto submitted = log_.events().front();
  const auto last = end(ids[0], events::FAILURE);
  auto ready = tracker_.take_ready();
  ASSERT_EQ(ready.size(), 1u);
  const auto event = BuildsetTracker::completed_event(ready[0]);
  EXPECT_EQ(event.stream(), streams::buildset(1));
  EXPECT_EQ(event.buildset_completed().buildset_id(), 1u);
  EXPECT_EQ(event.buildset_completed().result(), events::FAILURE);
  EXPECT_EQ(event.causation_id(), last.sequence());
  EXPECT_EQ(event.correlation_id(), last.sequence()) << "the request's end starts no chain here";
  EXPECT_FALSE(tracker_.request_submitted(ids[0]).has_value()) << "ended";
  EXPECT_EQ(submitted.sequence(), 1u);
}

TEST_F(BuildsetTrackerTest, ABuildsetWithoutRequestsIsCompleteWhenSubmitted) {
  log_.submit({});
  auto ready = tracker_.take_ready();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].result, events::SUCCESS);
  EXPECT_EQ(ready[0].cause.sequence, 1u) << "caused by its BuildsetSubmitted";
}

// Logs written before BuildsetSubmitted listed its requests: the requests' own
// BuildRequestSubmitted events make the buildset wait for them.
TEST_F(BuildsetTrackerTest, OlderLogsWithoutTheRequestListStillWaitForEveryRequest) {
  store::AppendRequest request;
  Envelope bs;
  bs.set_stream(streams::buildset(7));
  bs.mutable_buildset_submitted()->set_buildset_id(7);
  request.events.push_back(bs);
  for (std::uint64_t id : {70, 71}) {
    Envelope r;
    r.set_stream(streams::build_request(id));
    r.mutable_build_request_submitted()->set_request_id(id);
    r.mutable_build_request_submitted()->set_buildset_id(7);
    request.events.push_back(r);
  }
  ASSERT_TRUE(log_.append(request));
  EXPECT_TRUE(tracker_.take_ready().empty()) << "two requests are open";
  ASSERT_TRUE(tracker_.request_submitted(70));
  EXPECT_EQ(tracker_.request_submitted(70)->sequence, 2u);
  end(70, events::SUCCESS);
  EXPECT_TRUE(tracker_.take_ready().empty());
  end(71, events::EXCEPTION);
  auto ready = tracker_.take_ready();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].result, events::EXCEPTION);
}

// The request's submission, linked to its buildset in the batch, is what a build of it
// is caused by; its chain is the buildset's.
TEST_F(BuildsetTrackerTest, RequestSubmittedKeepsTheRequestsLinks) {
  store::AppendRequest request;
  Envelope bs;
  bs.set_stream(streams::buildset(1));
  bs.mutable_buildset_submitted()->set_buildset_id(1);
  bs.mutable_buildset_submitted()->add_build_request_ids(5);
  request.events.push_back(bs);
  Envelope r;
  r.set_stream(streams::build_request(5));
  r.mutable_build_request_submitted()->set_request_id(5);
  r.mutable_build_request_submitted()->set_buildset_id(1);
  request.events.push_back(r);
  request.caused_in_batch[1] = 0;
  ASSERT_TRUE(log_.append(request));
  auto cause = tracker_.request_submitted(5);
  ASSERT_TRUE(cause);
  EXPECT_EQ(cause->sequence, 2u);
  EXPECT_EQ(cause->correlation, 1u);
  EXPECT_EQ(cause->chain(), 1u);
}

}  // namespace
}  // namespace eventbot::builders::testing
