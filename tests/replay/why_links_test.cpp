// `why` follows the links the master records (causation ids and BuildsetSubmitted's
// cause) instead of guessing: a triggered build back to the build whose Trigger step
// submitted it and on to that build's change; a timer's firing named by the link; a
// forced build's user from the recorded cause, whatever its reason says. The log is
// written to a real store in batches as the master appends them, the links the store
// sets inside a batch included. (Logs without links: history_commands_test.cpp.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "events/streams.hpp"
#include "replay/open_store.hpp"
#include "replay/why_command.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::replay {
namespace {

using events::Envelope;
using nlohmann::json;

constexpr std::int64_t kT0 = 1'795'338'000LL * 1'000'000;  // 2026-11-22T09:00:00Z
constexpr std::int64_t kSecond = 1'000'000;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class WhyLinks : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_ = store::test::open_store(dir_.path());
    ASSERT_NE(writer_, nullptr);
  }

  // Appends one batch; `in_batch` as store::AppendRequest::caused_in_batch. Returns the
  // sequence of its first event.
  std::uint64_t append(std::vector<Envelope> events,
                       std::map<std::size_t, std::size_t> in_batch = {}) {
    store::AppendRequest request;
    for (auto& e : events) {
      e.set_time_us(now_ += kSecond);
      e.set_master_id("m1");
    }
    request.events = std::move(events);
    request.caused_in_batch = std::move(in_batch);
    auto appended = writer_->append(std::move(request));
    EXPECT_TRUE(appended) << appended.error().message;
    return appended ? appended->first.value() : 0;
  }

  static Envelope linked(Envelope e, std::uint64_t causation, std::uint64_t correlation) {
    e.set_causation_id(causation);
    e.set_correlation_id(correlation);
    return e;
  }

  static Envelope buildset(std::uint64_t id, const std::string& scheduler,
                           const std::string& reason, const events::BuildsetCause& cause,
                           std::uint64_t request, std::vector<std::uint64_t> changes = {}) {
    Envelope e;
    e.set_stream(streams::buildset(id));
    auto* b = e.mutable_buildset_submitted();
    b->set_buildset_id(id);
    b->set_scheduler(scheduler);
    b->set_reason(reason);
    auto* stamp = b->add_sourcestamps();
    stamp->set_branch("master");
    for (auto c : changes) stamp->add_change_ids(c);
    b->add_build_request_ids(request);
    *b->mutable_cause() = cause;
    return e;
  }
  static Envelope request(std::uint64_t id, std::uint64_t buildset, const std::string& builder) {
    Envelope e;
    e.set_stream(streams::build_request(id));
    e.mutable_build_request_submitted()->set_request_id(id);
    e.mutable_build_request_submitted()->set_buildset_id(buildset);
    e.mutable_build_request_submitted()->set_builder(builder);
    return e;
  }
  static Envelope started(const std::string& builder, std::uint32_t number, std::uint64_t request) {
    Envelope e;
    e.set_stream(streams::build(builder, number));
    e.mutable_build_started()->set_builder(builder);
    e.mutable_build_started()->set_number(number);
    e.mutable_build_started()->add_request_ids(request);
    e.mutable_build_started()->set_slave("linux-1");
    return e;
  }

  struct Output {
    int code = -1;
    std::string out, err;
  };
  Output why(const std::string& builder, std::uint32_t number, bool as_json) {
    writer_.reset();
    auto reader = open_store_for_reading(dir_.path());
    EXPECT_TRUE(reader) << reader.error().message;
    std::ostringstream out, err;
    Output result;
    result.code = run_why(**reader, WhyOptions{builder, number, as_json}, out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
  }

  eventbot::testing::TempDir dir_;
  std::unique_ptr<store::RocksEventLog> writer_;
  std::int64_t now_ = kT0;
};

