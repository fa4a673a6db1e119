// Projection snapshots in a real Master (in this process, store on disk, FakeClock):
// the snapshots it saves are exactly the fold of the log up to their sequence; a restart
// with them, without them (MasterOptions::use_snapshots = false), with them deleted, or
// with a scheduler's snapshot taken under another configuration, behaves the same: the
// same pending tree-stable timer fires once, at the same time, with the same buildset.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "actors/config/config_loader.hpp"
#include "actors/master/distributor_snapshot.hpp"
#include "actors/master/master.hpp"
#include "actors/master/snapshots.hpp"
#include "actors/messages/actors.hpp"
#include "actors/messages/errors.hpp"
#include "actors/schedulers/clock.hpp"
#include "actors/schedulers/make_scheduler.hpp"
#include "events/snapshots.pb.h"
#include "events/streams.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::master_snapshot_test {
namespace {

namespace fs = std::filesystem;
using events::Envelope;
using testing::wait_until;

constexpr std::int64_t kSecondUs = 1'000'000;

std::string config_yaml(int tree_stable_timer) {
  return R"(title: snapshots
master:
  id: snap-master
  slave_port: 0
slaves:
  - {name: s1, password: pw}
schedulers:
  - type: single_branch
    name: stable
    branch: main
    tree_stable_timer: )" +
         std::to_string(tree_stable_timer) + R"(
    builders: [runtests]
  - {type: force, name: force, builders: [runtests]}
builders:
  - name: runtests
    slaves: [s1]
    steps:
      - {type: shell, name: test, command: "true"}
)";
}

config::SchedulerConfig stable_config(int tree_stable_timer) {
  auto loaded = config::load_config_string(config_yaml(tree_stable_timer), "master.yaml");
  EXPECT_TRUE(loaded.has_value());
  if (!loaded) return {};
  for (const auto& s : loaded->schedulers) {
    if (s.name == "stable") return s;
  }
  ADD_FAILURE() << "no scheduler 'stable'";
  return {};
}

config::SchedulerConfig force_config() {
  auto loaded = config::load_config_string(config_yaml(60), "master.yaml");
  EXPECT_TRUE(loaded.has_value());
  return loaded ? loaded->schedulers.at(1) : config::SchedulerConfig{};
}

