// Projection snapshots: saved per projection, overwritten by a newer save, absent
// until saved, and kept across a reopen.
#include <gtest/gtest.h>

#include "tests/store/store_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::store::test {
namespace {

using namespace std::string_literals;

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = open_store(dir_.path());
    ASSERT_NE(log_, nullptr);
  }
  std::optional<Snapshot> load(std::string_view projection) {
    auto loaded = log_->load_snapshot(projection);
    EXPECT_TRUE(loaded) << loaded.error();
    return loaded ? *loaded : std::nullopt;
  }

  testing::TempDir dir_;
  std::unique_ptr<RocksEventLog> log_;
};

TEST_F(SnapshotTest, MissingSnapshotIsNullopt) {
  EXPECT_FALSE(load("builders").has_value());
}

TEST_F(SnapshotTest, SavedSnapshotLoadsBackExactly) {
  const std::string state = "binary\0state\xff with NULs"s;
  ASSERT_TRUE(log_->save_snapshot("builders", Snapshot{Sequence(1234), state}));
  auto loaded = load("builders");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->sequence, Sequence(1234));
  EXPECT_EQ(loaded->state, state);
  EXPECT_FALSE(load("builder").has_value());  // a prefix of the name is another projection
}

TEST_F(SnapshotTest, EmptyStateIsStillASnapshot) {
  ASSERT_TRUE(log_->save_snapshot("empty", Snapshot{Sequence(7), ""}));
  auto loaded = load("empty");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->sequence, Sequence(7));
  EXPECT_EQ(loaded->state, "");
}

TEST_F(SnapshotTest, NewerSaveOverwritesAndOtherProjectionsAreUntouched) {
  ASSERT_TRUE(log_->save_snapshot("builders", Snapshot{Sequence(10), "old"}));
  ASSERT_TRUE(log_->save_snapshot("slaves", Snapshot{Sequence(11), "slaves"}));
  ASSERT_TRUE(log_->save_snapshot("builders", Snapshot{Sequence(20), "new"}));
  auto builders = load("builders");
  ASSERT_TRUE(builders.has_value());
  EXPECT_EQ(builders->sequence, Sequence(20));
  EXPECT_EQ(builders->state, "new");
  auto slaves = load("slaves");
  ASSERT_TRUE(slaves.has_value());
  EXPECT_EQ(slaves->sequence, Sequence(11));
  EXPECT_EQ(slaves->state, "slaves");
}

TEST_F(SnapshotTest, DeleteForgetsOneProjection) {
  ASSERT_TRUE(log_->save_snapshot("builders", Snapshot{Sequence(10), "b"}));
  ASSERT_TRUE(log_->save_snapshot("slaves", Snapshot{Sequence(11), "s"}));
  ASSERT_TRUE(log_->delete_snapshot("builders"));
  ASSERT_TRUE(log_->delete_snapshot("never saved"));
  auto builders = log_->load_snapshot("builders");
  ASSERT_TRUE(builders);
  EXPECT_FALSE(builders->has_value());
  auto slaves = load("slaves");
  ASSERT_TRUE(slaves.has_value());
  EXPECT_EQ(slaves->state, "s");
}

TEST_F(SnapshotTest, SnapshotsSurviveAReopen) {
  ASSERT_TRUE(log_->save_snapshot("builders", Snapshot{Sequence(99), "state at 99"}));
  log_.reset();
  log_ = open_store(dir_.path());
  ASSERT_NE(log_, nullptr);
  auto loaded = load("builders");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->sequence, Sequence(99));
  EXPECT_EQ(loaded->state, "state at 99");
}

TEST_F(SnapshotTest, AReadingInstanceLoadsButCannotSave) {
  ASSERT_TRUE(log_->save_snapshot("builders", Snapshot{Sequence(5), "five"}));
  ASSERT_TRUE(append_events(*log_, {change_event("changes", "so the files exist")}));
  auto reader = RocksEventLog::open_for_reading(dir_.path());
  ASSERT_TRUE(reader) << reader.error();
  auto loaded = (*reader)->load_snapshot("builders");
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ((*loaded)->state, "five");
  auto saved = (*reader)->save_snapshot("builders", Snapshot{Sequence(6), "six"});
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, StoreErrc::read_only);
}

}  // namespace
}  // namespace eventbot::store::test
