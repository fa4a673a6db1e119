// `eventbot-replay verify`, in-process, on the scenario of history_scenario.hpp: a good
// store passes; records damaged behind the store's back (written through RocksDB
// directly), a snapshot that is not what the fold gives, and a fold that is not
// deterministic (a test hook) are each caught, with exit code 3.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "actors/master/snapshots.hpp"
#include "actors/master/supervisor_fold.hpp"
#include "actors/schedulers/make_scheduler.hpp"
#include "replay/exit_code.hpp"
#include "replay/open_store.hpp"
#include "replay/recorded_config.hpp"
#include "replay/verify_command.hpp"
#include "store/keys.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/replay/history_scenario.hpp"
#include "tests/store/raw_rocks.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::replay {
namespace {

using replay::testing::Scenario;
using store::test::RawRocks;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A fold of the test's own: counts events. With `unstable`, its snapshot also carries
// how many of its kind were made before it: two folds of the same log disagree.
class CountingFold final : public ProjectionFold {
 public:
  explicit CountingFold(bool unstable) : instance_(unstable ? ++made_ : 0) {}
  void evolve(const events::Envelope&) override { ++count_; }
  std::string snapshot() const override {
    return std::to_string(count_) + "/" + std::to_string(instance_);
  }

 private:
  static inline int made_ = 0;
  int instance_;
  std::uint64_t count_ = 0;
};

FoldMaker counting_maker(bool unstable) {
  return [unstable](const std::string&, std::uint64_t, store::EventLog&) {
    return FoldForSnapshot{std::make_unique<CountingFold>(unstable), {}};
  };
}

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    auto writer = open_writer();
    ASSERT_TRUE(writer);
    Scenario::append_to(*writer, scenario_);
    head_ = writer->head().value();
  }

  std::unique_ptr<store::RocksEventLog> open_writer() {
    store::RocksOptions options;
    options.dir = dir_.path();
    auto opened = store::RocksEventLog::open(options);
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  // Saves `state` as the snapshot of `projection` at `sequence`.
  void save(const std::string& projection, std::uint64_t sequence, const std::string& state) {
    auto writer = open_writer();
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->save_snapshot(projection, store::Snapshot{Sequence(sequence), state}));
  }

  // The supervisor's fold of the first `through` events.
  std::string supervisor_state(std::uint64_t through) {
    auto reader = open_store_for_reading(dir_.path());
    EXPECT_TRUE(reader);
    master::SupervisorFold fold;
    (void)(*reader)->scan(Sequence(1), Sequence(through), [&](const events::Envelope& e) {
      master::fold_supervisor(fold, e);
      return true;
    });
    return master::encode_supervisor_snapshot(fold);
  }

  // Scheduler `name`'s core (from the recorded configuration) after `through` events.
  std::string scheduler_state(const std::string& name, std::uint64_t through) {
    auto reader = open_store_for_reading(dir_.path());
    EXPECT_TRUE(reader);
    auto recorded = recorded_config_at(**reader, through);
    EXPECT_TRUE(recorded && *recorded);
    auto config = load_recorded_config(**recorded);
    EXPECT_TRUE(config) << config.error();
    for (const auto& scheduler : config->schedulers) {
      if (scheduler.name != name) continue;
      auto core = schedulers::make_scheduler(scheduler);
      EXPECT_TRUE(core);
      (void)(*reader)->scan(Sequence(1), Sequence(through), [&](const events::Envelope& e) {
        (*core)->evolve(e);
        return true;
      });
      return (*core)->snapshot();
    }
    ADD_FAILURE() << "no scheduler " << name;
    return {};
  }

  struct Run {
    int code = -1;
    std::string out;
    VerifyReport report;
  };
  Run verify(VerifyOptions options = {}) {
    auto reader = open_store_for_reading(dir_.path());
    EXPECT_TRUE(reader) << reader.error().message;
    Run run;
    std::ostringstream out, err;
    run.code = run_verify(**reader, options, out, err);
    run.out = out.str();
    run.report = verify_store(**reader, options);
    return run;
  }

  ::eventbot::testing::TempDir dir_;
  Scenario scenario_;
  std::uint64_t head_ = 0;
};

