#pragma once
// The small languages inside master.yaml's strings: durations, byte sizes, globs,
// regular expressions, credential hashes. Each parser returns the value, or nothing,
// and the checkers return why a string is not valid.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eventbot::config::detail {

// "90" (seconds), "30s", "5m", "2h", "1d", or several ("1h30m").
std::optional<std::int64_t> parse_duration(std::string_view text);

// "4096" (bytes), "64KiB", "10MiB", "1GiB" (K, M and G alone mean the same).
std::optional<std::int64_t> parse_byte_size(std::string_view text);

// Why `glob` is not an fnmatch(3) pattern ("unclosed '['"), or nothing if it is.
std::optional<std::string> glob_problem(std::string_view glob);

// Why `regex` does not compile in RE2's syntax (common/regex.hpp), or nothing if it does.
std::optional<std::string> regex_problem(const std::string& regex);

// Whether `text` is a JSON number (YAML 1.2's core schema for plain scalars). Any
// length: a 300,000-digit number is a number, checked in one pass.
bool is_json_number(std::string_view text);

bool looks_like_mail_address(std::string_view text);

// Why `path` cannot be a directory under the master's or slave's base directory
// (absolute, or climbing out with ".."), or nothing if it can.
std::optional<std::string> relative_path_problem(std::string_view path);

}  // namespace eventbot::config::detail
