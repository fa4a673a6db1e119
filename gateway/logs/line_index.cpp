#include "gateway/logs/line_index.hpp"

#include <algorithm>

namespace eventbot::gateway::logs {

void LineIndex::add(std::string_view data) {
  newlines_before_.push_back(newlines_);
  newlines_ += static_cast<std::uint64_t>(std::count(data.begin(), data.end(), '\n'));
  if (!data.empty()) partial_ = data.back() != '\n';
}

std::optional<LineIndex::Start> LineIndex::start_of(std::uint64_t line) const {
  if (line >= lines()) return std::nullopt;
  if (line == 0) return Start{1, 0};
  // Line `line` starts right after newline number `line` (counting from 1): in the
  // last chunk with fewer newlines before it than that.
  auto after = std::lower_bound(newlines_before_.begin(), newlines_before_.end(), line);
  auto chunk = static_cast<std::uint64_t>(after - newlines_before_.begin());  // 1-based
  return Start{chunk, line - newlines_before_[chunk - 1]};
}

}  // namespace eventbot::gateway::logs