TEST_F(Verify, AGoodStorePassesWithEverySnapshotMatchingTheFold) {
  const auto middle = scenario_.points().requests_pending;
  save(master::kSupervisorProjection, middle, supervisor_state(middle));
  save(master::scheduler_projection("main"), head_, scheduler_state("main", head_));
  save(master::scheduler_projection("hourly"), middle, scheduler_state("hourly", middle));

  auto run = verify();
  EXPECT_EQ(run.code, kExitOk) << run.out;
  EXPECT_TRUE(run.out.starts_with("verify OK: " + std::to_string(head_) + " events")) << run.out;
  EXPECT_TRUE(contains(run.out, "3 of 3 snapshots match the fold")) << run.out;
  EXPECT_EQ(run.report.events, head_);
  EXPECT_EQ(run.report.index_entries, head_);
  EXPECT_EQ(run.report.log_chunks, 1u);
  EXPECT_GT(run.report.log_bytes, 0u);
  EXPECT_GT(run.report.streams, 10u);
  for (const auto& snapshot : run.report.snapshots) {
    EXPECT_EQ(snapshot.result, "match") << snapshot.projection << ": " << snapshot.detail;
  }
  // The whole output is the one summary line.
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << run.out;
}

TEST_F(Verify, JsonReportHasTheCountsAndTheSummary) {
  VerifyOptions options;
  options.json = true;
  auto run = verify(options);
  ASSERT_EQ(run.code, kExitOk) << run.out;
  auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["ok"], true);
  EXPECT_EQ(json["events"], head_);
  EXPECT_EQ(json["head_sequence"], head_);
  EXPECT_EQ(json["problem_count"], 0);
  EXPECT_TRUE(json["summary"].get<std::string>().starts_with("verify OK"));
}

TEST_F(Verify, GarbageBytesInAnEventRecordAreCaughtAndTheRestIsStillChecked) {
  {
    RawRocks raw(dir_.path());
    ASSERT_TRUE(raw.is_open());
    raw.put("events", store::keys::big_endian(10), std::string(16, '\xff'));
  }
  auto run = verify();
  EXPECT_EQ(run.code, kExitVerifyFailed) << run.out;
  EXPECT_TRUE(contains(run.out, "problem: event at sequence 10")) << run.out;
  EXPECT_TRUE(contains(run.out, "verify FAILED: 1 problem; ")) << run.out;
  // The events after it were read and counted too.
  EXPECT_EQ(run.report.events, head_);
}

TEST_F(Verify, ABitFlippedInAnSstFileFailsItsChecksum) {
  {
    auto writer = open_writer();
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->flush());  // the events into SST files, with their block checksums
  }
  // The largest SST file (the events'), one byte flipped in its first data block.
  std::filesystem::path largest;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().extension() != ".sst") continue;
    if (largest.empty() || entry.file_size() > std::filesystem::file_size(largest)) {
      largest = entry.path();
    }
  }
  ASSERT_FALSE(largest.empty());
  {
    std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(100);
    char byte = 0;
    file.read(&byte, 1);
    file.seekp(100);
    byte = static_cast<char>(byte ^ 0x5a);
    file.write(&byte, 1);
  }
  auto run = verify();
  EXPECT_EQ(run.code, kExitVerifyFailed) << run.out;
  EXPECT_TRUE(contains(run.out, "problem: checksums: ")) << run.out;
  EXPECT_TRUE(contains(run.out, "checksum mismatch")) << run.out;
}

TEST_F(Verify, ARecordMovedToAnotherSequenceBreaksItsStreamsVersionChainAndTheIndex) {
  {
    RawRocks raw(dir_.path());
    ASSERT_TRUE(raw.is_open());
    // Event 12's record put at 13 as well (with its sequence made 13): stream versions
    // repeat, 13's own event is gone, and the index no longer matches the events.
    events::Envelope moved;
    ASSERT_TRUE(moved.ParseFromString(raw.get("events", store::keys::big_endian(12))));
    moved.set_sequence(13);
    raw.put("events", store::keys::big_endian(13), moved.SerializeAsString());
  }
  auto run = verify();
  EXPECT_EQ(run.code, kExitVerifyFailed) << run.out;
  EXPECT_TRUE(contains(run.out, "the event at sequence 13 has version")) << run.out;
  EXPECT_TRUE(contains(run.out, "the streams index (")) << run.out;
  EXPECT_TRUE(contains(run.out, "names sequence 13")) << run.out;
}

