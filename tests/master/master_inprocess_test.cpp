// A real Master in the test process, with a FakeClock: tree-stable timers, restarts,
// Force, reconfig by value and a scheduler actor that fails. Changes come in over the
// real port (PortClient, as `eventbot sendchange` sends them); everything is checked
// against the log on disk.
#include <gmock/gmock.h>
#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/keys.hpp"
#include "tests/master/master_inprocess_support.hpp"
#include "tests/store/raw_rocks.hpp"

namespace eventbot::master_test {
namespace {

using ::testing::ElementsAre;
using testing::wait_until;

class MasterE2E : public InProcessMaster {};

// Three changes within the tree-stable time build once, together, when the timer fires.
TEST_F(MasterE2E, TreeStableTimerBuildsThreeChangesTogether) {
  ASSERT_NO_FATAL_FAILURE(start(basic_config()));
  auto client = change_sender(master_->slave_port());
  ASSERT_TRUE(client);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(submit_change(*client, "alice", "main", "file" + std::to_string(i) + ".c"));
  }
  ASSERT_THAT(ids, ElementsAre(1u, 2u, 3u));

  ASSERT_TRUE(wait_until([&] { return count_where(log(), classified_by("stable")) == 3; }));
  ASSERT_TRUE(settle(*master_, "stable"));
  EXPECT_GE(count_where(log(), timer_set_by("stable")), 1u) << "no tree-stable timer set";
  EXPECT_TRUE(buildsets_of(log(), "stable").empty()) << "built before the tree was stable";

  // Not yet due: a tick changes nothing.
  clock_.advance(30 * kSecondUs);
  tick();
  ASSERT_TRUE(settle(*master_, "stable"));
  EXPECT_TRUE(buildsets_of(log(), "stable").empty()) << "built before the timer was due";

  clock_.advance(90 * kSecondUs);
  tick();
  ASSERT_TRUE(wait_until([&] { return !buildsets_of(log(), "stable").empty(); }));
  ASSERT_TRUE(settle(*master_, "stable"));
  auto buildsets = buildsets_of(log(), "stable");
  ASSERT_EQ(buildsets.size(), 1u);
  EXPECT_THAT(change_ids_of(buildsets[0]), ElementsAre(1u, 2u, 3u));
  EXPECT_THAT(buildsets[0].builder_names(), ElementsAre("runtests"));
  auto requests = events_where(log(), [&](const Envelope& e) {
    return e.has_build_request_submitted() &&
           e.build_request_submitted().buildset_id() == buildsets[0].buildset_id();
  });
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].build_request_submitted().builder(), "runtests");
  EXPECT_EQ(count_where(log(), [](const Envelope& e) { return e.has_scheduler_timer_fired(); }),
            1u);

  // Linked (docs/EVENTS.md): each change starts a chain and causes its classification;
  // the firing starts another, which the buildset and its request belong to.
  const auto fired =
      events_where(log(), [](const Envelope& e) { return e.has_scheduler_timer_fired(); })[0];
  EXPECT_EQ(fired.causation_id(), 0u);
  EXPECT_EQ(fired.correlation_id(), 0u);
  const auto buildset = buildset_events_of(log(), "stable")[0];
  EXPECT_EQ(buildset.causation_id(), fired.sequence());
  EXPECT_EQ(buildset.correlation_id(), fired.sequence());
  const auto& cause = buildset.buildset_submitted().cause();
  EXPECT_EQ(cause.kind(), events::BuildsetCause::TIMER);
  EXPECT_EQ(cause.timer(), "tree-stable");
  EXPECT_EQ(cause.timer_due_us(), fired.scheduler_timer_fired().due_us());
  EXPECT_THAT(cause.change_ids(), ElementsAre(1u, 2u, 3u));
  EXPECT_EQ(requests[0].causation_id(), buildset.sequence());
  EXPECT_EQ(requests[0].correlation_id(), fired.sequence());
  const auto changes = events_where(log(), [](const Envelope& e) { return e.has_change_added(); });
  const auto classified = events_where(log(), classified_by("stable"));
  ASSERT_EQ(changes.size(), 3u);
  ASSERT_EQ(classified.size(), 3u);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].causation_id(), 0u);
    EXPECT_EQ(classified[i].causation_id(), changes[i].sequence()) << "classification " << i;
    EXPECT_EQ(classified[i].correlation_id(), changes[i].sequence());
  }
}

