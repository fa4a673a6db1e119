// Periodic and Nightly through the fake log and clock: a week of timers in milliseconds,
// restarts, missed runs and only_if_changed.
#include <gtest/gtest.h>

#include "tests/schedulers/harness.hpp"

namespace eventbot::schedulers::testing {
namespace {

using config::SchedulerType;

config::SchedulerConfig periodic(std::int64_t period) {
  auto c = scheduler_config(SchedulerType::periodic, "every");
  c.period = period;
  return c;
}

config::SchedulerConfig nightly(config::CronField hour, config::CronField minute = {0}) {
  auto c = scheduler_config(SchedulerType::nightly, "nightly", {"full"});
  c.hour = std::move(hour);
  c.minute = std::move(minute);
  return c;
}

TEST(Periodic, FirstBuildAtStartThenEveryPeriod) {
  World w;
  auto t0 = w.clock.now_us();
  w.add(periodic(3600));
  w.run_until(t0 + 5 * kHour + kMinute);
  auto times = w.buildset_times("every");
  ASSERT_EQ(times.size(), 6u);
  for (std::size_t i = 0; i < times.size(); ++i) EXPECT_EQ(times[i], t0 + i * kHour);
  auto sets = w.buildsets("every");
  EXPECT_EQ(sets[0].reason(), "The Periodic scheduler named 'every' triggered this build");
  ASSERT_EQ(sets[0].sourcestamps_size(), 1);
  EXPECT_EQ(sets[0].sourcestamps(0).branch(), "");
  EXPECT_EQ(sets[0].sourcestamps(0).revision(), "");
}

TEST(Periodic, RunsMissedWhileDownFoldIntoOneThenTheScheduleResumes) {
  World w;
  auto t0 = w.clock.now_us();
  w.add(periodic(3600));
  w.run_until(t0 + 90 * kMinute);  // builds at t0 and t0+1h
  // Down from t0+90min to t0+5h: the runs due at 2h, 3h, 4h, 5h were missed.
  w.clock.set(t0 + 5 * kHour + 10 * kMinute);
  w.restart();
  w.run_until(t0 + 7 * kHour);
  auto times = w.buildset_times("every");
  EXPECT_EQ(times, (std::vector<std::int64_t>{t0, t0 + kHour, t0 + 5 * kHour + 10 * kMinute,
                                              t0 + 6 * kHour + 10 * kMinute}));
}

TEST(Periodic, RestartBeforeTheDueTimeKeepsIt) {
  World w;
  auto t0 = w.clock.now_us();
  w.add(periodic(3600));
  w.run_until(t0 + 10 * kMinute);
  w.restart();
  w.restart();
  EXPECT_EQ(w.core("every").next_timers(), (std::vector<PendingTimer>{{"periodic", t0 + kHour}}));
  w.run_until(t0 + kHour);
  EXPECT_EQ(w.buildset_times("every").size(), 2u);
}

TEST(Periodic, AShorterPeriodPullsThePendingTimerIn) {
  World w;
  auto t0 = w.clock.now_us();
  w.add(periodic(86400));
  w.run_until(t0 + kHour);
  w.reconfigure(periodic(600));
  EXPECT_EQ(w.core("every").next_timers(),
            (std::vector<PendingTimer>{{"periodic", t0 + kHour + 10 * kMinute}}));
}

TEST(Nightly, AWeekOfHourlyAndDailyBuildsInMilliseconds) {
  ScopedTimeZone tz("UTC");
  World w(utc(2024, 5, 6));  // a Monday
  w.add(nightly({}));        // hourly on the hour (the defaults)
  auto daily = nightly({3});
  daily.name = "daily";
  w.add(daily);
  auto weekdays = nightly({6, 8}, {23});
  weekdays.name = "weekdays";
  weekdays.day_of_week = {0, 2};  // Monday and Wednesday
  w.add(weekdays);
  w.run_until(utc(2024, 5, 13) - 1);
  EXPECT_EQ(w.buildsets("nightly").size(), 7u * 24u - 1u);  // not at the start instant
  auto daily_times = w.buildset_times("daily");
  ASSERT_EQ(daily_times.size(), 7u);
  for (int d = 0; d < 7; ++d) EXPECT_EQ(daily_times[d], utc(2024, 5, 6 + d, 3));
  EXPECT_EQ(w.buildset_times("weekdays"),
            (std::vector<std::int64_t>{utc(2024, 5, 6, 6, 23), utc(2024, 5, 6, 8, 23),
                                       utc(2024, 5, 8, 6, 23), utc(2024, 5, 8, 8, 23)}));
  auto sets = w.buildsets("daily");
  EXPECT_EQ(sets[0].reason(), "The Nightly scheduler named 'daily' triggered this build");
  EXPECT_EQ(sets[0].builder_names(0), "full");
}

TEST(Nightly, AcrossMonthAndYearEnds) {
  ScopedTimeZone tz("UTC");
  World w(utc(2023, 12, 30));
  auto c = nightly({0});
  c.day_of_month = {1, 31};
  w.add(c);
  w.run_until(utc(2024, 3, 2));
  EXPECT_EQ(w.buildset_times("nightly"),
            (std::vector<std::int64_t>{utc(2023, 12, 31), utc(2024, 1, 1), utc(2024, 1, 31),
                                       utc(2024, 2, 1), utc(2024, 3, 1)}));
}

TEST(Nightly, MissedRunWhileDownFiresOnceAtRestart) {
  ScopedTimeZone tz("UTC");
  World w(utc(2024, 5, 6, 12));
  w.add(nightly({3}));
  w.run_until(utc(2024, 5, 7, 4));  // built 05-07 03:00
  // Down from 05-07 04:00 to 05-10 10:00: three nights missed, one build at restart.
  w.clock.set(utc(2024, 5, 10, 10));
  w.restart();
  EXPECT_EQ(w.core("nightly").next_timers(),
            (std::vector<PendingTimer>{{"nightly", utc(2024, 5, 8, 3)}}));
  w.run_until(utc(2024, 5, 12));
  EXPECT_EQ(
      w.buildset_times("nightly"),
      (std::vector<std::int64_t>{utc(2024, 5, 7, 3), utc(2024, 5, 10, 10), utc(2024, 5, 11, 3)}));
  // Replaying again decides nothing new.
  w.restart();
  EXPECT_EQ(w.core("nightly").next_timers(),
            (std::vector<PendingTimer>{{"nightly", utc(2024, 5, 12, 3)}}));
  EXPECT_EQ(w.buildsets("nightly").size(), 3u);
}

TEST(Nightly, ReconfiguredScheduleReplansAFutureTimer) {
  ScopedTimeZone tz("UTC");
  World w(utc(2024, 5, 6, 12));
  w.add(nightly({3}));
  EXPECT_EQ(w.core("nightly").next_timers().at(0).due_us, utc(2024, 5, 7, 3));
  w.reconfigure(nightly({22}));
  EXPECT_EQ(w.core("nightly").next_timers(),
            (std::vector<PendingTimer>{{"nightly", utc(2024, 5, 6, 22)}}));
}

TEST(Nightly, OnlyIfChangedBuildsOnlyAfterImportantChanges) {
  ScopedTimeZone tz("UTC");
  World w(utc(2024, 5, 6, 12));
  auto c = nightly({3});
  c.only_if_changed = true;
  c.branch = "main";
  c.file_is_important.exclude = {"docs/*"};
  w.add(c);
  w.run_until(utc(2024, 5, 7, 12));  // no change: no build on the 7th
  EXPECT_TRUE(w.buildsets("nightly").empty());
  w.add_change(change("main", {"docs/a"}, "r1"));  // unimportant
  w.run_until(utc(2024, 5, 8, 12));                // still nothing on the 8th
  EXPECT_TRUE(w.buildsets("nightly").empty());
  w.add_change(change("other", {"src/a"}, "x1"));  // another branch
  w.add_change(change("main", {"src/a"}, "r2"));   // important
  w.add_change(change("main", {"docs/b"}, "r3"));
  w.run_until(utc(2024, 5, 10, 12));
  auto sets = w.buildsets("nightly");
  ASSERT_EQ(sets.size(), 1u);  // the 9th; nothing new for the 10th
  EXPECT_EQ(w.buildset_times("nightly")[0], utc(2024, 5, 9, 3));
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{1, 3, 4}));
  EXPECT_EQ(sets[0].sourcestamps(0).revision(), "r3");
  EXPECT_EQ(sets[0].sourcestamps(0).branch(), "main");
  EXPECT_EQ(w.core("nightly").next_timers().at(0).due_us, utc(2024, 5, 11, 3));
}

