#include "actors/schedulers/nightly_calendar.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace eventbot::schedulers {
namespace {

constexpr std::int64_t kMicros = 1'000'000;
// 400 Gregorian years repeat the calendar, weekdays included.
constexpr int kSearchDays = 146'097 + 1;

bool allows(const config::CronField& field, int value) {
  return field.empty() || std::find(field.begin(), field.end(), value) != field.end();
}

std::vector<int> values_of(const config::CronField& field, int first, int last) {
  std::vector<int> out;
  for (int v = first; v <= last; ++v) {
    if (allows(field, v)) out.push_back(v);
  }
  return out;
}

std::string check(const config::CronField& field, const char* name, int first, int last) {
  for (int v : field) {
    if (v < first || v > last) {
      return std::string(name) + " " + std::to_string(v) + " is outside " + std::to_string(first) +
             ".." + std::to_string(last);
    }
  }
  return {};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// The instants at which the local clock shows day/hour/minute: the earliest one after
// `after` among the valid interpretations (standard or daylight time); for a time in a
// spring-forward gap, the later of the two shifted instants.
std::optional<std::time_t> instant_of(const std::chrono::year_month_day& day, int hour, int minute,
                                      std::time_t after) {
  std::optional<std::time_t> best;
  std::optional<std::time_t> shifted;
  for (int isdst : {-1, 0, 1}) {
    std::tm tm{};
    tm.tm_year = static_cast<int>(day.year()) - 1900;
    tm.tm_mon = static_cast<int>(static_cast<unsigned>(day.month())) - 1;
    tm.tm_mday = static_cast<int>(static_cast<unsigned>(day.day()));
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_isdst = isdst;
    std::tm wanted = tm;
    std::time_t t = std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1)) continue;
    std::tm shown{};
    if (!localtime_r(&t, &shown)) continue;
    bool exact = shown.tm_year == wanted.tm_year && shown.tm_mon == wanted.tm_mon &&
                 shown.tm_mday == wanted.tm_mday && shown.tm_hour == hour && shown.tm_min == minute;
    if (exact) {
      if (t > after && (!best || t < *best)) best = t;
    } else if (t > after && (!shifted || t > *shifted)) {
      shifted = t;
    }
  }
  return best ? best : shifted;
}

}  // namespace

CronSpec cron_spec(const config::SchedulerConfig& config) {
  return CronSpec{config.minute, config.hour, config.day_of_month, config.month,
                  config.day_of_week};
}

std::string validate_cron(const CronSpec& spec) {
  for (auto message :
       {check(spec.minute, "minute", 0, 59), check(spec.hour, "hour", 0, 23),
        check(spec.day_of_month, "day_of_month", 1, 31), check(spec.month, "month", 1, 12),
        check(spec.day_of_week, "day_of_week", 0, 6)}) {
    if (!message.empty()) return message;
  }
  return {};
}

std::optional<std::int64_t> next_fire_us(const CronSpec& spec, std::int64_t after_us) {
  using namespace std::chrono;
  const std::time_t after = static_cast<std::time_t>(floor_div(after_us, kMicros));
  std::tm now{};
  if (!localtime_r(&after, &now)) return std::nullopt;
  const auto minutes = values_of(spec.minute, 0, 59);
  const auto hours = values_of(spec.hour, 0, 23);
  const int start_minute_of_day = now.tm_hour * 60 + now.tm_min + 1;
  const sys_days first{year{now.tm_year + 1900} / month{static_cast<unsigned>(now.tm_mon + 1)} /
                       day{static_cast<unsigned>(now.tm_mday)}};
  for (int offset = 0; offset < kSearchDays; ++offset) {
    const sys_days date = first + days{offset};
    const year_month_day ymd{date};
    const int weekday_monday0 = static_cast<int>(weekday{date}.iso_encoding()) - 1;
    if (!allows(spec.month, static_cast<int>(static_cast<unsigned>(ymd.month()))) ||
        !allows(spec.day_of_month, static_cast<int>(static_cast<unsigned>(ymd.day()))) ||
        !allows(spec.day_of_week, weekday_monday0)) {
      continue;
    }
    for (int h : hours) {
      for (int m : minutes) {
        // The day of `after` itself (and the day after it, for a clock set back across
        // midnight) can hold minutes at or before `after`: instant_of skips those.
        if (offset == 0 && h * 60 + m < start_minute_of_day) continue;
        if (auto t = instant_of(ymd, h, m, after)) return std::int64_t{*t} * kMicros;
      }
    }
  }
  return std::nullopt;
}

}  // namespace eventbot::schedulers