// A pending tree-stable timer survives a restart: the buildset comes once, after it.
TEST_F(MasterE2E, RestartKeepsThePendingBuildset) {
  ASSERT_NO_FATAL_FAILURE(start(basic_config()));
  ASSERT_EQ(send_change(master_->slave_port(), "alice", "main", "a.c"), 1u);
  ASSERT_TRUE(wait_until([&] { return count_where(log(), timer_set_by("stable")) == 1; }));
  ASSERT_TRUE(settle(*master_, "stable"));
  EXPECT_TRUE(buildsets_of(log(), "stable").empty());
  master_.reset();  // stopped before the timer fires

  clock_.advance(120 * kSecondUs);
  master_ = start_master();
  ASSERT_TRUE(master_);
  tick();
  ASSERT_TRUE(wait_until([&] { return !buildsets_of(log(), "stable").empty(); }));
  ASSERT_TRUE(settle(*master_, "stable"));
  auto buildsets = buildsets_of(log(), "stable");
  ASSERT_EQ(buildsets.size(), 1u);
  EXPECT_THAT(change_ids_of(buildsets[0]), ElementsAre(1u));

  // Another restart and tick build nothing more.
  master_.reset();
  clock_.advance(120 * kSecondUs);
  master_ = start_master();
  ASSERT_TRUE(master_);
  tick();
  ASSERT_TRUE(settle(*master_, "stable"));
  EXPECT_EQ(buildsets_of(log(), "stable").size(), 1u);
  EXPECT_EQ(count_where(log(), [](const Envelope& e) { return e.has_scheduler_timer_fired(); }),
            1u);
  EXPECT_EQ(count_where(log(), start_mark_of("stable")), 1u);
  EXPECT_EQ(count_where(log(), [](const Envelope& e) { return e.has_master_started(); }), 3u);
  EXPECT_EQ(count_where(log(), [](const Envelope& e) { return e.has_master_stopped(); }), 2u);
}

TEST_F(MasterE2E, ForceBuildsWhatItNamesAndRefusesAnUnknownBuilder) {
  ASSERT_NO_FATAL_FAILURE(start(basic_config()));
  schedulers::Force force;
  force.who = "bob";
  force.reason = "checking the release";
  force.builders = {"runtests"};
  force.properties = {{"flavor", "\"debug\""}};
  ASSERT_EQ(command(*master_, "force", force), "ok");
  ASSERT_TRUE(wait_until([&] { return !buildsets_of(log(), "force").empty(); }));
  auto buildsets = buildsets_of(log(), "force");
  ASSERT_EQ(buildsets.size(), 1u);
  const auto& buildset = buildsets[0];
  EXPECT_NE(buildset.reason().find("bob"), std::string::npos) << buildset.reason();
  EXPECT_NE(buildset.reason().find("checking the release"), std::string::npos);
  EXPECT_THAT(buildset.builder_names(), ElementsAre("runtests"));
  bool flavor = false;
  for (const auto& property : buildset.properties()) {
    if (property.name() != "flavor") continue;
    flavor = true;
    EXPECT_EQ(property.value_json(), "\"debug\"");
    EXPECT_EQ(property.source(), "Force Build Form");
  }
  EXPECT_TRUE(flavor) << buildset.DebugString();
  auto requests = events_where(log(), [&](const Envelope& e) {
    return e.has_build_request_submitted() &&
           e.build_request_submitted().buildset_id() == buildset.buildset_id();
  });
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].build_request_submitted().builder(), "runtests");
  // The user is recorded as the cause; the forced buildset starts its chain.
  const auto forced = buildset_events_of(log(), "force")[0];
  EXPECT_EQ(forced.buildset_submitted().cause().kind(), events::BuildsetCause::FORCE);
  EXPECT_EQ(forced.buildset_submitted().cause().forced_by(), "bob");
  EXPECT_EQ(forced.causation_id(), 0u);
  EXPECT_EQ(requests[0].causation_id(), forced.sequence());
  EXPECT_EQ(requests[0].correlation_id(), forced.sequence());

  // Let the force scheduler fold its own buildset, then ask for an unknown builder.
  ASSERT_TRUE(wait_until([&] {
    schedulers::Force bad;
    bad.who = "bob";
    bad.builders = {"nosuch"};
    return command(*master_, "force", bad) != "ok";
  }));
  const auto head = log().head();
  schedulers::Force unknown;
  unknown.who = "bob";
  unknown.builders = {"nosuch"};
  auto answer = command(*master_, "force", unknown);
  EXPECT_NE(answer, "ok");
  EXPECT_NE(answer.find("nosuch"), std::string::npos) << answer;
  EXPECT_EQ(command(*master_, "nope", force), "no scheduler named 'nope'");
  ASSERT_TRUE(settle(*master_, "stable"));
  EXPECT_EQ(log().head(), head) << "a refused Force appended something";
  EXPECT_EQ(buildsets_of(log(), "force").size(), 1u);
}

