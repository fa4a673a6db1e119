// Many threads appending to one stream with ExpectedVersion::exactly: optimistic
// concurrency must let exactly one append win per version, whatever the durability
// (and so whatever grouping of appends into one write).
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <map>
#include <set>
#include <thread>

#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::store::test {
namespace {

constexpr int kThreads = 4;
const std::string kStream = "buildrequest/42";

class ConcurrentAppendTest : public ::testing::TestWithParam<Durability> {
 protected:
  void SetUp() override {
    log_ = open_store(dir_.path(), GetParam());
    ASSERT_NE(log_, nullptr);
  }
  // Appends one event "<text>" to the stream if it is at `version`.
  StoreResult<AppendResult> append_at(std::uint64_t version, const std::string& text) {
    AppendRequest request = request_of({change_event(kStream, text)});
    request.expected.emplace(kStream, ExpectedVersion::exactly(StreamVersion(version)));
    return log_->append(std::move(request));
  }

  testing::TempDir dir_;
  std::unique_ptr<RocksEventLog> log_;
};

// Each round every thread tries to append at the same version at once: one wins, the
// others see a conflict naming the winner's version.
TEST_P(ConcurrentAppendTest, ExactlyOneWinnerPerVersionWhenAllRaceForIt) {
  constexpr int kRounds = 40;
  std::barrier start(kThreads);
  std::vector<std::vector<int>> rounds_won(kThreads);
  std::atomic<int> bad_conflicts{0}, other_errors{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 1; round <= kRounds; ++round) {
        start.arrive_and_wait();
        auto result = append_at(round - 1, "t" + std::to_string(t) + " r" + std::to_string(round));
        if (result) {
          rounds_won[t].push_back(round);
        } else if (result.error().code == StoreErrc::version_conflict) {
          if (result.error().conflict->actual != static_cast<std::uint64_t>(round)) ++bad_conflicts;
        } else {
          ++other_errors;
        }
        start.arrive_and_wait();  // the round is over for everyone before the next starts
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(bad_conflicts.load(), 0);
  EXPECT_EQ(other_errors.load(), 0);
  std::map<int, int> winner_of;  // round -> thread
  for (int t = 0; t < kThreads; ++t) {
    for (int round : rounds_won[t]) {
      EXPECT_TRUE(winner_of.emplace(round, t).second) << "round " << round << " won twice";
    }
  }
  EXPECT_EQ(winner_of.size(), static_cast<std::size_t>(kRounds));

  auto events = log_->read_stream(kStream, StreamVersion(1), 1000);
  ASSERT_TRUE(events) << events.error();
  ASSERT_EQ(versions_of(*events), range(1, kRounds));
  EXPECT_EQ(sequences_of(*events), range(1, kRounds));
  for (int round = 1; round <= kRounds; ++round) {
    EXPECT_EQ((*events)[round - 1].change_added().comments(),
              "t" + std::to_string(winner_of[round]) + " r" + std::to_string(round));
  }
}

// Threads run freely: read the version, append at it, retry on conflict. Every
// successful append is in the stream exactly once and the stream stays dense.
TEST_P(ConcurrentAppendTest, FreeRunningAppendersLeaveADenseStreamWithoutDuplicates) {
  constexpr int kPerThread = 25;
  std::atomic<int> other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kPerThread;) {
        auto version = log_->stream_version(kStream);
        if (!version) {
          ++other_errors;
          return;
        }
        auto result =
            append_at(version->value(), "t" + std::to_string(t) + " n" + std::to_string(n));
        if (result) {
          ++n;
        } else if (result.error().code != StoreErrc::version_conflict) {
          ++other_errors;
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(other_errors.load(), 0);

  auto events = log_->read_stream(kStream, StreamVersion(1), 1000);
  ASSERT_TRUE(events) << events.error();
  EXPECT_EQ(versions_of(*events), range(1, kThreads * kPerThread));
  EXPECT_EQ(read_all(*log_).size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::string> seen;
  for (const auto& text : comments_of(*events)) {
    EXPECT_TRUE(seen.insert(text).second) << text << " appended twice";
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

INSTANTIATE_TEST_SUITE_P(EachDurability, ConcurrentAppendTest,
                         ::testing::Values(Durability::sync_each, Durability::group_commit,
                                           Durability::no_sync),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace eventbot::store::test
