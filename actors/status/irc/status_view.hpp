#pragma once
// What the IRC bot reads about builders to answer `status`, `last`, `watch` and
// `list builders`: a snapshot its actor makes from the master's folds for each question.
// Plain data.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace eventbot::status::irc {

struct BuildSummary {
  std::uint32_t number = 0;
  std::string result;             // finished: "success", "failure", ... (lower case)
  std::vector<std::string> text;  // finished: the build's text ("failed test")
  std::string current_step;       // running: the step running now
  std::int64_t started_us = 0;
  std::int64_t finished_us = 0;        // 0 while running
  std::vector<std::string> revisions;  // of its changes (use_revisions)
  std::string url;                     // its page, if the web pages are served
};

struct BuilderStatus {
  std::string name;
  std::vector<std::string> categories;
  bool online = false;  // some slave of the builder is attached
  std::vector<BuildSummary> running;
  std::optional<BuildSummary> last;  // the last finished build
};

struct StatusView {
  std::vector<BuilderStatus> builders;
  std::int64_t now_us = 0;
};

}  // namespace eventbot::status::irc
