#include "actors/config/read/suggestions.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

namespace eventbot::config::detail {
namespace {

// master.cfg names whose master.yaml name is not a mere respelling.
// master.cfg names whose master.yaml name is not a mere respelling; "a.b" is key b of
// section a, suggested where section a may be written.
const std::pair<std::string_view, std::string_view> kBuildbotNames[] = {
    {"builderNames", "builders"},
    {"slavenames", "slaves"},
    {"slavename", "slaves"},
    {"periodicBuildTimer", "period"},
    {"mergeRequests", "collapse_requests"},
    {"repourl", "repository"},
    {"passwd", "password"},
    {"branch", "branches"},
    {"http_port", "port"},
    {"slavePortnum", "master.slave_port"},
    {"changeHorizon", "horizons.changes"},
    {"buildHorizon", "horizons.builds"},
    {"logHorizon", "horizons.logs"},
    {"logMaxSize", "logs.max_size"},
    {"logMaxTailSize", "logs.max_tail_size"},
};

std::string folded(std::string_view word) {
  std::string out;
  for (char c : word) {
    if (c == '_' || c == '-') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool contains(const std::vector<std::string>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

}  // namespace

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  for (const auto& [buildbot, ours] : kBuildbotNames) {
    if (word == buildbot && contains(candidates, ours.substr(0, ours.find('.')))) {
      return std::string(ours);
    }
  }
  const std::string word_folded = folded(word);
  for (const auto& candidate : candidates) {
    if (folded(candidate) == word_folded) return candidate;
  }
  std::optional<std::string> best;
  std::size_t best_distance = SIZE_MAX;
  for (const auto& candidate : candidates) {
    const std::string candidate_folded = folded(candidate);
    // No edit between one- or two-letter words, one in short words, two in longer
    // ones: more suggests unrelated names.
    const std::size_t longer = std::max(word_folded.size(), candidate_folded.size());
    const std::size_t allowed = longer <= 2 ? 0 : longer <= 4 ? 1 : 2;
    std::size_t distance = edit_distance(word_folded, candidate_folded);
    if (distance <= allowed && distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  if (best || word_folded.size() < 3) return best;
  // A word cut short or run on ("master_shell" -> master_shell_command, "git_checkout"
  // -> git): the one candidate it starts, or that starts it.
  std::optional<std::string> prefixed;
  for (const auto& candidate : candidates) {
    const std::string candidate_folded = folded(candidate);
    if (candidate_folded.size() < 3) continue;
    if (candidate_folded.starts_with(word_folded) || word_folded.starts_with(candidate_folded)) {
      if (prefixed) return std::nullopt;  // two: no one best
      prefixed = candidate;
    }
  }
  return prefixed;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto match = closest_match(word, candidates);
  return match ? " (did you mean \"" + *match + "\"?)" : "";
}

std::string unknown_word_hint(std::string_view word, const std::vector<std::string>& candidates,
                              std::string_view list_intro) {
  // A list longer than this is a wall of words; the reference has it.
  constexpr std::size_t kListedAtMost = 8;
  std::string hint = did_you_mean(word, candidates);
  if (hint.empty() && candidates.size() <= kListedAtMost) {
    hint = "; " + std::string(list_intro) + ": " + join(candidates);
  }
  return hint;
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += separator;
    out += word;
  }
  return out;
}

}  // namespace eventbot::config::detail
