#include "common/regex.hpp"

#include <re2/re2.h>

namespace eventbot {
namespace {

// (?<name>...) as (?P<name>...): the form RE2 of Debian 12 reads. Escapes and
// bracket expressions are copied as they are, so "\(?<" and "[(?<]" stay literal.
std::string with_python_group_names(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 8);
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a member, not the end.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (c == '(' && pattern.substr(i + 1, 2) == "?<" && i + 3 < pattern.size() &&
        pattern[i + 3] != '=' && pattern[i + 3] != '!') {
      out += "(?P<";
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

// RE2's message, with what to do instead for the Perl features it leaves out.
std::string describe_error(const re2::RE2& re) {
  std::string message = re.error();
  const std::string& arg = re.error_arg();
  if (re.error_code() == re2::RE2::ErrorBadPerlOp && arg.rfind("(?<", 0) == 0) {
    message += " (RE2 syntax has no lookbehind)";
  } else if (re.error_code() == re2::RE2::ErrorBadPerlOp && arg.rfind("(?", 0) == 0) {
    message += " (RE2 syntax has no lookahead or lookbehind)";
  } else if (re.error_code() == re2::RE2::ErrorBadEscape && arg.size() == 2 && arg[1] >= '1' &&
             arg[1] <= '9') {
    message += " (RE2 syntax has no backreferences)";
  }
  return message;
}

}  // namespace

Expected<Regex, std::string> Regex::compile(std::string_view pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(with_python_group_names(pattern), options);
  if (!re->ok()) return unexpected(describe_error(*re));
  return Regex(std::move(re));
}

std::optional<Regex::Groups> Regex::groups(std::string_view text, bool anchor_start,
                                           bool anchor_end) const {
  const int n = 1 + re_->NumberOfCapturingGroups();
  std::vector<re2::StringPiece> pieces(static_cast<std::size_t>(n));
  const auto anchor = anchor_end     ? re2::RE2::ANCHOR_BOTH
                      : anchor_start ? re2::RE2::ANCHOR_START
                                     : re2::RE2::UNANCHORED;
  if (!re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), anchor, pieces.data(),
                  n)) {
    return std::nullopt;
  }
  Groups out;
  out.reserve(pieces.size());
  for (const auto& piece : pieces) {
    if (piece.data() == nullptr) {
      out.emplace_back();
    } else {
      out.emplace_back(std::string_view(piece.data(), piece.size()));
    }
  }
  return out;
}

bool Regex::match_prefix(std::string_view text) const {
  return re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                    re2::RE2::ANCHOR_START, nullptr, 0);
}

bool Regex::search(std::string_view text) const {
  return re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                    re2::RE2::UNANCHORED, nullptr, 0);
}

bool Regex::full_match(std::string_view text) const {
  return re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                    re2::RE2::ANCHOR_BOTH, nullptr, 0);
}

std::optional<Regex::Groups> Regex::search_groups(std::string_view text) const {
  return groups(text, false, false);
}
std::optional<Regex::Groups> Regex::match_prefix_groups(std::string_view text) const {
  return groups(text, true, false);
}
std::optional<Regex::Groups> Regex::full_match_groups(std::string_view text) const {
  return groups(text, true, true);
}

std::vector<Regex::Groups> Regex::search_all(std::string_view text) const {
  std::vector<Groups> out;
  const int n = 1 + re_->NumberOfCapturingGroups();
  std::vector<re2::StringPiece> pieces(static_cast<std::size_t>(n));
  const re2::StringPiece whole(text.data(), text.size());
  std::size_t pos = 0;
  while (pos <= text.size() &&
         re_->Match(whole, pos, text.size(), re2::RE2::UNANCHORED, pieces.data(), n)) {
    Groups groups;
    for (const auto& piece : pieces) {
      if (piece.data() == nullptr) {
        groups.emplace_back();
      } else {
        groups.emplace_back(std::string_view(piece.data(), piece.size()));
      }
    }
    const std::size_t end =
        static_cast<std::size_t>(pieces[0].data() - text.data()) + pieces[0].size();
    // An empty match moves on by one byte, as Python's finditer does.
    pos = pieces[0].empty() ? end + 1 : end;
    out.push_back(std::move(groups));
  }
  return out;
}

int Regex::group_count() const {
  return re_->NumberOfCapturingGroups();
}

const std::map<int, std::string>& Regex::group_names() const {
  return re_->CapturingGroupNames();
}

const std::string& Regex::pattern() const {
  return re_->pattern();
}

}  // namespace eventbot
