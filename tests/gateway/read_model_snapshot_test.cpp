// The read models' snapshots: a model restored from a snapshot that folds the events after
// it is the model a fold of the whole log gives, whatever the cut; what refuses one; and on
// a real store, a start restores from the saved snapshot and folds only the tail.
#include <gtest/gtest.h>

#include <sstream>

#include "gateway/api/metrics.hpp"
#include "gateway/readmodel/model_snapshots.hpp"
#include "gateway/readmodel/read_model.hpp"
#include "tests/gateway/gateway_events.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::gateway::readmodel {
namespace {

using test::EventMaker;

// A history with every kind of event the models fold: changes, buildsets, requests
// claimed, unclaimed, cancelled and completed, builds finished and running, slaves
// attaching and leaving, a second master.
std::vector<events::Envelope> history() {
  EventMaker make;
  std::vector<events::Envelope> out;
  out.push_back(make.master_started());
  out.push_back(make.attached("s1"));
  for (std::uint32_t n = 1; n <= 6; ++n) {
    const std::string builder = n % 2 ? "linux" : "mac";
    out.push_back(make.change(n, "alice", n % 3 ? "main" : "dev"));
    out.push_back(make.buildset(n, "change " + std::to_string(n)));
    out.push_back(make.request(n, n, builder));
    if (n == 3) {
      auto cancel = make.next(streams::build_request(n));
      cancel.mutable_build_request_cancelled()->set_request_id(n);
      out.push_back(cancel);
      continue;
    }
    out.push_back(make.claimed(n, builder));
    if (n == 4) {
      auto unclaim = make.next(streams::build_request(n));
      unclaim.mutable_build_request_unclaimed()->set_request_id(n);
      out.push_back(unclaim);
      continue;
    }
    const std::uint32_t number = (n + 1) / 2;
    out.push_back(make.started(builder, number, n, n == 6 ? "s2" : "s1"));
    if (n == 6) continue;  // still running
    out.push_back(make.finished(builder, number, n == 5 ? events::FAILURE : events::SUCCESS));
    out.push_back(make.completed(n, builder, number, events::SUCCESS));
    auto done = make.next(streams::buildset(n));
    done.mutable_buildset_completed()->set_buildset_id(n);
    done.mutable_buildset_completed()->set_result(events::SUCCESS);
    out.push_back(done);
  }
  out.push_back(make.detached("s1"));
  auto other = make.next(streams::master("m2"));
  other.set_master_id("m2");
  other.mutable_master_started()->set_master_id("m2");
  out.push_back(other);
  return out;
}

ConfiguredNames configuration() {
  ConfiguredNames names;
  names.master_id = "m1";
  names.builders.push_back({"linux", "Linux builds", {"os"}, {"s1", "s2"}});
  names.builders.push_back({"windows", "never built", {}, {"s3"}});
  names.workers = {"s1", "s2", "s3"};
  SchedulerEntry force;
  force.name = "force";
  force.force = true;
  force.builder_names = {"linux"};
  names.schedulers.push_back(force);
  return names;
}

// Everything a request can see of a model, as text.
std::string seen(const ReadModel& m) {
  std::ostringstream out;
  out << "folded " << m.folded() << " serving " << m.serving_master() << "\n";
  for (const auto& b : m.builders()) {
    out << "builder " << b.builderid << " " << b.name << " " << b.description << " " << b.configured
        << " tags " << b.tags.size() << " masters " << b.masterids.size() << " workers "
        << b.workerids.size() << " builds";
    for (const auto& [number, id] : b.builds) out << " " << number << ":" << id;
    out << "\n";
  }
  for (const auto& w : m.workers()) {
    out << "worker " << w.workerid << " " << w.name << " " << w.configured << w.connected
        << w.connected_masterid << w.graceful << " " << w.host << "\n";
  }
  for (const auto& s : m.schedulers()) out << "scheduler " << s.schedulerid << s.name << "\n";
  for (const auto& ms : m.masters()) {
    out << "master " << ms.masterid << ms.name << ms.active << ms.last_active_us << "\n";
  }
  out << api::metrics_text(m);
  out << m.snapshot();
  return out.str();
}

ReadModel fold(const std::vector<events::Envelope>& events, std::size_t from, std::size_t to,
               ReadModel model = {}) {
  for (std::size_t i = from; i < to; ++i) model.evolve(events[i]);
  return model;
}

TEST(ReadModelSnapshotTest, RestoringAtAnyCutAndFoldingTheTailGivesTheFullFold) {
  const auto events = history();
  ReadModel full = fold(events, 0, events.size());
  full.configure(configuration());
  const std::string expected = seen(full);
  ASSERT_EQ(full.builds().size(), 4u);
  ASSERT_EQ(full.running_builds(), 1u);
  for (std::size_t cut = 0; cut <= events.size(); ++cut) {
    SCOPED_TRACE("cut after " + std::to_string(cut) + " events");
    ReadModel before = fold(events, 0, cut);
    before.configure(configuration());  // as the gateway runs: configured, then folding on
    auto restored = ReadModel::restore(before.snapshot());
    ASSERT_TRUE(restored);
    EXPECT_EQ(restored->folded(), before.folded());
    ReadModel after = fold(events, cut, events.size(), std::move(*restored));
    after.configure(configuration());
    EXPECT_EQ(seen(after), expected);
  }
}

TEST(ReadModelSnapshotTest, LeavesOutWhatOnlyTheConfigurationSays) {
  const auto events = history();
  ReadModel model = fold(events, 0, events.size());
  const auto unconfigured = model.snapshot();
  model.configure(configuration());
  ASSERT_NE(model.builder_named("windows"), nullptr);
  auto restored = ReadModel::restore(model.snapshot());
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->builder_named("windows"), nullptr);
  EXPECT_TRUE(restored->schedulers().empty());
  EXPECT_EQ(restored->builder_named("linux")->description, "");
  EXPECT_EQ(model.snapshot(), unconfigured);
}