// A command that arrives while its scheduler waits for its own last append to come
// back from the log must still be answered with its own outcome, not a blanket "ok".
TEST_F(MasterE2E, ACommandQueuedBehindAnAppendGetsItsOwnAnswer) {
  ASSERT_NO_FATAL_FAILURE(start(basic_config()));
  caf::scoped_actor self{master_->supervisor().home_system()};
  schedulers::Force good;
  good.who = "bob";
  schedulers::Force bad;
  bad.who = "bob";
  bad.builders = {"nosuch"};
  // Both sent at once: the second reaches the force scheduler right after the first
  // buildset is appended, before the log hands that append back.
  auto first =
      self->request(master_->supervisor(), std::chrono::seconds(30), master::command_atom::value,
                    std::string("force"), std::make_shared<const schedulers::Command>(good));
  auto second =
      self->request(master_->supervisor(), std::chrono::seconds(30), master::command_atom::value,
                    std::string("force"), std::make_shared<const schedulers::Command>(bad));
  std::string first_answer = "no answer", second_answer = "no answer";
  caf::error second_error;
  first.receive([&]() { first_answer = "ok"; },
                [&](caf::error& e) { first_answer = caf::to_string(e); });
  second.receive([&]() { second_answer = "ok"; },
                 [&](caf::error& e) {
                   second_error = e;
                   second_answer = describe(e);
                 });
  EXPECT_EQ(first_answer, "ok");
  EXPECT_TRUE(is(second_error, ec::unknown_target)) << caf::to_string(second_error);
  EXPECT_NE(second_answer.find("nosuch"), std::string::npos) << second_answer;
  ASSERT_TRUE(wait_until([&] { return !buildsets_of(log(), "force").empty(); }));
  EXPECT_EQ(buildsets_of(log(), "force").size(), 1u);
}

