#include "actors/status/irc/irc_line.hpp"

#include <algorithm>
#include <cctype>

namespace eventbot::status::irc {
namespace {

bool is_command(std::string_view word) {
  if (word.empty()) return false;
  if (std::all_of(word.begin(), word.end(), [](unsigned char c) { return std::isalpha(c); })) {
    return true;
  }
  return word.size() == 3 &&
         std::all_of(word.begin(), word.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string clean(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return out;
}

char fold(char c) {
  switch (c) {
    case '{':
      return '[';
    case '}':
      return ']';
    case '|':
      return '\\';
    case '~':
      return '^';
    default:
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
}

}  // namespace

std::optional<IrcLine> parse_line(std::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  IrcLine line;
  auto skip_spaces = [&] {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  };
  auto word = [&] {
    const auto end = text.find(' ');
    auto out = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
    return out;
  };
  if (!text.empty() && text.front() == ':') {
    text.remove_prefix(1);
    line.prefix = std::string(word());
    if (line.prefix.empty()) return std::nullopt;
  }
  skip_spaces();
  auto command = word();
  if (!is_command(command)) return std::nullopt;
  line.command = std::string(command);
  for (auto& c : line.command) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (;;) {
    skip_spaces();
    if (text.empty()) break;
    if (text.front() == ':' || line.params.size() == 14) {
      if (text.front() == ':') text.remove_prefix(1);
      line.params.emplace_back(text);
      break;
    }
    line.params.emplace_back(word());
  }
  return line;
}

std::string format_line(std::string_view command, const std::vector<std::string>& params) {
  std::string out = clean(command);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const bool last = i + 1 == params.size();
    auto param = clean(params[i]);
    out += ' ';
    if (last && (param.empty() || param.front() == ':' || param.find(' ') != std::string::npos)) {
      out += ':';
    }
    out += param;
  }
  return cut_utf8(out, kMaxLineBytes - 2) + "\r\n";
}

std::string nick_of(std::string_view prefix) {
  return std::string(prefix.substr(0, prefix.find('!')));
}

bool is_channel(std::string_view target) {
  return !target.empty() && (target.front() == '#' || target.front() == '&' ||
                             target.front() == '+' || target.front() == '!');
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return fold(x) == fold(y); });
}

std::string cut_utf8(std::string_view text, std::size_t bytes) {
  if (text.size() <= bytes) return std::string(text);
  std::size_t end = bytes;
  // Back to the start of the character that would be cut (continuation bytes are 10xxxxxx).
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

}  // namespace eventbot::status::irc
