// Log contents by line range from a real store: only the chunks holding the lines are
// read once the log's index is built, and a log that grows is indexed further.
#include "gateway/logs/log_reader.hpp"

#include <gtest/gtest.h>

#include "events/streams.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::gateway::logs {
namespace {

class LogReaderTest : public ::testing::Test {
 protected:
  void append(const std::string& data, events::LogChannel channel = events::STDOUT) {
    store::AppendRequest request;
    auto& e = request.events.emplace_back();
    e.set_stream(stream_);
    e.mutable_log_chunk()->set_channel(channel);
    e.mutable_log_chunk()->set_data(data);
    e.mutable_log_chunk()->set_size(static_cast<std::uint32_t>(data.size()));
    ASSERT_TRUE(log_->append(std::move(request)));
  }

  testing::TempDir dir_{"gateway-logs"};
  std::unique_ptr<store::RocksEventLog> log_ = store::test::open_store(dir_.path());
  std::string stream_ = streams::log("linux", 1, 0, "stdio");
};

TEST_F(LogReaderTest, ReadsALineRangeAcrossChunksWithItsChannels) {
  append("one\ntw");
  append("o\nthree\n");
  append("oops\n", events::STDERR);
  append("last");
  LogReader reader(*log_);
  auto lines = reader.num_lines(stream_);
  ASSERT_TRUE(lines);
  EXPECT_EQ(*lines, 5u);
  auto all = reader.lines(stream_, 0, 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->content, "oone\notwo\nothree\neoops\nolast\n");
  EXPECT_EQ(all->count, 5u);
  auto middle = reader.lines(stream_, 1, 2);
  ASSERT_TRUE(middle);
  EXPECT_EQ(middle->firstline, 1u);
  EXPECT_EQ(middle->content, "otwo\nothree\n");
  auto past = reader.lines(stream_, 5, 10);
  ASSERT_TRUE(past);
  EXPECT_EQ(past->content, "");
}

TEST_F(LogReaderTest, AGrowingLogIsIndexedFurther) {
  append("a\n");
  LogReader reader(*log_);
  ASSERT_EQ(*reader.num_lines(stream_), 1u);
  append("b\nc\n");
  EXPECT_EQ(*reader.num_lines(stream_), 3u);
  auto last = reader.lines(stream_, 2, 1);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->content, "oc\n");
}

TEST_F(LogReaderTest, ALongLogIsReadFromTheChunkOfTheFirstLineAsked) {
  // 1000 chunks of 10 lines: line 9995 is in chunk 1000.
  for (int chunk = 0; chunk < 1000; ++chunk) {
    std::string data;
    for (int line = 0; line < 10; ++line) data += std::to_string(chunk * 10 + line) + "\n";
    append(data);
  }
  LogReader reader(*log_);
  auto range = reader.lines(stream_, 9995, 3);
  ASSERT_TRUE(range);
  EXPECT_EQ(range->content, "o9995\no9996\no9997\n");
  auto raw = std::string();
  auto next = reader.raw(stream_, 999, 10, [&](std::string_view bytes) { raw += bytes; });
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 1001u);
  EXPECT_EQ(raw.substr(0, 5), "9980\n");
}

TEST_F(LogReaderTest, AnUnknownLogHasNoLines) {
  LogReader reader(*log_);
  EXPECT_EQ(*reader.num_lines(streams::log("x", 1, 0, "stdio")), 0u);
}

}  // namespace
}  // namespace eventbot::gateway::logs
