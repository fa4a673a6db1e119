// A damaged record in the events column family: reads report StoreErrc::corrupt_record
// naming the sequence, everything before it stays readable, and nothing crashes.
#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include "store/keys.hpp"
#include "tests/store/collector.hpp"
#include "tests/store/raw_rocks.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::store::test {
namespace {

constexpr std::uint64_t kEvents = 10;
constexpr std::uint64_t kDamaged = 6;

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = open_store(dir_.path());
    ASSERT_NE(log, nullptr);
    for (std::uint64_t n = 1; n <= kEvents; ++n) {
      ASSERT_TRUE(append_events(*log, {change_event("s" + std::to_string(n % 2), "event")}));
    }
  }
  // Replaces the record of `sequence` with `value`, behind the store's back.
  void overwrite_event(std::uint64_t sequence, const std::string& value) {
    RawRocks raw(dir_.path());
    ASSERT_TRUE(raw.is_open());
    raw.put("events", keys::big_endian(sequence), value);
  }
  void reopen() {
    log_ = open_store(dir_.path());
    ASSERT_NE(log_, nullptr);
  }
  void expect_corrupt_at(const StoreError& error, std::uint64_t sequence) {
    EXPECT_EQ(error.code, StoreErrc::corrupt_record) << error;
    EXPECT_EQ(error.sequence, sequence) << error;
    EXPECT_NE(error.message.find("sequence " + std::to_string(sequence)), std::string::npos)
        << error.message;
  }

  testing::TempDir dir_;
  std::unique_ptr<RocksEventLog> log_;
};

// 0xff bytes are a truncated varint tag: no protobuf parser accepts them.
const std::string kGarbage(16, '\xff');

TEST_F(CorruptionTest, GarbageRecordIsReportedWithItsSequenceAndEarlierEventsStayReadable) {
  ASSERT_NO_FATAL_FAILURE(overwrite_event(kDamaged, kGarbage));
  ASSERT_NO_FATAL_FAILURE(reopen());
  EXPECT_EQ(log_->head(), Sequence(kEvents));

  auto over = log_->read_forward(Sequence(1), 100);
  ASSERT_FALSE(over);
  expect_corrupt_at(over.error(), kDamaged);
  auto from_damaged = log_->read_forward(Sequence(kDamaged), 1);
  ASSERT_FALSE(from_damaged);
  expect_corrupt_at(from_damaged.error(), kDamaged);

  for (std::uint64_t k = 1; k < kDamaged; ++k) {
    auto before = log_->read_forward(Sequence(1), k);
    ASSERT_TRUE(before) << "k=" << k << ": " << before.error();
    EXPECT_EQ(sequences_of(*before), range(1, k));
  }
  auto after = log_->read_forward(Sequence(kDamaged + 1), 100);
  ASSERT_TRUE(after) << after.error();
  EXPECT_EQ(sequences_of(*after), range(kDamaged + 1, kEvents));

  auto scanned =
      log_->scan(Sequence(1), Sequence(kDamaged - 1), [](const Envelope&) { return true; });
  ASSERT_TRUE(scanned) << scanned.error();
  EXPECT_EQ(*scanned, Sequence(kDamaged - 1));

  // Sequence 6 is version 3 of stream "s0".
  auto stream = log_->read_stream("s0", StreamVersion(1), 10);
  ASSERT_FALSE(stream);
  expect_corrupt_at(stream.error(), kDamaged);
}

TEST_F(CorruptionTest, SubscriptionDeliversEventsBeforeTheDamageThenReportsItOnce) {
  ASSERT_NO_FATAL_FAILURE(overwrite_event(kDamaged, kGarbage));
  ASSERT_NO_FATAL_FAILURE(reopen());
  Collector got;
  auto subscription = log_->subscribe(Sequence(1), got.callbacks());
  ASSERT_TRUE(eventbot::testing::wait_until([&] { return !got.errors().empty(); }));
  subscription->cancel();
  EXPECT_EQ(sequences_of(got.events()), range(1, kDamaged - 1));
  ASSERT_EQ(got.errors().size(), 1u);
  expect_corrupt_at(got.errors()[0], kDamaged);
  EXPECT_EQ(subscription->position(), Sequence(kDamaged));
}

// What an earlier version could write: a ConfigLoaded whose text is not UTF-8. Readers
// stop at it with its sequence, stream and type named, and everything before it is read.
TEST_F(CorruptionTest, RecordWithTextThatIsNotUtf8NamesItsSequenceStreamAndType) {
  Envelope config;
  config.set_sequence(kDamaged);
  config.set_stream("config");
  config.set_stream_version(1);
  config.mutable_config_loaded()->set_content("description: \xFF");
  std::string record;
  {
    // Protobuf serialises it (and complains on stderr), but will not parse it back.
    google::protobuf::LogSilencer quiet;
    record = config.SerializeAsString();
  }
  ASSERT_NO_FATAL_FAILURE(overwrite_event(kDamaged, record));
  ASSERT_NO_FATAL_FAILURE(reopen());
  auto over = log_->read_forward(Sequence(1), 100);
  ASSERT_FALSE(over);
  expect_corrupt_at(over.error(), kDamaged);
  EXPECT_NE(over.error().message.find("stream 'config', ConfigLoaded"), std::string::npos)
      << over.error().message;
  EXPECT_NE(over.error().message.find("not UTF-8"), std::string::npos) << over.error().message;
  auto before = log_->read_forward(Sequence(1), kDamaged - 1);
  ASSERT_TRUE(before) << before.error();
}

TEST_F(CorruptionTest, RecordWhoseSequenceDiffersFromItsKeyIsCorrupt) {
  Envelope moved = change_event("s0", "I claim to be sequence 99");
  moved.set_sequence(99);
  moved.set_stream_version(3);
  ASSERT_NO_FATAL_FAILURE(overwrite_event(kDamaged, moved.SerializeAsString()));
  ASSERT_NO_FATAL_FAILURE(reopen());

  auto over = log_->read_forward(Sequence(kDamaged - 1), 100);
  ASSERT_FALSE(over);
  expect_corrupt_at(over.error(), kDamaged);
  EXPECT_NE(over.error().message.find("99"), std::string::npos) << over.error().message;
  auto before = log_->read_forward(Sequence(1), kDamaged - 1);
  ASSERT_TRUE(before) << before.error();
  EXPECT_EQ(before->size(), kDamaged - 1);
}

TEST_F(CorruptionTest, AppendsContinueAfterTheDamage) {
  ASSERT_NO_FATAL_FAILURE(overwrite_event(kDamaged, kGarbage));
  ASSERT_NO_FATAL_FAILURE(reopen());
  auto appended = append_events(*log_, {change_event("s1", "after the damage")});
  ASSERT_TRUE(appended);
  EXPECT_EQ(appended->first, Sequence(kEvents + 1));
  auto tail = log_->read_forward(Sequence(kEvents + 1), 10);
  ASSERT_TRUE(tail) << tail.error();
  EXPECT_EQ(comments_of(*tail), std::vector<std::string>{"after the damage"});
}

}  // namespace
}  // namespace eventbot::store::test