std::vector<Envelope> all_events(store::EventLog& log, std::uint64_t to = 0) {
  std::vector<Envelope> out;
  auto scanned = log.scan(Sequence(1), Sequence(to), [&](const Envelope& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_TRUE(scanned) << scanned.error().message;
  return out;
}

std::size_t count(store::EventLog& log, const std::function<bool(const Envelope&)>& keep) {
  std::size_t n = 0;
  for (const auto& e : all_events(log)) n += keep(e) ? 1 : 0;
  return n;
}

bool is_buildset(const Envelope& e) {
  return e.has_buildset_submitted() && e.buildset_submitted().scheduler() == "stable";
}
bool is_timer_set(const Envelope& e) {
  return e.has_scheduler_timer_set();
}

// Appends a change on `branch` stamped with the fake clock's time (its tree-stable timer
// counts from it); returns its change id.
std::uint64_t append_change(store::EventLog& log, const std::string& branch, std::int64_t time_us,
                            const std::string& revision) {
  store::AppendRequest request;
  auto& e = request.events.emplace_back();
  e.set_stream(streams::changes());
  e.set_time_us(time_us);
  auto* c = e.mutable_change_added();
  c->set_who("alice");
  c->set_branch(branch);
  c->set_revision(revision);
  c->add_files("src/" + revision + ".c");
  auto appended = log.append(std::move(request));
  EXPECT_TRUE(appended) << appended.error().message;
  return appended ? appended->versions.at(0).value() : 0;
}

std::string command(master::Master& m, const std::string& scheduler, schedulers::Command cmd) {
  caf::scoped_actor self{m.supervisor().home_system()};
  std::string answer = "no answer";
  self->request(m.supervisor(), std::chrono::seconds(30), master::command_atom::value, scheduler,
                std::make_shared<const schedulers::Command>(std::move(cmd)))
      .receive([&]() { answer = "ok"; },
               [&](caf::error& error) {
                 // A scheduler's refusal reads as its reason; no answer at all as "error: ".
                 answer = error.category() == kErrorCategory ? describe(error)
                                                             : "error: " + caf::to_string(error);
               });
  return answer;
}

// Waits until `stable` has decided what it was sent and folded its own appends (it
// refuses a Force only once the Force's turn came).
bool settle(master::Master& m) {
  return wait_until([&] {
    auto answer = command(m, "stable", schedulers::Force{"settle", "", {}, "", "", "", {}, {}});
    return answer != "ok" && answer.find("error:") != 0;
  });
}

void tick(master::Master& m) {
  caf::anon_send(m.supervisor(), master::tick_atom::value);
}

std::unique_ptr<master::Master> start_master(const fs::path& dir, const schedulers::Clock& clock,
                                             bool use_snapshots, std::uint64_t every) {
  master::MasterOptions options;
  options.dir = dir;
  options.clock = &clock;
  options.slave_port = 0;
  options.web_port = 0;  // tests run in parallel: never the fixed 8010
  options.use_snapshots = use_snapshots;
  options.snapshot_every = every;
  auto started = master::Master::start(options);
  EXPECT_TRUE(started) << (started ? "" : started.error());
  return started ? std::move(*started) : nullptr;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The projection's snapshot equals the fold of the log up to its sequence; returns the
// sequence (0 if there is none).
std::uint64_t expect_scheduler_snapshot_is_fold(store::RocksEventLog& log,
                                                const config::SchedulerConfig& config) {
  auto loaded = log.load_snapshot(master::scheduler_projection(config.name));
  EXPECT_TRUE(loaded) << loaded.error().message;
  if (!loaded || !*loaded) return 0;
  auto core = schedulers::make_scheduler(config);
  EXPECT_TRUE(core.has_value());
  if (!core) return 0;
  for (const auto& e : all_events(log, (*loaded)->sequence.value())) (*core)->evolve(e);
  EXPECT_EQ((*core)->snapshot(), (*loaded)->state)
      << "the snapshot of " << config.name << " at " << (*loaded)->sequence.value()
      << " is not the fold of the log up to it";
  return (*loaded)->sequence.value();
}

std::uint64_t expect_supervisor_snapshot_is_fold(store::RocksEventLog& log) {
  auto loaded = log.load_snapshot(master::kSupervisorProjection);
  EXPECT_TRUE(loaded) << loaded.error().message;
  if (!loaded || !*loaded) return 0;
  snapshots::SupervisorSnapshot saved;
  EXPECT_TRUE(saved.ParseFromString((*loaded)->state));
  snapshots::SupervisorSnapshot fold;
  fold.set_format(master::kSupervisorSnapshotFormat);
  for (const auto& e : all_events(log, (*loaded)->sequence.value())) {
    if (e.has_buildset_submitted()) {
      fold.set_last_buildset_id(
          std::max(fold.last_buildset_id(), e.buildset_submitted().buildset_id()));
    }
    if (e.has_build_request_submitted()) {
      fold.set_last_request_id(
          std::max(fold.last_request_id(), e.build_request_submitted().request_id()));
    }
    if (e.stream() == streams::changes()) fold.set_last_change_id(e.stream_version());
  }
  EXPECT_EQ(saved.ShortDebugString(), fold.ShortDebugString());
  return (*loaded)->sequence.value();
}

// A distributor's folds, fresh from the configuration, folded over the log up to `to`.
std::unique_ptr<master::DistributorState> distributor_fold(store::RocksEventLog& log,
                                                           std::uint64_t to) {
  auto loaded = config::load_config_string(config_yaml(60), "master.yaml");
  EXPECT_TRUE(loaded.has_value());
  if (!loaded) return nullptr;
  auto state = std::make_unique<master::DistributorState>();
  state->config = std::make_shared<const config::MasterConfig>(*loaded);
  state->context.master_id = "snap-master";
  state->core = std::make_unique<builders::DistributorCore>(*state->config, "snap-master");
  state->locks = builders::LockTable(state->config->locks, "snap-master");
  for (const auto& e : all_events(log, to)) master::fold_distributor_state(*state, e);
  return state;
}

std::uint64_t expect_distributor_snapshot_is_fold(store::RocksEventLog& log) {
  auto loaded = log.load_snapshot(master::kDistributorProjection);
  EXPECT_TRUE(loaded) << loaded.error().message;
  if (!loaded || !*loaded) return 0;
  auto fold = distributor_fold(log, (*loaded)->sequence.value());
  if (!fold) return 0;
  EXPECT_EQ(master::encode_distributor_folds(*fold), (*loaded)->state)
      << "the distributor's snapshot at " << (*loaded)->sequence.value()
      << " is not the fold of the log up to it";
  return (*loaded)->sequence.value();
}

// The pending requests in the distributor's saved snapshot.
std::size_t pending_in_distributor_snapshot(store::RocksEventLog& log) {
  auto loaded = log.load_snapshot(master::kDistributorProjection);
  if (!loaded || !*loaded) return 0;
  snapshots::DistributorSnapshot saved;
  EXPECT_TRUE(saved.ParseFromString((*loaded)->state));
  return static_cast<std::size_t>(saved.core().requests_size());
}

std::unique_ptr<store::RocksEventLog> open_store(const fs::path& dir) {
  store::RocksOptions options;
  options.dir = dir / "events";
  auto log = store::RocksEventLog::open(options);
  EXPECT_TRUE(log) << (log ? "" : log.error().message);
  return log ? std::move(*log) : nullptr;
}

enum class Mode {
  snapshots,
  no_snapshots,
  deleted,
  foreign_config,
  stale_state,
  stale_distributor
};

// A master that recorded two changes on main (the first built, the second's tree-stable
// timer pending) and stopped cleanly, saving its snapshots.
class MasterSnapshots : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "master.yaml", config_yaml(60));
    auto m = start_master(dir_.path(), clock_, true, /*every=*/4);
    ASSERT_TRUE(m);
    auto& log = m->log();
    c1_ = append_change(log, "main", clock_.now_us(), "r1");
    append_change(log, "other", clock_.now_us(), "r2");  // not followed: ignored
    ASSERT_TRUE(wait_until([&] { return count(log, is_timer_set) == 1; }));
    clock_.advance(120 * kSecondUs);
    tick(*m);
    ASSERT_TRUE(wait_until([&] { return count(log, is_buildset) == 1; }));
    ASSERT_TRUE(settle(*m));
    c3_ = append_change(log, "main", clock_.now_us(), "r3");
    ASSERT_TRUE(wait_until([&] { return count(log, is_timer_set) == 2; }));
    ASSERT_TRUE(settle(*m));
    for (const auto& e : all_events(log)) {
      if (e.stream() == streams::changes() && e.stream_version() == c3_) {
        before_c3_ = e.sequence() - 1;
      }
    }
    // Saved every 4 events while running, each the exact fold up to its sequence.
    EXPECT_GT(expect_scheduler_snapshot_is_fold(log, stable_config(60)), 0u);
    EXPECT_GT(expect_supervisor_snapshot_is_fold(log), 0u);
    EXPECT_GT(expect_distributor_snapshot_is_fold(log), 0u);
    m.reset();
    stopped_at_ = clock_.now_us();

    auto store = open_store(dir_.path());
    ASSERT_TRUE(store);
    // The clean stop saved everything the scheduler had folded (its own appends included).
    std::uint64_t timer_seq = 0;
    for (const auto& e : all_events(*store)) {
      if (is_timer_set(e)) timer_seq = e.sequence();
    }
    EXPECT_GE(expect_scheduler_snapshot_is_fold(*store, stable_config(60)), timer_seq);
    EXPECT_GT(expect_scheduler_snapshot_is_fold(*store, force_config()), 0u);
    EXPECT_GE(expect_supervisor_snapshot_is_fold(*store), timer_seq);
    EXPECT_GE(expect_distributor_snapshot_is_fold(*store), timer_seq);
    // The first buildset's request waits for a slave that never comes.
    EXPECT_EQ(pending_in_distributor_snapshot(*store), 1u);
  }

  struct Outcome {
    std::string events;                // what the restarted master appended, normalized
    std::size_t early_buildsets = 0;   // buildsets of `stable` 45 s after the restart
    std::size_t late_buildsets = 0;    // and 120 s after it
    std::vector<std::uint64_t> built;  // the changes of the last buildset
  };

  // Restarts a copy of the stopped master in `mode`, lets 45 s then 120 s pass (ticking),
  // and reports what it did.
  Outcome restart(Mode mode) {
    testing::TempDir copy{"master-snapshot-copy"};
    fs::copy(dir_.path(), copy.path(), fs::copy_options::recursive);
    std::uint64_t head = 0;
    {
      auto store = open_store(copy.path());
      if (!store) return {};
      head = store->head().value();
      if (mode == Mode::deleted) {
        for (const char* projection :
             {"scheduler/stable", "scheduler/force", "supervisor", "distributor"}) {
          EXPECT_TRUE(store->delete_snapshot(projection));
        }
      }
      if (mode == Mode::foreign_config || mode == Mode::stale_state) {
        // foreign: a faithful fold, but under a tree-stable timer of 30 s, not 60 s.
        // stale: the right configuration, but a fold that stops before the last change
        // while claiming the head, to show that a restart really starts from it.
        auto config = stable_config(mode == Mode::foreign_config ? 30 : 60);
        auto core = schedulers::make_scheduler(config);
        EXPECT_TRUE(core.has_value());
        auto to = mode == Mode::foreign_config ? head : before_c3_;
        for (const auto& e : all_events(*store, to)) (*core)->evolve(e);
        EXPECT_TRUE(store->save_snapshot("scheduler/stable",
                                         store::Snapshot{Sequence(head), (*core)->snapshot()}));
      }
      if (mode == Mode::stale_distributor) {
        // A distributor fold that stops before the first buildset while claiming the head.
        std::uint64_t before_buildset = 0;
        for (const auto& e : all_events(*store)) {
          if (is_buildset(e) && before_buildset == 0) before_buildset = e.sequence() - 1;
        }
        auto fold = distributor_fold(*store, before_buildset);
        EXPECT_TRUE(fold);
        if (fold) {
          EXPECT_TRUE(store->save_snapshot(
              master::kDistributorProjection,
              store::Snapshot{Sequence(head), master::encode_distributor_folds(*fold)}));
        }
      }
    }
    schedulers::FakeClock clock(stopped_at_);
    auto m = start_master(copy.path(), clock, mode != Mode::no_snapshots, master::kSnapshotEvery);
    if (!m) return {};
    auto& log = m->log();
    Outcome out;
    EXPECT_TRUE(settle(*m));
    clock.advance(45 * kSecondUs);
    tick(*m);
    EXPECT_TRUE(settle(*m));
    out.early_buildsets = count(log, is_buildset);
    clock.advance(75 * kSecondUs);
    tick(*m);
    if (mode != Mode::stale_state) {
      EXPECT_TRUE(wait_until([&] { return count(log, is_buildset) == 2; }));
    }
    EXPECT_TRUE(settle(*m));
    for (const auto& e : all_events(log)) {
      if (is_buildset(e)) {
        out.built.clear();
        for (const auto& ss : e.buildset_submitted().sourcestamps()) {
          out.built.insert(out.built.end(), ss.change_ids().begin(), ss.change_ids().end());
        }
        ++out.late_buildsets;
      }
      if (e.sequence() <= head || e.stream() == streams::config() ||
          e.stream().rfind("master/", 0) == 0) {
        continue;
      }
      Envelope normalized = e;
      normalized.clear_time_us();
      out.events += normalized.ShortDebugString() + "\n";
    }
    m.reset();
    if (mode == Mode::snapshots) {
      // Its own clean stop saved the fold again, past everything it appended.
      auto store = open_store(copy.path());
      EXPECT_GT(expect_scheduler_snapshot_is_fold(*store, stable_config(60)), head);
      EXPECT_GT(expect_supervisor_snapshot_is_fold(*store), head);
      EXPECT_GT(expect_distributor_snapshot_is_fold(*store), head);
    }
    if (mode == Mode::snapshots || mode == Mode::stale_distributor) {
      auto store = open_store(copy.path());
      pending_after_ = pending_in_distributor_snapshot(*store);
    }
    if (mode == Mode::no_snapshots) {
      // Snapshots off: nothing loaded, nothing saved.
      auto store = open_store(copy.path());
      EXPECT_LE(expect_scheduler_snapshot_is_fold(*store, stable_config(60)), head);
    }
    return out;
  }

  testing::TempDir dir_{"master-snapshot"};
  schedulers::FakeClock clock_{schedulers::SystemClock().now_us()};
  std::uint64_t c1_ = 0;
  std::uint64_t c3_ = 0;
  std::uint64_t before_c3_ = 0;
  std::int64_t stopped_at_ = 0;
  // Pending requests in the distributor's snapshot saved by the last restart's stop.
  std::size_t pending_after_ = 0;
};