// Reconfig by value: an unchanged scheduler keeps running (same actor, same stream, its
// timer still pending), a changed one restarts with its new configuration, a new one
// records its start mark; an invalid file changes nothing.
TEST_F(MasterE2E, ReconfigKeepsUnchangedSchedulersAndRejectsInvalidFiles) {
  const std::string other_before = R"(  - type: single_branch
    name: other
    branch: dev
    tree_stable_timer: 30
    builders: [runtests]
)";
  ASSERT_NO_FATAL_FAILURE(start(basic_config(other_before)));
  ASSERT_EQ(send_change(master_->slave_port(), "alice", "main", "a.c"), 1u);
  ASSERT_TRUE(wait_until([&] { return count_where(log(), timer_set_by("stable")) == 1; }));
  ASSERT_TRUE(settle(*master_, "stable"));
  ASSERT_TRUE(settle(*master_, "other"));
  const auto stable_actor = scheduler_actor(*master_, "stable");
  const auto other_actor = scheduler_actor(*master_, "other");
  ASSERT_TRUE(stable_actor);
  ASSERT_TRUE(other_actor);
  EXPECT_FALSE(scheduler_actor(*master_, "late"));
  const auto stable_version = log().stream_version(streams::scheduler("stable"));
  ASSERT_TRUE(stable_version);
  const auto configs_loaded =
      count_where(log(), [](const Envelope& e) { return e.has_config_loaded(); });

  // other: no tree-stable timer any more; late: new.
  const std::string other_after = R"(  - type: single_branch
    name: other
    branch: dev
    builders: [runtests]
  - {type: any_branch, name: late, builders: [runtests]}
)";
  write_file(dir_ / "master.yaml", basic_config(other_after));
  ASSERT_EQ(master_->reconfig(), "");
  EXPECT_EQ(count_where(log(), [](const Envelope& e) { return e.has_config_loaded(); }),
            configs_loaded + 1);
  EXPECT_EQ(scheduler_actor(*master_, "stable"), stable_actor) << "unchanged scheduler restarted";
  const auto other_restarted = scheduler_actor(*master_, "other");
  EXPECT_TRUE(other_restarted);
  EXPECT_NE(other_restarted, other_actor) << "changed scheduler kept its old configuration";
  ASSERT_TRUE(scheduler_actor(*master_, "late"));
  ASSERT_TRUE(settle(*master_, "stable"));
  ASSERT_TRUE(settle(*master_, "late"));
  EXPECT_EQ(log().stream_version(streams::scheduler("stable")).value(), *stable_version);
  EXPECT_EQ(count_where(log(), start_mark_of("stable")), 1u);
  auto late_marks = events_where(log(), start_mark_of("late"));
  ASSERT_EQ(late_marks.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(late_marks[0].scheduler_state_saved().value_json())["change_id"],
            1u)
      << "a scheduler added by reconfig must not build the changes before it";

  // The changed scheduler runs its new configuration: a dev change builds at once.
  ASSERT_EQ(send_change(master_->slave_port(), "bob", "dev", "b.c"), 2u);
  ASSERT_TRUE(wait_until([&] { return !buildsets_of(log(), "other").empty(); }));
  EXPECT_THAT(change_ids_of(buildsets_of(log(), "other").at(0)), ElementsAre(2u));
  ASSERT_TRUE(wait_until([&] { return !buildsets_of(log(), "late").empty(); }));
  ASSERT_TRUE(settle(*master_, "late"));
  ASSERT_EQ(buildsets_of(log(), "late").size(), 1u);
  EXPECT_THAT(change_ids_of(buildsets_of(log(), "late")[0]), ElementsAre(2u));

  // The unchanged scheduler's timer is still pending: it fires and builds change 1.
  EXPECT_TRUE(buildsets_of(log(), "stable").empty());
  clock_.advance(120 * kSecondUs);
  tick();
  ASSERT_TRUE(wait_until([&] { return !buildsets_of(log(), "stable").empty(); }));
  EXPECT_THAT(change_ids_of(buildsets_of(log(), "stable").at(0)), ElementsAre(1u));

  // An invalid file: the errors come back, nothing changes.
  ASSERT_TRUE(settle(*master_, "stable"));
  ASSERT_TRUE(settle(*master_, "other"));
  ASSERT_TRUE(settle(*master_, "late"));
  const auto head = log().head();
  const auto late_actor = scheduler_actor(*master_, "late");
  write_file(dir_ / "master.yaml", basic_config() + "bogus_key: 1\n");
  auto errors = master_->reconfig();
  EXPECT_NE(errors.find("master.yaml:"), std::string::npos) << errors;
  EXPECT_NE(errors.find("bogus_key"), std::string::npos) << errors;
  EXPECT_EQ(log().head(), head) << "a rejected reconfig appended something";
  EXPECT_EQ(master_->config().schedulers.size(), 4u);
  EXPECT_EQ(scheduler_actor(*master_, "late"), late_actor);
  EXPECT_EQ(scheduler_actor(*master_, "other"), other_restarted);
  EXPECT_EQ(scheduler_actor(*master_, "stable"), stable_actor);
  // And the old configuration still builds: another dev change, at once.
  ASSERT_EQ(send_change(master_->slave_port(), "bob", "dev", "c.c"), 3u);
  EXPECT_TRUE(wait_until([&] { return buildsets_of(log(), "other").size() == 2; }));
}

