#include "actors/config/read/interpolation.hpp"

#include <cctype>

namespace eventbot::config::detail {
namespace {

bool starts_identifier(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool continues_identifier(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

struct Placeholder {
  std::size_t begin;  // the '{'
  std::size_t end;    // one past the '}'
  std::string_view name;
};

// Calls `visit` for each placeholder of `text`, left to right.
template <class Visit>
void for_each_placeholder(std::string_view text, Visit&& visit) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{' || (i > 0 && text[i - 1] == '$')) continue;
    std::size_t j = i + 1;
    if (j >= text.size() || !starts_identifier(text[j])) continue;
    while (j < text.size() && continues_identifier(text[j])) ++j;
    if (j >= text.size() || text[j] != '}') continue;
    visit(Placeholder{i, j + 1, text.substr(i + 1, j - i - 1)});
    i = j;
  }
}

}  // namespace

std::vector<std::string> placeholders_in(std::string_view text) {
  std::vector<std::string> names;
  for_each_placeholder(text, [&](const Placeholder& p) { names.emplace_back(p.name); });
  return names;
}

Expected<std::string, std::string> interpolate(std::string_view text, const AxisValues& axes) {
  std::string out;
  std::size_t copied = 0;
  std::string unknown;
  for_each_placeholder(text, [&](const Placeholder& p) {
    auto axis = axes.find(p.name);
    if (axis == axes.end()) {
      if (unknown.empty()) unknown = p.name;
      return;
    }
    out.append(text.substr(copied, p.begin - copied));
    out += axis->second;
    copied = p.end;
  });
  if (!unknown.empty()) return unexpected(unknown);
  out.append(text.substr(copied));
  return out;
}

}  // namespace eventbot::config::detail