TEST_F(MasterSnapshots, RestartWithAndWithoutSnapshotsGivesTheSameState) {
  auto with = restart(Mode::snapshots);
  auto without = restart(Mode::no_snapshots);
  auto deleted = restart(Mode::deleted);
  // The pending timer (due 60 s after c3) has not fired 45 s after, and fires once by 120 s.
  EXPECT_EQ(with.early_buildsets, 1u);
  EXPECT_EQ(with.late_buildsets, 2u);
  EXPECT_EQ(with.built, (std::vector<std::uint64_t>{c3_}));
  EXPECT_NE(with.events.find("buildset_submitted"), std::string::npos) << with.events;
  EXPECT_EQ(without.events, with.events);
  EXPECT_EQ(without.early_buildsets, with.early_buildsets);
  EXPECT_EQ(without.late_buildsets, with.late_buildsets);
  EXPECT_EQ(without.built, with.built);
  EXPECT_EQ(deleted.events, with.events);
  EXPECT_EQ(deleted.early_buildsets, with.early_buildsets);
  EXPECT_EQ(deleted.built, with.built);
}

TEST_F(MasterSnapshots, ASnapshotTakenUnderAnotherConfigurationIsIgnored) {
  auto foreign = restart(Mode::foreign_config);
  auto without = restart(Mode::no_snapshots);
  // Restored, the 30 s timer would have built by 45 s.
  EXPECT_EQ(foreign.early_buildsets, 1u);
  EXPECT_EQ(foreign.events, without.events);
  EXPECT_EQ(foreign.built, without.built);
}

