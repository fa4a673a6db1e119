// Appending and reading back: sequences, stream versions, expected versions, invalid
// requests, and reopening. Every test runs once per Durability setting.
#include <gtest/gtest.h>

#include <chrono>

#include "events/streams.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::store::test {
namespace {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class AppendTest : public ::testing::TestWithParam<Durability> {
 protected:
  void SetUp() override {
    log_ = open_store(dir_.path(), GetParam());
    ASSERT_NE(log_, nullptr);
  }
  void reopen() {
    log_.reset();
    log_ = open_store(dir_.path(), GetParam());
    ASSERT_NE(log_, nullptr);
  }
  // Appends `count` events to `stream`, with comments "<stream> <n>".
  void append_n(const std::string& stream, int count) {
    for (int n = 0; n < count; ++n) {
      ASSERT_TRUE(append_events(*log_, {change_event(stream, stream + " " + std::to_string(n))}));
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<RocksEventLog> log_;
};

TEST_P(AppendTest, BatchGetsDenseSequencesPerStreamVersionsAndTimeStamps) {
  Envelope stamped = change_event("a", "a3");
  stamped.set_time_us(42);  // an appender's own stamp is kept
  auto before = now_us();
  auto result = append_events(*log_, {change_event("a", "a1"), change_event("b", "b1"),
                                      change_event("a", "a2"), change_event("c", "c1"), stamped});
  auto after = now_us();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->first, Sequence(1));
  EXPECT_EQ(result->last, Sequence(5));

  auto events = read_all(*log_);
  EXPECT_EQ(sequences_of(events), range(1, 5));
  EXPECT_EQ(versions_of(events), (std::vector<std::uint64_t>{1, 1, 2, 1, 3}));
  EXPECT_EQ(comments_of(events), (std::vector<std::string>{"a1", "b1", "a2", "c1", "a3"}));
  for (int i = 0; i < 4; ++i) {
    EXPECT_GE(events[i].time_us(), before) << "event " << i;
    EXPECT_LE(events[i].time_us(), after) << "event " << i;
  }
  EXPECT_EQ(events[4].time_us(), 42);

  // The next batch continues both numberings.
  result = append_events(*log_, {change_event("b", "b2"), change_event("d", "d1")});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->first, Sequence(6));
  EXPECT_EQ(result->last, Sequence(7));
  events = read_all(*log_);
  EXPECT_EQ(sequences_of(events), range(1, 7));
  EXPECT_EQ(events[5].stream_version(), 2u);
  EXPECT_EQ(events[6].stream_version(), 1u);
}

TEST_P(AppendTest, ReadForwardHonoursFromAndLimit) {
  ASSERT_NO_FATAL_FAILURE(append_n("s", 10));
  auto read = [&](std::uint64_t from, std::size_t limit) {
    auto events = log_->read_forward(Sequence(from), limit);
    EXPECT_TRUE(events) << events.error();
    return events ? sequences_of(*events) : std::vector<std::uint64_t>{99999};
  };
  EXPECT_EQ(read(1, 100), range(1, 10));
  EXPECT_EQ(read(4, 3), range(4, 6));
  EXPECT_EQ(read(9, 100), range(9, 10));
  EXPECT_EQ(read(10, 1), range(10, 10));
  EXPECT_EQ(read(11, 5), range(1, 0));
  EXPECT_EQ(read(0, 2), range(1, 2));  // 0 is "before the first"
  EXPECT_EQ(read(3, 0), range(1, 0));  // "up to 0 events" is none
}

TEST_P(AppendTest, ScanVisitsUpToToAndStopsWhenTheVisitorSaysSo) {
  ASSERT_NO_FATAL_FAILURE(append_n("s", 10));
  std::vector<std::uint64_t> visited;
  auto collect = [&](const Envelope& e) {
    visited.push_back(e.sequence());
    return true;
  };

  auto last = log_->scan(Sequence(3), Sequence(6), collect);
  ASSERT_TRUE(last) << last.error();
  EXPECT_EQ(*last, Sequence(6));
  EXPECT_EQ(visited, range(3, 6));

  visited.clear();
  last = log_->scan(Sequence(1), Sequence(0), collect);  // to = 0: the head
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, Sequence(10));
  EXPECT_EQ(visited, range(1, 10));

