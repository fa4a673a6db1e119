#include "gateway/live/path_pattern.hpp"

namespace eventbot::gateway::live {
namespace {

// The next part of `text` (up to '/'), removed from it.
std::string_view next_part(std::string_view& text) {
  auto slash = text.find('/');
  auto part = text.substr(0, slash);
  text = slash == std::string_view::npos ? std::string_view() : text.substr(slash + 1);
  return part;
}

}  // namespace

bool valid_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.size() > kMaxPathBytes) return false;
  if (pattern.front() == '/' || pattern.back() == '/') return false;
  std::size_t parts = 0;
  while (!pattern.empty()) {
    auto part = next_part(pattern);
    if (part.empty() || ++parts > kMaxPathParts) return false;
    if (part.find('*') != std::string_view::npos && part != "*") return false;
    for (char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.' || c == '*';
      if (!ok) return false;
    }
  }
  return true;
}

bool matches(std::string_view pattern, std::string_view key) {
  for (;;) {
    if (pattern.empty() || key.empty()) return pattern.empty() && key.empty();
    auto want = next_part(pattern);
    auto have = next_part(key);
    if (want != "*" && want != have) return false;
  }
}

}  // namespace eventbot::gateway::live