TEST_F(Verify, AStreamsIndexEntryThatSkipsAVersionIsCaught) {
  {
    RawRocks raw(dir_.path());
    ASSERT_TRUE(raw.is_open());
    // The changes stream holds versions 1 and 2; an entry for version 5 names event 3.
    raw.put("streams", store::keys::stream_key(streams::changes(), 5), store::keys::big_endian(3));
  }
  auto run = verify();
  EXPECT_EQ(run.code, kExitVerifyFailed) << run.out;
  EXPECT_TRUE(contains(run.out, "stream 'changes': the streams index has version 5 at sequence 3"))
      << run.out;
  EXPECT_TRUE(contains(run.out, "names sequence 3 for changes@5, which holds")) << run.out;
}

TEST_F(Verify, AMissingSequenceIsCaught) {
  {
    RawRocks raw(dir_.path());
    ASSERT_TRUE(raw.is_open());
    // The head's record copied two past the head: the sequence between is missing.
    events::Envelope last;
    ASSERT_TRUE(last.ParseFromString(raw.get("events", store::keys::big_endian(head_))));
    last.set_sequence(head_ + 2);
    raw.put("events", store::keys::big_endian(head_ + 2), last.SerializeAsString());
  }
  auto run = verify();
  EXPECT_EQ(run.code, kExitVerifyFailed) << run.out;
  EXPECT_TRUE(contains(run.out, "sequences " + std::to_string(head_ + 1) + ".." +
                                    std::to_string(head_ + 1) + " are missing"))
      << run.out;
}

TEST_F(Verify, AGarbageLogChunkIsCaught) {
  {
    RawRocks raw(dir_.path());
    ASSERT_TRUE(raw.is_open());
    const auto stream = streams::log("runtests", 1, 0, "stdio");
    ASSERT_NE(raw.get("logs", store::keys::stream_key(stream, 1)), "");
    raw.put("logs", store::keys::stream_key(stream, 1), std::string(16, '\xff'));
  }
  auto run = verify();
  EXPECT_EQ(run.code, kExitVerifyFailed) << run.out;
  EXPECT_TRUE(contains(run.out, "chunk 1 of log 'log/runtests/1/0/stdio' is corrupt")) << run.out;
}

TEST_F(Verify, ASnapshotThatIsNotWhatTheFoldGivesIsCaughtWithItsDifference) {
  const auto middle = scenario_.points().requests_pending;
  master::SupervisorFold wrong;
  wrong.last_request_id = 99;
  save(master::kSupervisorProjection, middle, master::encode_supervisor_snapshot(wrong));
  auto run = verify();
  EXPECT_EQ(run.code, kExitVerifyFailed) << run.out;
  EXPECT_TRUE(contains(run.out, "snapshot of supervisor at sequence " + std::to_string(middle) +
                                    " differs from the fold"))
      << run.out;
  EXPECT_TRUE(contains(run.out, "last_request_id")) << run.out;
}

TEST_F(Verify, ANonDeterministicFoldIsCaught) {
  VerifyOptions options;
  options.extra_folds["test/"] = counting_maker(/*unstable=*/true);
  // The snapshot as one instance of the fold left it...
  CountingFold taken(/*unstable=*/true);
  for (std::uint64_t n = 0; n < head_; ++n) taken.evolve(events::Envelope());
  save("test/counting", head_, taken.snapshot());
  // ... is not what another instance folds from the same events.
  auto run = verify(options);
  EXPECT_EQ(run.code, kExitVerifyFailed) << run.out;
  EXPECT_TRUE(contains(run.out, "snapshot of test/counting at sequence " + std::to_string(head_) +
                                    " differs from the fold"))
      << run.out;
}

TEST_F(Verify, ADeterministicFoldOfATestHookMatchesAndUnknownProjectionsAreNoted) {
  VerifyOptions options;
  options.extra_folds["test/"] = counting_maker(/*unstable=*/false);
  save("test/counting", 7, "7/0");
  save("other/projection", 3, "whatever");
  auto run = verify(options);
  EXPECT_EQ(run.code, kExitOk) << run.out;
  EXPECT_TRUE(contains(run.out, "1 of 2 snapshots match the fold (1 not checked)")) << run.out;
  EXPECT_TRUE(contains(run.out, "note: snapshot of other/projection at sequence 3 not checked"))
      << run.out;
}

}  // namespace
}  // namespace eventbot::replay