  visited.clear();
  last = log_->scan(Sequence(2), Sequence(0), [&](const Envelope& e) {
    visited.push_back(e.sequence());
    return e.sequence() < 4;
  });
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, Sequence(4));
  EXPECT_EQ(visited, range(2, 4));

  visited.clear();
  last = log_->scan(Sequence(11), Sequence(0), collect);  // nothing there: from - 1
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, Sequence(10));
  EXPECT_TRUE(visited.empty());
}

TEST_P(AppendTest, ReadStreamReturnsOnlyThatStreamInVersionOrder) {
  // "build/x/1" is a prefix of "build/x/10": their events must not mix.
  const auto one = streams::build("x", 1);
  const auto ten = streams::build("x", 10);
  for (int n = 1; n <= 4; ++n) {
    ASSERT_TRUE(append_events(*log_, {change_event(one, "one " + std::to_string(n)),
                                      change_event(ten, "ten " + std::to_string(n))}));
  }
  auto events = log_->read_stream(one, StreamVersion(1), 100);
  ASSERT_TRUE(events) << events.error();
  EXPECT_EQ(comments_of(*events), (std::vector<std::string>{"one 1", "one 2", "one 3", "one 4"}));
  EXPECT_EQ(versions_of(*events), range(1, 4));
  EXPECT_EQ(sequences_of(*events), (std::vector<std::uint64_t>{1, 3, 5, 7}));

  events = log_->read_stream(ten, StreamVersion(2), 2);
  ASSERT_TRUE(events);
  EXPECT_EQ(comments_of(*events), (std::vector<std::string>{"ten 2", "ten 3"}));

  events = log_->read_stream(ten, StreamVersion(5), 10);
  ASSERT_TRUE(events);
  EXPECT_TRUE(events->empty());
  events = log_->read_stream("build/x", StreamVersion(1), 10);
  ASSERT_TRUE(events);
  EXPECT_TRUE(events->empty());
}

TEST_P(AppendTest, StreamVersionAndHeadFollowAppends) {
  EXPECT_EQ(log_->head(), Sequence(0));
  EXPECT_EQ(*log_->stream_version("a"), StreamVersion(0));
  ASSERT_NO_FATAL_FAILURE(append_n("a", 3));
  ASSERT_NO_FATAL_FAILURE(append_n("b", 2));
  EXPECT_EQ(log_->head(), Sequence(5));
  EXPECT_EQ(*log_->stream_version("a"), StreamVersion(3));
  EXPECT_EQ(*log_->stream_version("b"), StreamVersion(2));
  EXPECT_EQ(*log_->stream_version("c"), StreamVersion(0));
  EXPECT_EQ(*log_->stream_version("a\x01"), StreamVersion(0));  // sorts right after "a\0..."
}

TEST_P(AppendTest, EmptyBatchWritesNothingAndReportsAnEmptyRange) {
  ASSERT_NO_FATAL_FAILURE(append_n("a", 2));
  auto result = log_->append(AppendRequest{});
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->first, Sequence(3));
  EXPECT_EQ(result->last, Sequence(2));
  EXPECT_EQ(log_->head(), Sequence(2));
  EXPECT_EQ(read_all(*log_).size(), 2u);
}

TEST_P(AppendTest, EventWithoutBodyOrStreamIsRejectedAndNothingOfTheBatchIsWritten) {
  Envelope no_body;
  no_body.set_stream("a");
  Envelope no_stream = change_event("", "no stream");
  Envelope nul_in_stream = change_event(std::string("a\0b", 3), "NUL");
  for (const auto& bad : {no_body, no_stream, nul_in_stream}) {
    auto result = log_->append(request_of({change_event("a", "good"), bad}));
    ASSERT_FALSE(result) << "accepted " << bad.ShortDebugString();
    EXPECT_EQ(result.error().code, StoreErrc::invalid_argument);
    EXPECT_EQ(log_->head(), Sequence(0));
    EXPECT_EQ(*log_->stream_version("a"), StreamVersion(0));
  }
  EXPECT_TRUE(read_all(*log_).empty());
  // The store still takes good appends, numbered from 1.
  auto result = append_events(*log_, {change_event("a", "good")});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->first, Sequence(1));
}

