// `tail` and `tail -f`, in-process: the last events with list's filters, then the events a
// writer appends while tail follows a secondary instance of its store (as a running
// master's).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <sstream>
#include <string>
#include <vector>

#include "events/streams.hpp"
#include "replay/exit_code.hpp"
#include "replay/open_store.hpp"
#include "replay/tail_command.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/replay/history_scenario.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::replay {
namespace {

using namespace std::chrono_literals;
using replay::testing::Scenario;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class Tail : public ::testing::Test {
 protected:
  void SetUp() override {
    store::RocksOptions options;
    options.dir = dir_.path();
    auto writer = store::RocksEventLog::open(options);
    ASSERT_TRUE(writer) << writer.error().message;
    writer_ = std::move(*writer);
    Scenario::append_to(*writer_, Scenario());
    head_ = writer_->head().value();
    auto reader = open_store_for_reading(dir_.path());
    ASSERT_TRUE(reader) << reader.error().message;
    reader_ = std::move(*reader);
  }

  void append_change(const std::string& who) {
    events::Envelope e;
    e.set_stream(streams::changes());
    e.mutable_change_added()->set_who(who);
    ASSERT_TRUE(writer_->append(store::AppendRequest{{e}, {}, {}}));
  }

  ::eventbot::testing::TempDir dir_;
  std::unique_ptr<store::RocksEventLog> writer_, reader_;
  std::uint64_t head_ = 0;
};

TEST_F(Tail, PrintsTheLastEventsAndTheLastMatchesOfAFilter) {
  std::ostringstream out, err;
  TailOptions options;
  options.lines = 3;
  ASSERT_EQ(run_tail(*reader_, options, out, err), kExitOk) << err.str();
  auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 3u) << out.str();
  EXPECT_TRUE(lines.back().starts_with(std::to_string(head_) + " ")) << lines.back();
  EXPECT_TRUE(lines.front().starts_with(std::to_string(head_ - 2) + " ")) << lines.front();

  std::ostringstream started;
  options.filters.type = "BuildStarted";
  options.lines = 2;
  ASSERT_EQ(run_tail(*reader_, options, started, err), kExitOk);
  lines = lines_of(started.str());
  ASSERT_EQ(lines.size(), 2u) << started.str();
  EXPECT_NE(lines[0].find("build/runtests/2@1 BuildStarted"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("build/runtests/3@1 BuildStarted"), std::string::npos) << lines[1];
}

TEST_F(Tail, FollowPrintsWhatTheWriterAppendsWhileItRuns) {
  TailOptions options;
  options.lines = 0;
  options.follow = true;
  options.count = 2;
  options.poll = 20ms;
  options.filters.type = "ChangeAdded";
  std::ostringstream out, err;
  auto following =
      std::async(std::launch::async, [&] { return run_tail(*reader_, options, out, err); });
  // Appended after tail started: a ChangeAdded, an event the filter leaves out, another.
  append_change("erin");
  events::Envelope other;
  other.set_stream(streams::master("m1"));
  other.mutable_master_heartbeat();
  ASSERT_TRUE(writer_->append(store::AppendRequest{{other}, {}, {}}));
  append_change("frank");
  ASSERT_EQ(following.wait_for(20s), std::future_status::ready) << "tail -f did not see both";
  EXPECT_EQ(following.get(), kExitOk) << err.str();
  auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u) << out.str();
  EXPECT_NE(lines[0].find(std::to_string(head_ + 1) + " "), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("who: \"erin\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(std::to_string(head_ + 3) + " "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("who: \"frank\""), std::string::npos) << lines[1];
}

}  // namespace
}  // namespace eventbot::replay
