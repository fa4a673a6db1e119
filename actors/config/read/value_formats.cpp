#include "actors/config/read/value_formats.hpp"

#include <cctype>
#include <charconv>
#include <limits>

#include "common/regex.hpp"

namespace eventbot::config::detail {
namespace {

// A hundred years: anything longer is a typo, and sums stay far from overflowing.
constexpr std::int64_t kLongestDuration = 100LL * 366 * 86400;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads a run of at most 12 digits at `pos` (more would overflow once multiplied).
std::optional<std::int64_t> read_number(std::string_view text, std::size_t& pos) {
  std::size_t start = pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  if (pos == start || pos - start > 12) return std::nullopt;
  std::int64_t value = 0;
  std::from_chars(text.data() + start, text.data() + pos, value);
  return value;
}

}  // namespace

std::optional<std::int64_t> parse_duration(std::string_view text) {
  std::size_t pos = 0;
  auto first = read_number(text, pos);
  if (!first) return std::nullopt;
  if (pos == text.size()) return first;
  std::int64_t total = 0;
  std::optional<std::int64_t> number = first;
  while (true) {
    if (pos == text.size()) return std::nullopt;  // a number without a unit after units
    std::int64_t unit = 0;
    switch (text[pos++]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return std::nullopt;
    }
    total += *number * unit;
    if (total > kLongestDuration) return std::nullopt;
    if (pos == text.size()) return total;
    number = read_number(text, pos);
    if (!number) return std::nullopt;
  }
}

std::optional<std::int64_t> parse_byte_size(std::string_view text) {
  std::size_t pos = 0;
  auto number = read_number(text, pos);
  if (!number) return std::nullopt;
  while (pos < text.size() && text[pos] == ' ') ++pos;
  std::string_view unit = text.substr(pos);
  int shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K" || unit == "k" || unit == "KiB") {
    shift = 10;
  } else if (unit == "M" || unit == "MiB") {
    shift = 20;
  } else if (unit == "G" || unit == "GiB") {
    shift = 30;
  } else {
    return std::nullopt;
  }
  if (*number > (std::numeric_limits<std::int64_t>::max() >> shift)) return std::nullopt;
  return *number << shift;
}

std::optional<std::string> glob_problem(std::string_view glob) {
  if (glob.empty()) return "an empty glob matches no file";
  for (std::size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '\\') {
      if (++i == glob.size()) return "ends with a lone '\\'";
      continue;
    }
    if (glob[i] != '[') continue;
    // A bracket expression: '!' or '^' negates, a ']' right after the opening (and the
    // negation) is a member, and "[:class:]" may appear inside.
    std::size_t j = i + 1;
    if (j < glob.size() && (glob[j] == '!' || glob[j] == '^')) ++j;
    if (j < glob.size() && glob[j] == ']') ++j;
    bool closed = false;
    for (; j < glob.size(); ++j) {
      if (glob[j] == '[' && j + 1 < glob.size() && glob[j + 1] == ':') {
        std::size_t end = glob.find(":]", j + 2);
        if (end == std::string_view::npos) return "unclosed '[:' in a bracket expression";
        j = end + 1;
      } else if (glob[j] == ']') {
        closed = true;
        break;
      }
    }
    if (!closed) return "unclosed '['";
    i = j;
  }
  return std::nullopt;
}

std::optional<std::string> regex_problem(const std::string& regex) {
  auto compiled = Regex::compile(regex);
  if (!compiled) return compiled.error();
  return std::nullopt;
}

bool is_json_number(std::string_view text) {
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, by hand: one pass, no recursion.
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    return i - start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (i < text.size() && text[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == text.size();
}

bool looks_like_mail_address(std::string_view text) {
  auto at = text.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
         text.find_first_of(" \t,<>") == std::string_view::npos;
}

std::optional<std::string> relative_path_problem(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.front() == '/') return "is an absolute path";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return "climbs out of the base directory";
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace eventbot::config::detail