// A cause inside the batch: the store links the event to the sequence it gives the cause,
// and to the cause's chain (the cause's own correlation, or the cause if it starts one).
TEST_P(AppendTest, CausesInsideTheBatchAreLinkedToTheSequencesTheStoreGives) {
  ASSERT_NO_FATAL_FAILURE(append_n("a", 2));
  Envelope root = change_event("a", "root");  // starts a chain
  Envelope inner = change_event("b", "inner");
  Envelope outer = change_event("c", "outer");
  Envelope other = change_event("d", "other");
  other.set_causation_id(1);  // linked by the appender to an event it knows: kept
  other.set_correlation_id(1);
  auto request = request_of({root, inner, outer, other});
  request.caused_in_batch = {{1, 0}, {2, 1}};
  auto result = log_->append(std::move(request));
  ASSERT_TRUE(result) << result.error();
  auto events = read_all(*log_);
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[2].causation_id(), 0u);
  EXPECT_EQ(events[2].correlation_id(), 0u);
  EXPECT_EQ(events[3].causation_id(), 3u);
  EXPECT_EQ(events[3].correlation_id(), 3u);
  EXPECT_EQ(events[4].causation_id(), 4u);
  EXPECT_EQ(events[4].correlation_id(), 3u);
  EXPECT_EQ(events[5].causation_id(), 1u);
  EXPECT_EQ(events[5].correlation_id(), 1u);
}

TEST_P(AppendTest, ACauseThatIsNotAnEarlierEventOfTheBatchIsRefusedAndNothingIsWritten) {
  for (const auto& causes :
       std::vector<std::map<std::size_t, std::size_t>>{{{0, 1}}, {{1, 1}}, {{2, 0}}}) {
    auto request = request_of({change_event("a", "x"), change_event("b", "y")});
    request.caused_in_batch = causes;
    auto result = log_->append(std::move(request));
    ASSERT_FALSE(result) << "accepted the cause " << causes.begin()->second << " of event "
                         << causes.begin()->first;
    EXPECT_EQ(result.error().code, StoreErrc::invalid_argument);
  }
  EXPECT_TRUE(read_all(*log_).empty());
}

// Protobuf would write such text but never parse it back: every reader would stop at it.
TEST_P(AppendTest, TextThatIsNotUtf8IsRefusedNamingTheFieldAndNothingIsWritten) {
  Envelope bad_comment = change_event("a", "bad \xFF comment");
  Envelope bad_stream = change_event("s\xC3", "fine");
  Envelope bad_list = change_event("a", "fine");
  bad_list.mutable_change_added()->add_files("ok.c");
  bad_list.mutable_change_added()->add_files("\xED\xA0\x80.c");  // a surrogate
  const std::vector<std::pair<Envelope, std::string>> cases = {
      {bad_comment, "change_added.comments (byte 4)"},
      {bad_stream, "stream (byte 1)"},
      {bad_list, "change_added.files[1] (byte 0)"}};
  for (const auto& [bad, field] : cases) {
    auto result = log_->append(request_of({change_event("a", "good"), bad}));
    ASSERT_FALSE(result) << "accepted " << bad.ShortDebugString();
    EXPECT_EQ(result.error().code, StoreErrc::invalid_argument);
    EXPECT_NE(result.error().message.find("not UTF-8 in " + field), std::string::npos)
        << result.error().message;
    EXPECT_NE(result.error().message.find("ChangeAdded"), std::string::npos);
    EXPECT_EQ(log_->head(), Sequence(0));
  }
  // Log bytes are not text: a chunk of any bytes is written and read back as it was.
  Envelope chunk;
  chunk.set_stream("log/b/1/0/stdio");
  chunk.mutable_log_chunk()->set_data(std::string("\xFF\xFE\x00raw", 6));
  chunk.mutable_log_chunk()->set_size(6);
  ASSERT_TRUE(append_events(*log_, {change_event("a", "caf\xC3\xA9"), chunk}));
  auto bytes = log_->read_log("log/b/1/0/stdio", StreamVersion(1), 10);
  ASSERT_TRUE(bytes);
  ASSERT_EQ(bytes->size(), 1u);
  EXPECT_EQ((*bytes)[0].data, std::string("\xFF\xFE\x00raw", 6));
}

