#include "actors/status/irc/notify_events.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace eventbot::status::irc {
namespace {

constexpr std::array<std::string_view, 4> kTransitionResults = {"success", "warnings", "failure",
                                                                "exception"};

std::string capitalised(std::string_view word) {
  std::string out(word);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::vector<std::string> make_names() {
  std::vector<std::string> names = {"started",  "finished", "success",
                                    "warnings", "failure",  "exception"};
  for (auto from : kTransitionResults) {
    for (auto to : kTransitionResults) {
      if (from != to) names.push_back(std::string(from) + "To" + capitalised(to));
    }
  }
  return names;
}

}  // namespace

const std::vector<std::string>& notify_event_names() {
  static const std::vector<std::string> names = make_names();
  return names;
}

bool is_notify_event(std::string_view name) {
  const auto& names = notify_event_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool finished_matches(std::string_view event, std::string_view result,
                      const std::optional<std::string>& previous) {
  if (event == "finished") return true;
  if (event == "started") return false;
  if (event == result) return true;
  for (auto from : kTransitionResults) {
    for (auto to : kTransitionResults) {
      if (from == to) continue;
      if (event == std::string(from) + "To" + capitalised(to)) {
        return previous && *previous == from && result == to;
      }
    }
  }
  return false;
}

}  // namespace eventbot::status::irc