// The configuration numbers "linux" and "windows" before the log meets "linux", "mac"
// and later "windows": the running model's ids are not a fold's from the start, and the
// snapshot is numbered as that fold would number it.
TEST(ReadModelSnapshotTest, NumbersAsAFoldFromTheStartWhenTheConfigurationNumberedFirst) {
  auto events = history();
  EventMaker make;
  for (std::size_t i = 0; i < events.size(); ++i) make.next("skip");
  events.push_back(make.request(99, 1, "windows"));
  events.push_back(make.claimed(99, "windows"));
  events.push_back(make.started("windows", 1, 99, "s3"));
  ReadModel running;
  running.configure(configuration());  // a first start: the log is empty
  running = fold(events, 0, events.size(), std::move(running));
  ASSERT_EQ(running.builder_named("mac")->builderid, 3u);
  ASSERT_EQ(running.builder_named("mac")->met, 2u);

  auto restored = ReadModel::restore(running.snapshot());
  ASSERT_TRUE(restored);
  restored->configure(configuration());
  ReadModel full = fold(events, 0, events.size());
  full.configure(configuration());
  EXPECT_EQ(seen(*restored), seen(full));
  EXPECT_EQ(restored->builder_named("mac")->builderid, 2u);
  EXPECT_EQ(restored->builds().back().builderid, 3u);  // windows' build
  EXPECT_EQ(restored->worker_name(restored->builds().back().workerid), "s3");
}

TEST(ReadModelSnapshotTest, RefusesBytesOfAnotherFormatOrNoneAtAll) {
  ReadModel model = fold(history(), 0, 5);
  EXPECT_TRUE(ReadModel::restore(model.snapshot()));
  EXPECT_FALSE(ReadModel::restore("\xff\xff not a snapshot"));
  std::string other = model.snapshot();
  other[1] = static_cast<char>(kReadModelSnapshotFormat + 1);  // field 1 (format) comes first
  EXPECT_FALSE(ReadModel::restore(other));
}

// On a real store: the first start folds everything and the snapshot it saves is what the
// next start restores, folding only the events appended since; the same models either way.
TEST(ReadModelSnapshotStoreTest, ARestartRestoresFromTheSnapshotAndFoldsTheTail) {
  testing::TempDir dir{"gateway-snapshots"};
  auto log = store::test::open_store(dir.path());
  ASSERT_TRUE(log);
  const auto events = history();
  auto append = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      store::AppendRequest request;
      request.events.push_back(events[i]);
      ASSERT_TRUE(log->append(std::move(request)));
    }
  };
  const std::size_t cut = events.size() / 2;
  append(0, cut);
  ReadModel first;
  auto from = fold_read_model(*log, log.get(), log->head().value(), first);
  ASSERT_TRUE(from);
  EXPECT_EQ(*from, 0u);  // no snapshot yet
  ASSERT_TRUE(save_read_model(*log, first));
  append(cut, events.size());

  ReadModel restarted;
  from = fold_read_model(*log, log.get(), log->head().value(), restarted);
  ASSERT_TRUE(from);
  EXPECT_EQ(*from, cut);
  ReadModel full;
  ASSERT_TRUE(fold_read_model(*log, nullptr, log->head().value(), full));
  EXPECT_EQ(restarted.folded(), events.size());
  EXPECT_EQ(seen(restarted), seen(full));

  // A start that folds less of the log than the snapshot holds refuses it.
  ReadModel shorter;
  from = fold_read_model(*log, log.get(), cut - 1, shorter);
  ASSERT_TRUE(from);
  EXPECT_EQ(*from, 0u);
  EXPECT_EQ(shorter.folded(), cut - 1);
}

}  // namespace
}  // namespace eventbot::gateway::readmodel
