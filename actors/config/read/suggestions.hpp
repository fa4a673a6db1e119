#pragma once
// "Did you mean ...?" for a misspelt key, type or name.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eventbot::config::detail {

// The candidate the user most likely meant by `word`: Buildbot's name for one of ours
// (builderNames → builders), the same letters ignoring case and '_' (treeStableTimer →
// tree_stable_timer), the nearest within a small edit distance, or the one candidate the
// word starts or is started by (master_shell → master_shell_command). Nothing if none
// is close.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// " (did you mean "x"?)", or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// What follows "unknown key "x"" or "unknown step type "x"": the one likely candidate
// (did_you_mean); failing that, a short list of candidates as "; <list_intro>: a, b, c";
// failing that (a long list helps nobody pick), nothing.
std::string unknown_word_hint(std::string_view word, const std::vector<std::string>& candidates,
                              std::string_view list_intro);

// "a, b, c"
std::string join(const std::vector<std::string>& words, std::string_view separator = ", ");

}  // namespace eventbot::config::detail
