// Log chunks: their bytes live in the logs column family and come back through
// read_log; the event order keeps only the chunk's facts (channel, offset, size).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>

#include "events/streams.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::store::test {
namespace {

using namespace std::string_literals;

Envelope chunk_event(const std::string& stream, events::LogChannel channel, std::uint64_t offset,
                     std::string data) {
  Envelope envelope;
  envelope.set_stream(stream);
  auto* chunk = envelope.mutable_log_chunk();
  chunk->set_channel(channel);
  chunk->set_offset(offset);
  chunk->set_data(std::move(data));
  return envelope;
}

// Deterministic bytes of every value, NUL included.
std::string pseudo_random_bytes(std::size_t size) {
  std::mt19937_64 random(12345);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(random() & 0xff);
  return out;
}

class LogChunkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = open_store(dir_.path(), Durability::no_sync);
    ASSERT_NE(log_, nullptr);
  }
  // Appends `content` as 4 KiB chunks in batches of 64; returns the chunk count.
  std::size_t append_as_chunks(const std::string& stream, const std::string& content) {
    constexpr std::size_t kChunk = 4096, kBatch = 64;
    std::vector<Envelope> batch;
    std::size_t chunks = 0;
    for (std::size_t offset = 0; offset < content.size(); offset += kChunk) {
      batch.push_back(chunk_event(stream, events::STDOUT, offset, content.substr(offset, kChunk)));
      ++chunks;
      if (batch.size() == kBatch || offset + kChunk >= content.size()) {
        EXPECT_TRUE(append_events(*log_, std::move(batch)));
        batch.clear();
      }
    }
    return chunks;
  }

  testing::TempDir dir_;
  std::unique_ptr<RocksEventLog> log_;
};

TEST_F(LogChunkTest, BytesGoToReadLogAndTheEventOrderKeepsOnlyTheirSize) {
  const auto stdio = streams::log("runtests", 7, 2, "stdio");
  ASSERT_TRUE(append_events(*log_, {change_event("changes", "unrelated"),
                                    chunk_event(stdio, events::HEADER, 0, "$ make\n"),
                                    chunk_event(stdio, events::STDOUT, 7, "building\0ok\n"s),
                                    chunk_event(stdio, events::STDERR, 19, "warning\n")}));

  auto chunks = log_->read_log(stdio, StreamVersion(1), 10);
  ASSERT_TRUE(chunks) << chunks.error();
  ASSERT_EQ(chunks->size(), 3u);
  EXPECT_EQ((*chunks)[0].index, StreamVersion(1));
  EXPECT_EQ((*chunks)[0].channel, events::HEADER);
  EXPECT_EQ((*chunks)[0].offset, 0u);
  EXPECT_EQ((*chunks)[0].data, "$ make\n");
  EXPECT_EQ((*chunks)[1].index, StreamVersion(2));
  EXPECT_EQ((*chunks)[1].channel, events::STDOUT);
  EXPECT_EQ((*chunks)[1].offset, 7u);
  EXPECT_EQ((*chunks)[1].data, "building\0ok\n"s);
  EXPECT_EQ((*chunks)[2].channel, events::STDERR);
  EXPECT_EQ((*chunks)[2].data, "warning\n");

  auto events = log_->read_forward(Sequence(2), 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3u);
  const std::vector<std::uint32_t> sizes = {7, 12, 8};
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE((*events)[i].has_log_chunk());
    EXPECT_TRUE((*events)[i].log_chunk().data().empty()) << "event " << i;
    EXPECT_EQ((*events)[i].log_chunk().size(), sizes[i]) << "event " << i;
  }
  EXPECT_EQ((*events)[2].log_chunk().channel(), events::STDERR);
  EXPECT_EQ((*events)[2].log_chunk().offset(), 19u);

  auto stream = log_->read_stream(stdio, StreamVersion(1), 10);
  ASSERT_TRUE(stream);
  EXPECT_EQ(versions_of(*stream), range(1, 3));
  for (const auto& e : *stream) EXPECT_TRUE(e.log_chunk().data().empty());
}

