#pragma once
// The time math of Nightly: the next time the clock of the master's local time zone
// (TZ, read through localtime_r/mktime) shows a minute the cron fields allow.
//
// Fields: minute 0-59, hour 0-23, day_of_month 1-31, month 1-12, day_of_week 0-6 with
// 0 = Monday as in Buildbot; an empty field is "*". A time matches when every field
// matches (the manual: "whenever the current time matches the given constraints"; unlike
// Vixie cron, which ORs day_of_month and day_of_week when both are given).
// Builds fire at second 0 of a matching minute.
// Daylight saving time: a local time that does not exist (the hour skipped in spring)
// fires shifted forward by the gap (02:30 -> 03:30), so the day's run is not skipped; a
// local time that happens twice (autumn) fires once, at its first occurrence after the
// starting point.
#include <cstdint>
#include <optional>
#include <string>

#include "actors/config/master_config.hpp"

namespace eventbot::schedulers {

struct CronSpec {
  config::CronField minute{0};
  config::CronField hour;
  config::CronField day_of_month;
  config::CronField month;
  config::CronField day_of_week;
};

CronSpec cron_spec(const config::SchedulerConfig& config);

// The empty string when every value is in range, else a message naming the field.
std::string validate_cron(const CronSpec& spec);

// The first matching minute strictly after `after_us` (microseconds since the epoch), or
// none if no date within 400 years matches (e.g. day_of_month 31 in month 2).
std::optional<std::int64_t> next_fire_us(const CronSpec& spec, std::int64_t after_us);

}  // namespace eventbot::schedulers
