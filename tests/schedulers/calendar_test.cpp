// Nightly's time math: the next matching minute in local time.
#include <gtest/gtest.h>

#include <filesystem>

#include "actors/schedulers/nightly_calendar.hpp"
#include "tests/schedulers/harness.hpp"

namespace eventbot::schedulers::testing {
namespace {

std::int64_t next(const CronSpec& spec, std::int64_t after) {
  auto t = next_fire_us(spec, after);
  EXPECT_TRUE(t.has_value());
  return t.value_or(0);
}

TEST(NightlyCalendar, DefaultIsHourlyOnTheHour) {
  ScopedTimeZone tz("UTC");
  CronSpec spec;
  EXPECT_EQ(next(spec, utc(2024, 5, 1, 10, 15)), utc(2024, 5, 1, 11, 0));
  EXPECT_EQ(next(spec, utc(2024, 5, 1, 10, 59, 59)), utc(2024, 5, 1, 11, 0));
}

TEST(NightlyCalendar, StrictlyAfterTheStartingPoint) {
  ScopedTimeZone tz("UTC");
  CronSpec spec{{0}, {3}, {}, {}, {}};
  EXPECT_EQ(next(spec, utc(2024, 5, 1, 3, 0)), utc(2024, 5, 2, 3, 0));
  EXPECT_EQ(next(spec, utc(2024, 5, 1, 3, 0) - 1), utc(2024, 5, 1, 3, 0));
  EXPECT_EQ(next(spec, utc(2024, 5, 1, 2, 59, 30)), utc(2024, 5, 1, 3, 0));
}

TEST(NightlyCalendar, ListsOfMinutesAndHours) {
  ScopedTimeZone tz("UTC");
  CronSpec spec{{15, 45}, {0, 12}, {}, {}, {}};
  auto t = utc(2024, 5, 1, 0, 0);
  std::vector<std::int64_t> fires;
  for (int i = 0; i < 5; ++i) fires.push_back(t = next(spec, t));
  EXPECT_EQ(fires, (std::vector<std::int64_t>{utc(2024, 5, 1, 0, 15), utc(2024, 5, 1, 0, 45),
                                              utc(2024, 5, 1, 12, 15), utc(2024, 5, 1, 12, 45),
                                              utc(2024, 5, 2, 0, 15)}));
}

TEST(NightlyCalendar, YearAndMonthBoundaries) {
  ScopedTimeZone tz("UTC");
  CronSpec hourly;
  EXPECT_EQ(next(hourly, utc(2023, 12, 31, 23, 30)), utc(2024, 1, 1, 0, 0));
  CronSpec first_of_month{{0}, {0}, {1}, {}, {}};
  EXPECT_EQ(next(first_of_month, utc(2024, 1, 31, 12)), utc(2024, 2, 1));
  EXPECT_EQ(next(first_of_month, utc(2024, 12, 1, 0, 0)), utc(2025, 1, 1));
  CronSpec thirty_first{{30}, {6}, {31}, {}, {}};
  EXPECT_EQ(next(thirty_first, utc(2024, 1, 31, 7)), utc(2024, 3, 31, 6, 30));
  EXPECT_EQ(next(thirty_first, utc(2024, 3, 31, 7)), utc(2024, 5, 31, 6, 30));
  CronSpec leap_day{{0}, {12}, {29}, {2}, {}};
  EXPECT_EQ(next(leap_day, utc(2024, 3, 1)), utc(2028, 2, 29, 12));
  CronSpec christmas_eve{{0}, {18}, {24}, {12}, {}};
  EXPECT_EQ(next(christmas_eve, utc(2024, 12, 24, 18)), utc(2025, 12, 24, 18));
}

TEST(NightlyCalendar, DayOfWeekStartsOnMonday) {
  ScopedTimeZone tz("UTC");
  // 2024-05-01 is a Wednesday. Monday 6:23 and 8:23, as in the manual's example.
  CronSpec spec{{23}, {6, 8}, {}, {}, {0}};
  auto t = next(spec, utc(2024, 5, 1));
  EXPECT_EQ(t, utc(2024, 5, 6, 6, 23));
  EXPECT_EQ(next(spec, t), utc(2024, 5, 6, 8, 23));
  EXPECT_EQ(next(spec, utc(2024, 5, 6, 8, 23)), utc(2024, 5, 13, 6, 23));
  CronSpec sunday{{0}, {0}, {}, {}, {6}};
  EXPECT_EQ(next(sunday, utc(2024, 5, 1)), utc(2024, 5, 5));
}

TEST(NightlyCalendar, EveryFieldMustMatch) {
  ScopedTimeZone tz("UTC");
  // Friday the 13th: day_of_month AND day_of_week (not cron's OR).
  CronSpec spec{{0}, {9}, {13}, {}, {4}};
  EXPECT_EQ(next(spec, utc(2024, 1, 1)), utc(2024, 9, 13, 9));
  EXPECT_EQ(next(spec, utc(2024, 9, 14)), utc(2024, 12, 13, 9));
}

TEST(NightlyCalendar, ImpossibleScheduleNeverFires) {
  ScopedTimeZone tz("UTC");
  CronSpec spec{{0}, {0}, {30}, {2}, {}};
  EXPECT_FALSE(next_fire_us(spec, utc(2024, 1, 1)).has_value());
}

TEST(NightlyCalendar, ValidateNamesTheFieldOutOfRange) {
  EXPECT_EQ(validate_cron(CronSpec{}), "");
  EXPECT_NE(validate_cron(CronSpec{{60}, {}, {}, {}, {}}).find("minute"), std::string::npos);
  EXPECT_NE(validate_cron(CronSpec{{0}, {24}, {}, {}, {}}).find("hour"), std::string::npos);
  EXPECT_NE(validate_cron(CronSpec{{0}, {}, {0}, {}, {}}).find("day_of_month"), std::string::npos);
  EXPECT_NE(validate_cron(CronSpec{{0}, {}, {}, {13}, {}}).find("month"), std::string::npos);
  EXPECT_NE(validate_cron(CronSpec{{0}, {}, {}, {}, {7}}).find("day_of_week"), std::string::npos);
}

TEST(NightlyCalendar, LocalTimeZone) {
  ScopedTimeZone tz("Asia/Tokyo");
  if (!std::filesystem::exists("/usr/share/zoneinfo/Asia/Tokyo")) GTEST_SKIP() << "no tzdata";
  CronSpec spec{{0}, {3}, {}, {}, {}};
  // 03:00 in Tokyo (UTC+9) is 18:00 UTC the day before.
  EXPECT_EQ(next(spec, utc(2024, 5, 1, 12)), utc(2024, 5, 1, 18));
}

TEST(NightlyCalendar, SpringForwardGapFiresShiftedForward) {
  if (!std::filesystem::exists("/usr/share/zoneinfo/America/New_York")) GTEST_SKIP();
  ScopedTimeZone tz("America/New_York");
  // 2024-03-10 02:00 EST jumps to 03:00 EDT: 02:30 does not exist.
  CronSpec spec{{30}, {2}, {}, {}, {}};
  auto t = next(spec, utc(2024, 3, 9, 12));           // 07:30 EST on the 9th
  EXPECT_EQ(t, utc(2024, 3, 10, 7, 30));              // 03:30 EDT on the 10th
  EXPECT_EQ(next(spec, t), utc(2024, 3, 11, 6, 30));  // 02:30 EDT on the 11th
}

TEST(NightlyCalendar, FallBackRepeatedHourFiresOnce) {
  if (!std::filesystem::exists("/usr/share/zoneinfo/America/New_York")) GTEST_SKIP();
  ScopedTimeZone tz("America/New_York");
  // 2024-11-03 02:00 EDT falls back to 01:00 EST: 01:30 happens twice.
  CronSpec spec{{30}, {1}, {}, {}, {}};
  auto t = next(spec, utc(2024, 11, 2, 12));
  EXPECT_EQ(t, utc(2024, 11, 3, 5, 30));              // 01:30 EDT
  EXPECT_EQ(next(spec, t), utc(2024, 11, 4, 6, 30));  // not 01:30 EST again
  // Started during the repeated hour, after its first 01:30: the second one fires.
  EXPECT_EQ(next(spec, utc(2024, 11, 3, 6, 10)), utc(2024, 11, 3, 6, 30));
}

}  // namespace
}  // namespace eventbot::schedulers::testing
