// Refused slave logins aggregated per interval (actors/slaves/auth_failures.hpp): what is
// recorded at once, what is folded into the interval's record, and that the table stays
// as small as the configuration however many names are tried.
#include "actors/slaves/auth_failures.hpp"

#include <gtest/gtest.h>

namespace eventbot::slaves {
namespace {

using namespace std::chrono_literals;
using Clock = AuthFailures::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1h;

TEST(AuthFailures, TheFirstRefusalIsRecordedAtOnceTheOthersOnceAtTheEndOfTheInterval) {
  AuthFailures failures(60s);
  auto first = failures.refused(true, "s1", "10.0.0.1:1", "wrong name or password", t0);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->known);
  EXPECT_EQ(first->name, "s1");
  EXPECT_EQ(first->count, 1u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_FALSE(failures.refused(true, "s1", "10.0.0.1:" + std::to_string(i), "wrong", t0 + 1s));
  }
  EXPECT_TRUE(failures.due(t0 + 59s).empty()) << "nothing before the interval ends";
  auto due = failures.due(t0 + 60s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].name, "s1");
  EXPECT_EQ(due[0].count, 50u);
  EXPECT_EQ(due[0].peer, "10.0.0.1:49");
  EXPECT_TRUE(due[0].other_names.empty());
  // A quiet interval after that: the bucket goes, and the next refusal is recorded at once.
  EXPECT_TRUE(failures.due(t0 + 120s).empty());
  EXPECT_EQ(failures.buckets(), 0u);
  EXPECT_TRUE(failures.refused(true, "s1", "p", "wrong", t0 + 121s));
}

TEST(AuthFailures, EveryUnknownNameSharesOneBucketWithABoundedSample) {
  AuthFailures failures(60s);
  auto first = failures.refused(false, "name-0", "p", "wrong name or password", t0);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->known);
  for (int i = 1; i <= 100'000; ++i) {
    EXPECT_FALSE(failures.refused(false, "name-" + std::to_string(i), "p", "wrong", t0 + 1s));
  }
  EXPECT_EQ(failures.buckets(), 1u) << "the table is not keyed by names strangers choose";
  auto due = failures.due(t0 + 60s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].count, 100'000u);
  EXPECT_EQ(due[0].name, "name-1");
  EXPECT_EQ(due[0].other_names.size(), AuthFailures::kSampleNames);
}

TEST(AuthFailures, ConfiguredSlavesAndStrangersAreCountedApart) {
  AuthFailures failures(60s);
  EXPECT_TRUE(failures.refused(true, "s1", "p", "wrong", t0));
  EXPECT_TRUE(failures.refused(true, "s2", "p", "wrong", t0));
  EXPECT_TRUE(failures.refused(false, "nobody", "p", "wrong", t0));
  EXPECT_FALSE(failures.refused(true, "s1", "p", "wrong", t0 + 1s));
  EXPECT_EQ(failures.buckets(), 3u);
  auto due = failures.due(t0 + 60s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].name, "s1");
  EXPECT_EQ(failures.buckets(), 1u) << "the quiet ones are gone";
}

// The table trusts neither the name nor the caller's `known`: 5000 names taken as
// configured ones (a caller that trusts the peer, or a huge configuration) and names of
// 64 KiB leave at most max_buckets entries of cut texts; the oldest go first, and their
// refusals counted so far survive in the record of other names.
TEST(AuthFailures, TheTableIsBoundedInEntriesAndBytesAndEvictsTheOldest) {
  AuthFailures failures(60s, 100);
  const std::string huge(64 << 10, 'n');
  for (int i = 0; i < 5000; ++i) {
    const auto name = "slave-" + std::to_string(i) + (i % 2 ? huge : std::string());
    const auto at = t0 + std::chrono::milliseconds(i);
    EXPECT_TRUE(failures.refused(true, name, huge, huge, at)) << "a new bucket records at once";
    // A second refusal, counted for the next record, which eviction must not lose.
    EXPECT_FALSE(failures.refused(true, name, "p", "wrong", at));
    ASSERT_LE(failures.buckets(), 100u) << "after " << i + 1 << " names";
  }
  EXPECT_LE(failures.text_bytes(),
            100 * (AuthFailures::kSampleNames + 4) * AuthFailures::kMaxTextBytes)
      << "each name, peer and reason is cut";
  // The newest 99 names kept their own buckets; everything older went to "other names".
  auto due = failures.due(t0 + 120s);
  std::uint64_t counted = 0;
  const AuthFailures::Record* others = nullptr;
  for (const auto& record : due) {
    counted += record.count;
    if (!record.known) others = &record;
    EXPECT_LE(record.name.size(), AuthFailures::kMaxTextBytes);
    EXPECT_LE(record.peer.size(), AuthFailures::kMaxTextBytes);
  }
  ASSERT_NE(others, nullptr) << "the evicted buckets' counts went nowhere";
  EXPECT_EQ(counted, 5000u) << "every second refusal is in exactly one record";
  EXPECT_EQ(due.size(), 100u);
  EXPECT_EQ(others->count, 5000u - 99u);
  EXPECT_EQ(others->name, "slave-0") << "the oldest went first";
  for (const auto& record : due) {
    if (record.known) {
      EXPECT_EQ(record.name.rfind("slave-49", 0), 0u) << record.name;
    }
  }
}

}  // namespace
}  // namespace eventbot::slaves