TEST_F(LogChunkTest, MultiMegabyteLogRoundTripsByteExactInFourKibChunks) {
  const auto stdio = streams::log("big", 1, 1, "stdio");
  const auto other = streams::log("big", 1, 10, "stdio");  // a neighbouring key range
  const auto content = pseudo_random_bytes(3 * 1024 * 1024 + 123);
  const auto chunks = append_as_chunks(stdio, content);
  ASSERT_EQ(chunks, content.size() / 4096 + 1);
  ASSERT_TRUE(append_events(*log_, {chunk_event(other, events::STDOUT, 0, "other log")}));

  std::string read_back;
  std::uint64_t expected_index = 1;
  for (;;) {
    auto page = log_->read_log(stdio, StreamVersion(expected_index), 100);
    ASSERT_TRUE(page) << page.error();
    if (page->empty()) break;
    for (auto& chunk : *page) {
      ASSERT_EQ(chunk.index, StreamVersion(expected_index));
      ASSERT_EQ(chunk.offset, read_back.size());
      read_back += chunk.data;
      ++expected_index;
    }
  }
  EXPECT_EQ(expected_index - 1, chunks);
  ASSERT_EQ(read_back.size(), content.size());
  EXPECT_TRUE(read_back == content) << "log bytes differ";

  // The bytes are stored once, in the logs column family, not in the event order.
  ASSERT_TRUE(log_->flush());
  auto bytes = log_->column_family_bytes();
  EXPECT_GT(bytes["logs"], content.size() / 2);
  EXPECT_LT(bytes["events"], content.size() / 10);
}

TEST_F(LogChunkTest, ReadingFromAMiddleChunkStartsThere) {
  const auto stdio = streams::log("mid", 3, 4, "stdio");
  const auto content = pseudo_random_bytes(1000 * 4096);
  ASSERT_EQ(append_as_chunks(stdio, content), 1000u);

  auto page = log_->read_log(stdio, StreamVersion(300), 5);
  ASSERT_TRUE(page) << page.error();
  ASSERT_EQ(page->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    const std::uint64_t index = 300 + i;
    EXPECT_EQ((*page)[i].index, StreamVersion(index));
    EXPECT_EQ((*page)[i].offset, (index - 1) * 4096);
    EXPECT_TRUE((*page)[i].data == content.substr((index - 1) * 4096, 4096)) << "chunk " << index;
  }
  auto tail = log_->read_log(stdio, StreamVersion(999), 10);
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->size(), 2u);
  auto beyond = log_->read_log(stdio, StreamVersion(1001), 10);
  ASSERT_TRUE(beyond);
  EXPECT_TRUE(beyond->empty());
}

}  // namespace
}  // namespace eventbot::store::test

namespace eventbot::store::test {
namespace {

// The options RocksDB recorded for one column family, from the newest OPTIONS file.
std::map<std::string, std::string> recorded_options(const std::filesystem::path& dir,
                                                    const std::string& column_family) {
  std::filesystem::path newest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto name = entry.path().filename().string();
    if (name.rfind("OPTIONS-", 0) == 0 && entry.path() > newest) newest = entry.path();
  }
  std::map<std::string, std::string> options;
  std::ifstream in(newest);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') {
      inside = line == "[CFOptions \"" + column_family + "\"]";
      continue;
    }
    auto eq = line.find('=');
    if (!inside || eq == std::string::npos) continue;
    auto key = line.substr(0, eq);
    key.erase(0, key.find_first_not_of(' '));
    options[key] = line.substr(eq + 1);
  }
  return options;
}

TEST(LogCompression, LogsAreStoredWithZstdAtEveryLevel) {
  eventbot::testing::TempDir dir{"log-compression"};
  {
    auto log = open_store(dir.path());
    ASSERT_NE(log, nullptr);
  }
  auto logs = recorded_options(dir.path(), "logs");
  ASSERT_FALSE(logs.empty()) << "no [CFOptions \"logs\"] in the OPTIONS file";
  EXPECT_EQ(logs["compression"], "kZSTD");
  EXPECT_EQ(logs["bottommost_compression"], "kZSTD");
  // A per-level list would override `compression` (it did: none, then LZ4).
  EXPECT_EQ(logs["compression_per_level"], "");
}

}  // namespace
}  // namespace eventbot::store::test