TEST_F(MasterSnapshots, ARestartFoldsOnlyWhatFollowsTheSnapshot) {
  // A (deliberately wrong) snapshot that claims the head but never saw c3: a restart that
  // trusts it never builds c3, which shows it folded nothing the snapshot covers.
  auto stale = restart(Mode::stale_state);
  EXPECT_EQ(stale.early_buildsets, 1u);
  EXPECT_EQ(stale.late_buildsets, 1u);
  EXPECT_EQ(stale.built, (std::vector<std::uint64_t>{c1_}));
}

TEST_F(MasterSnapshots, TheDistributorRestartsFromItsSnapshotAndFoldsOnlyWhatFollows) {
  // Restarted from its snapshot, the distributor folds what follows it and saves the
  // exact fold again at its stop (checked in restart()); a snapshot that claims the head
  // but never saw the first buildset shows the restart trusted it: the request it never
  // folded is missing from what it saves at its stop.
  auto with = restart(Mode::snapshots);
  EXPECT_EQ(with.late_buildsets, 2u);
  EXPECT_EQ(pending_after_, 2u) << "both buildsets' requests wait for the absent slave";
  auto stale = restart(Mode::stale_distributor);
  EXPECT_EQ(stale.late_buildsets, 2u);
  EXPECT_EQ(pending_after_, 1u) << "the stale snapshot never saw the first request";
}

}  // namespace
}  // namespace eventbot::master_snapshot_test