TEST(Nightly, WithoutOnlyIfChangedChangesAreIgnored) {
  ScopedTimeZone tz("UTC");
  World w(utc(2024, 5, 6, 12));
  auto c = nightly({3});
  c.branch = "main";
  auto& core = w.add(c);
  EXPECT_TRUE(ok(core.decide(ConsiderChange{1, change("main"), 0})).empty());
  w.add_change(change("main"));
  w.run_until(utc(2024, 5, 7, 4));
  auto sets = w.buildsets("nightly");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_TRUE(change_ids(sets[0]).empty());
  EXPECT_EQ(sets[0].sourcestamps(0).branch(), "main");
}

TEST(Nightly, MissedOnlyIfChangedRunIncludesTheChanges) {
  ScopedTimeZone tz("UTC");
  World w(utc(2024, 5, 6, 12));
  auto c = nightly({3});
  c.only_if_changed = true;
  w.add(c);
  w.add_change(change(""));
  w.append_change(change(""));  // the master died before considering it
  w.clock.set(utc(2024, 5, 9, 9));
  w.restart();
  w.run_until(w.clock.now_us());
  auto sets = w.buildsets("nightly");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(w.buildset_times("nightly")[0], utc(2024, 5, 9, 9));
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{1, 2}));
}

}  // namespace
}  // namespace eventbot::schedulers::testing