TEST_P(AppendTest, ExpectedNoStreamPassesOnlyForANewStream) {
  AppendRequest first = request_of({change_event("a", "first")});
  first.expected.emplace("a", ExpectedVersion::no_stream());
  ASSERT_TRUE(log_->append(first));

  auto again = log_->append(first);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, StoreErrc::version_conflict);
  ASSERT_TRUE(again.error().conflict.has_value());
  EXPECT_EQ(again.error().conflict->stream, "a");
  EXPECT_EQ(again.error().conflict->expected, "no stream");
  EXPECT_EQ(again.error().conflict->actual, 1u);
  EXPECT_EQ(log_->head(), Sequence(1));
}

TEST_P(AppendTest, ExpectedExactlyPassesOnlyAtThatVersion) {
  ASSERT_NO_FATAL_FAILURE(append_n("a", 2));
  AppendRequest at_two = request_of({change_event("a", "third")});
  at_two.expected.emplace("a", ExpectedVersion::exactly(StreamVersion(2)));
  auto result = log_->append(at_two);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->first, Sequence(3));

  auto stale = log_->append(at_two);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, StoreErrc::version_conflict);
  ASSERT_TRUE(stale.error().conflict.has_value());
  EXPECT_EQ(stale.error().conflict->stream, "a");
  EXPECT_EQ(stale.error().conflict->expected, "2");
  EXPECT_EQ(stale.error().conflict->actual, 3u);
  EXPECT_NE(stale.error().message.find("'a'"), std::string::npos) << stale.error().message;

  AppendRequest ahead = request_of({change_event("a", "ahead")});
  ahead.expected.emplace("a", ExpectedVersion::exactly(StreamVersion(7)));
  EXPECT_FALSE(log_->append(ahead));
  EXPECT_EQ(*log_->stream_version("a"), StreamVersion(3));
}

TEST_P(AppendTest, ExpectedAnyAlwaysPasses) {
  for (int n = 0; n < 3; ++n) {
    AppendRequest request = request_of({change_event("a", "x")});
    request.expected.emplace("a", ExpectedVersion::any());
    ASSERT_TRUE(log_->append(request));
  }
  EXPECT_EQ(*log_->stream_version("a"), StreamVersion(3));
}

TEST_P(AppendTest, ConflictOnOneStreamWritesNothingOfTheBatch) {
  ASSERT_NO_FATAL_FAILURE(append_n("a", 1));
  ASSERT_NO_FATAL_FAILURE(append_n("b", 1));
  ASSERT_NO_FATAL_FAILURE(append_n("c", 1));
  const auto head = log_->head();

  // "b" matches, "c" does not; "d" is new and unchecked; "a" is checked but not written.
  AppendRequest request =
      request_of({change_event("b", "b2"), change_event("d", "d1"), change_event("c", "c2")});
  request.expected.emplace("a", ExpectedVersion::exactly(StreamVersion(1)));
  request.expected.emplace("b", ExpectedVersion::exactly(StreamVersion(1)));
  request.expected.emplace("c", ExpectedVersion::no_stream());
  auto result = log_->append(request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, StoreErrc::version_conflict);
  ASSERT_TRUE(result.error().conflict.has_value());
  EXPECT_EQ(result.error().conflict->stream, "c");
  EXPECT_EQ(result.error().conflict->expected, "no stream");
  EXPECT_EQ(result.error().conflict->actual, 1u);

  EXPECT_EQ(log_->head(), head);
  EXPECT_EQ(*log_->stream_version("b"), StreamVersion(1));
  EXPECT_EQ(*log_->stream_version("c"), StreamVersion(1));
  EXPECT_EQ(*log_->stream_version("d"), StreamVersion(0));
  EXPECT_EQ(read_all(*log_).size(), head.value());

  // The failed batch left no tentative versions behind: the next append sees the truth.
  auto next = append_events(*log_, {change_event("b", "b2")});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->first, head.next());
  EXPECT_EQ(*log_->stream_version("b"), StreamVersion(2));
}