// A scheduler actor that dies is recorded as ActorFailed and restarted from the log.
TEST_F(MasterE2E, AKilledSchedulerIsRecordedAndRestarted) {
  ASSERT_NO_FATAL_FAILURE(start(basic_config()));
  const auto victim = scheduler_actor(*master_, "stable");
  ASSERT_TRUE(victim);
  caf::anon_send_exit(victim, caf::exit_reason::kill);

  std::vector<Envelope> failures;
  ASSERT_TRUE(wait_until([&] {
    failures = events_where(log(), [](const Envelope& e) { return e.has_actor_failed(); });
    return !failures.empty();
  })) << "no ActorFailed event";
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].actor_failed().actor(), streams::scheduler("stable"));
  EXPECT_FALSE(failures[0].actor_failed().reason().empty());
  EXPECT_EQ(failures[0].stream(), streams::master("test-master"));

  caf::actor restarted;
  ASSERT_TRUE(wait_until([&] {
    restarted = scheduler_actor(*master_, "stable");
    return restarted && restarted != victim;
  }));
  // The restarted scheduler works: a change, its timer, its buildset.
  ASSERT_EQ(send_change(master_->slave_port(), "alice", "main", "a.c"), 1u);
  ASSERT_TRUE(wait_until([&] { return count_where(log(), timer_set_by("stable")) == 1; }));
  clock_.advance(120 * kSecondUs);
  tick();
  ASSERT_TRUE(wait_until([&] { return !buildsets_of(log(), "stable").empty(); }));
  ASSERT_TRUE(settle(*master_, "stable"));
  ASSERT_EQ(buildsets_of(log(), "stable").size(), 1u);
  EXPECT_THAT(change_ids_of(buildsets_of(log(), "stable")[0]), ElementsAre(1u));
  EXPECT_EQ(count_where(log(), start_mark_of("stable")), 1u);
  // Only the one failure: the restart itself did not fail.
  EXPECT_EQ(count_where(log(), [](const Envelope& e) { return e.has_actor_failed(); }), 1u);
}

// An event an earlier version could write, and no reader can parse (a ConfigLoaded whose
// text is not UTF-8), at the head of the log: the master refuses to start, naming the
// sequence, stream and type, instead of folding past it or reporting a bare "corrupt".
TEST_F(MasterE2E, AnUnreadableEventStopsStartUpNamingItsSequenceAndStream) {
  start(basic_config());
  const auto head = log().head().value();
  master_.reset();

  Envelope bad;
  bad.set_sequence(head + 1);
  bad.set_stream(streams::config());
  bad.set_stream_version(99);
  bad.mutable_config_loaded()->set_content("description: \xFF");
  std::string record;
  {
    google::protobuf::LogSilencer quiet;
    record = bad.SerializeAsString();
  }
  {
    store::test::RawRocks raw(dir_ / "events");
    ASSERT_TRUE(raw.is_open());
    raw.put("events", store::keys::big_endian(head + 1), record);
  }
  master::MasterOptions options;
  options.dir = dir_.path();
  options.clock = &clock_;
  options.slave_port = 0;
  options.web_port = 0;  // tests run in parallel: never the fixed 8010
  auto started = master::Master::start(options);
  ASSERT_FALSE(started) << "a master started over an unreadable event";
  EXPECT_THAT(started.error(), ::testing::HasSubstr("sequence " + std::to_string(head + 1) +
                                                    " (stream 'config', ConfigLoaded)"));
}

}  // namespace
}  // namespace eventbot::master_test
