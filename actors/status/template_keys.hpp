#pragma once
// The keys a mail's subject and body templates may name as %(key)s (docs/STATUS.md has
// what each holds). Header-only: checkconfig checks templates against it and the mail
// core fills exactly these.
#include <array>
#include <string_view>

namespace eventbot::status {

inline constexpr std::array<std::string_view, 16> kMailTemplateKeys = {
    "builder", "number", "result",   "result_text", "title",   "url",  "build_url", "reason",
    "slave",   "branch", "revision", "blamelist",   "changes", "text", "mode",      "project"};

// "%(prop:NAME)s" names a build property (its value, JSON strings unquoted).
inline constexpr std::string_view kPropertyPrefix = "prop:";

}  // namespace eventbot::status
