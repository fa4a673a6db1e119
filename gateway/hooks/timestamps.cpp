#include "gateway/hooks/timestamps.hpp"

namespace eventbot::gateway::hooks {
namespace {

// Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// `count` decimal digits at `at`, advancing it.
std::optional<int> digits(std::string_view text, std::size_t& at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    char c = text[at + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  at += count;
  return value;
}

bool expect(std::string_view text, std::size_t& at, char c) {
  if (at >= text.size() || text[at] != c) return false;
  ++at;
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_timestamp_us(std::string_view text) {
  std::size_t at = 0;
  auto year = digits(text, at, 4);
  if (!year || !expect(text, at, '-')) return std::nullopt;
  auto month = digits(text, at, 2);
  if (!month || !expect(text, at, '-')) return std::nullopt;
  auto day = digits(text, at, 2);
  if (!day || at >= text.size() || (text[at] != 'T' && text[at] != ' ')) return std::nullopt;
  ++at;
  auto hour = digits(text, at, 2);
  if (!hour || !expect(text, at, ':')) return std::nullopt;
  auto minute = digits(text, at, 2);
  if (!minute || !expect(text, at, ':')) return std::nullopt;
  auto second = digits(text, at, 2);
  if (!second) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  const int month_days = kDays[*month - 1] + (*month == 2 && is_leap(*year) ? 1 : 0);
  if (*day > month_days) return std::nullopt;
  std::int64_t micros = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::size_t places = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (places < 6) micros = micros * 10 + (text[at] - '0');
      ++places;
      ++at;
      if (places > 12) return std::nullopt;
    }
    if (places == 0) return std::nullopt;
    for (std::size_t p = places; p < 6; ++p) micros *= 10;
  }
  std::int64_t offset_seconds = 0;
  std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == " UTC" || zone == "UTC") {
    offset_seconds = 0;
  } else if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
    std::size_t z = 1;
    auto hours = digits(zone, z, 2);
    if (!hours) return std::nullopt;
    if (z < zone.size() && zone[z] == ':') ++z;
    auto minutes = digits(zone, z, 2);
    if (!minutes || z != zone.size() || *hours > 23 || *minutes > 59) return std::nullopt;
    offset_seconds = (*hours * 3600 + *minutes * 60) * (zone[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const std::int64_t seconds =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) * 86400 +
      *hour * 3600 + *minute * 60 + *second - offset_seconds;
  if (seconds < 0) return std::nullopt;
  return seconds * 1'000'000 + micros;
}

}  // namespace eventbot::gateway::hooks