// The master's trigger step records no parent buildset: only the links lead back from
// the triggered build to the build that triggered it, and on to the change behind that.
TEST_F(WhyLinks, ATriggeredBuildLeadsToTheTriggeringBuildAndItsChange) {
  Envelope change;
  change.set_stream(streams::changes());
  change.mutable_change_added()->set_who("alice");
  change.mutable_change_added()->set_revision("abc123");
  change.mutable_change_added()->set_branch("master");
  change.mutable_change_added()->set_source("sendchange:ci-bot");  // the client's login
  const auto change_seq = append({change});                        // starts the chain
  events::BuildsetCause by_change;
  by_change.set_kind(events::BuildsetCause::CHANGE);
  by_change.add_change_ids(1);
  const auto bs1 = append(
      {linked(buildset(1, "main", "The SingleBranch scheduler named 'main' triggered this build",
                       by_change, 1, {1}),
              change_seq, change_seq),
       request(1, 1, "app")},
      {{1, 0}});
  const auto start1 = append({linked(started("app", 1, 1), bs1 + 1, change_seq)});
  Envelope step;
  step.set_stream(streams::build("app", 1));
  step.mutable_step_started()->set_builder("app");
  step.mutable_step_started()->set_build_number(1);
  step.mutable_step_started()->set_step_index(0);
  step.mutable_step_started()->set_name("deploy it");
  const auto step_seq = append({linked(step, start1, change_seq)});
  events::BuildsetCause by_trigger;
  by_trigger.set_kind(events::BuildsetCause::TRIGGER);
  by_trigger.set_parent_builder("app");
  by_trigger.set_parent_build_number(1);
  by_trigger.set_parent_step_index(0);
  auto triggered = buildset(
      2, "deploy", "The Triggerable scheduler named 'deploy' triggered this build", by_trigger, 2);
  triggered.mutable_buildset_submitted()->set_external_idstring("trigger:app/1/0:deploy");
  const auto bs2 =
      append({linked(triggered, step_seq, change_seq), request(2, 2, "deployer")}, {{1, 0}});
  append({linked(started("deployer", 1, 2), bs2 + 1, change_seq)});

  auto text = why("deployer", 1, false);
  ASSERT_EQ(text.code, 0) << text.err;
  const auto& out = text.out;
  EXPECT_TRUE(contains(out, "<- buildset 2 from scheduler deploy")) << out;
  EXPECT_TRUE(contains(out, "caused by step 0 of build app #1 (event " + std::to_string(step_seq) +
                                " StepStarted, chain " + std::to_string(change_seq) + ")"))
      << out;
  EXPECT_TRUE(contains(out, "<- build app #1: running on slave linux-1")) << out;
  EXPECT_TRUE(contains(out, "caused by change 1 (event " + std::to_string(change_seq) +
                                " ChangeAdded, chain " + std::to_string(change_seq) + ")"))
      << out;
  EXPECT_TRUE(contains(out, "<- change 1 by alice: revision abc123")) << out;
  EXPECT_TRUE(contains(out, " by sendchange, user ci-bot\n")) << out;

  auto chain = json::parse(why("deployer", 1, true).out);
  const auto& bs = chain["buildsets"][0];
  EXPECT_EQ(bs["cause"]["kind"], "trigger");
  EXPECT_EQ(bs["cause"]["event"], step_seq);
  EXPECT_EQ(bs["cause"]["chain"], change_seq);
  EXPECT_EQ(bs["cause"]["parent_build"], (json{{"builder", "app"}, {"number", 1}, {"step", 0}}));
  ASSERT_TRUE(bs["triggered_by"].is_object()) << bs.dump();
  EXPECT_EQ(bs["triggered_by"]["build"]["builder"], "app");
  EXPECT_EQ(bs["triggered_by"]["buildsets"][0]["cause"]["kind"], "change");
  EXPECT_EQ(bs["triggered_by"]["changes"][0]["who"], "alice");
  EXPECT_EQ(bs["triggered_by"]["changes"][0]["source"], "sendchange:ci-bot");
  EXPECT_EQ(bs["triggered_by"]["changes"][0]["source_described"], "sendchange, user ci-bot");
  EXPECT_EQ(chain["build"]["correlation_id"], change_seq);
  EXPECT_EQ(chain["build"]["causation_id"], bs2 + 1);
}

// The firing is the event the buildset names: no window of nearby events is searched.
TEST_F(WhyLinks, ATimerBuildsetNamesTheFiringItIsLinkedTo) {
  Envelope fired;
  fired.set_stream(streams::scheduler("hourly"));
  fired.mutable_scheduler_timer_fired()->set_scheduler("hourly");
  fired.mutable_scheduler_timer_fired()->set_timer("periodic");
  fired.mutable_scheduler_timer_fired()->set_due_us(kT0);
  events::BuildsetCause by_timer;
  by_timer.set_kind(events::BuildsetCause::TIMER);
  by_timer.set_timer("periodic");
  by_timer.set_timer_due_us(kT0);
  // Another scheduler's event between the firing and the buildset: the old guess (the
  // scheduler's own events right before the buildset) finds no timer here.
  Envelope other;
  other.set_stream(streams::scheduler("other"));
  other.mutable_scheduler_timer_set()->set_scheduler("other");
  other.mutable_scheduler_timer_set()->set_timer("nightly");
  const auto first =
      append({fired, other,
              buildset(1, "hourly", "The Periodic scheduler named 'hourly' triggered this build",
                       by_timer, 1),
              request(1, 1, "app")},
             {{2, 0}, {3, 2}});
  append({linked(started("app", 1, 1), first + 3, first)});

  auto text = why("app", 1, false);
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "caused by timer periodic (event " + std::to_string(first) +
                                     " SchedulerTimerFired, chain " + std::to_string(first) + ")"))
      << text.out;
  EXPECT_TRUE(
      contains(text.out, "timer periodic of scheduler hourly fired at 2026-11-22T09:00:01.000000Z"))
      << text.out;
  auto chain = json::parse(why("app", 1, true).out);
  EXPECT_EQ(chain["buildsets"][0]["timer"]["fired_at"], "2026-11-22T09:00:01.000000Z");
  EXPECT_EQ(chain["buildsets"][0]["cause"]["event_type"], "SchedulerTimerFired");
}

// Who forced a build is recorded, not read out of the reason's text.
TEST_F(WhyLinks, AForcedBuildNamesTheRecordedUserWhateverTheReasonSays) {
  events::BuildsetCause by_force;
  by_force.set_kind(events::BuildsetCause::FORCE);
  by_force.set_forced_by("dave");
  const auto first = append(
      {buildset(1, "force", "release candidate 3", by_force, 1), request(1, 1, "app")}, {{1, 0}});
  append({linked(started("app", 1, 1), first + 1, first)});
  auto text = why("app", 1, false);
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "caused by user dave (chain " + std::to_string(first) + ")"))
      << text.out;
  EXPECT_TRUE(contains(text.out, "forced by dave\n")) << text.out;
  auto chain = json::parse(why("app", 1, true).out);
  EXPECT_EQ(chain["buildsets"][0]["forced_by"], "dave");
  EXPECT_TRUE(chain["buildsets"][0]["cause"]["event"].is_null())
      << "a forced buildset starts its chain";
}

}  // namespace
}  // namespace eventbot::replay