TEST_P(AppendTest, ReopenKeepsEverythingAndAppendsContinueWhereTheyWere) {
  ASSERT_NO_FATAL_FAILURE(append_n("a", 3));
  ASSERT_NO_FATAL_FAILURE(append_n("b", 2));
  std::vector<std::string> before;
  for (const auto& e : read_all(*log_)) before.push_back(e.SerializeAsString());

  ASSERT_NO_FATAL_FAILURE(reopen());
  std::vector<std::string> after;
  for (const auto& e : read_all(*log_)) after.push_back(e.SerializeAsString());
  EXPECT_EQ(after, before);
  EXPECT_EQ(log_->head(), Sequence(5));
  EXPECT_EQ(*log_->stream_version("a"), StreamVersion(3));

  // The reopened store knows the versions from disk, not from an empty cache.
  AppendRequest stale = request_of({change_event("a", "stale")});
  stale.expected.emplace("a", ExpectedVersion::no_stream());
  auto conflict = log_->append(stale);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, StoreErrc::version_conflict);
  EXPECT_EQ(conflict.error().conflict->actual, 3u);

  AppendRequest current = request_of({change_event("a", "a4"), change_event("b", "b3")});
  current.expected.emplace("a", ExpectedVersion::exactly(StreamVersion(3)));
  auto result = log_->append(current);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->first, Sequence(6));
  auto events = log_->read_forward(Sequence(6), 10);
  ASSERT_TRUE(events);
  EXPECT_EQ(versions_of(*events), (std::vector<std::uint64_t>{4, 3}));
}

INSTANTIATE_TEST_SUITE_P(EachDurability, AppendTest,
                         ::testing::Values(Durability::sync_each, Durability::group_commit,
                                           Durability::no_sync),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace eventbot::store::test

namespace eventbot::store::test {
namespace {

// RocksDB must never meet a full disk (Debian's build aborts inside its log writer): the
// store refuses an append when its disk has less free than its reserve, then writes
// nothing more (appends, snapshots, flushes), says so once, and a reopened store has
// everything acknowledged before.
TEST(FailClosed, BelowTheFreeSpaceReserveTheStoreWritesNothingMoreAndLosesNothing) {
  testing::TempDir dir;
  {
    auto log = open_store(dir.path());
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(append_events(*log, {change_event("a", "kept")}));
  }
  RocksOptions options;
  options.dir = dir.path();
  options.min_free_bytes = std::uint64_t{1} << 62;  // more than any disk has
  std::vector<std::string> told;
  options.on_write_failure = [&](const std::string& reason) { told.push_back(reason); };
  {
    auto opened = RocksEventLog::open(options);
    ASSERT_TRUE(opened) << opened.error();
    auto& log = **opened;
    auto refused = log.append(request_of({change_event("a", "refused")}));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, StoreErrc::io_error);
    EXPECT_NE(refused.error().message.find("keeps in reserve"), std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(log.write_failed());
    EXPECT_FALSE(log.append(request_of({change_event("b", "refused too")})));
    EXPECT_FALSE(log.save_snapshot("p", Snapshot{Sequence(1), "state"}));
    EXPECT_FALSE(log.flush());
    ASSERT_EQ(told.size(), 1u) << "said once";
    EXPECT_NE(told[0].find("No space left on device"), std::string::npos) << told[0];
    EXPECT_EQ(log.head(), Sequence(1));
  }
  auto reopened = open_store(dir.path());
  ASSERT_NE(reopened, nullptr);
  auto all = read_all(*reopened);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].change_added().comments(), "kept");
  EXPECT_FALSE(reopened->write_failed());
  EXPECT_TRUE(append_events(*reopened, {change_event("a", "again")}));
}

}  // namespace
}  // namespace eventbot::store::test
