#pragma once
// Regular expressions, RE2's syntax and engine (https://github.com/google/re2/wiki/Syntax):
// matching takes time linear in the text and no recursion, so no value, however long,
// can exhaust the stack or hang a fold. RE2 has no lookaround and no backreferences; a
// pattern that uses them is refused when it is compiled (config time), with a hint.
// Named groups are written (?P<name>...); (?<name>...) is accepted and rewritten.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace re2 {
class RE2;
}

namespace eventbot {

class Regex {
 public:
  // The compiled pattern, or why it is not one ("missing ): (a"), in RE2's words.
  static Expected<Regex, std::string> compile(std::string_view pattern);

  // What the three ways of matching a text are called in Python, which Buildbot uses:
  // match_prefix is re.match (anchored at the start only), search is re.search,
  // full_match is re.fullmatch.
  bool match_prefix(std::string_view text) const;
  bool search(std::string_view text) const;
  bool full_match(std::string_view text) const;

  // The groups of the first match (index 0 is the whole match, then each capturing
  // group; nullopt for a group that did not take part), or nothing when there is none.
  using Groups = std::vector<std::optional<std::string_view>>;
  std::optional<Groups> search_groups(std::string_view text) const;
  std::optional<Groups> match_prefix_groups(std::string_view text) const;
  std::optional<Groups> full_match_groups(std::string_view text) const;
  // Every non-overlapping match, left to right (re.finditer).
  std::vector<Groups> search_all(std::string_view text) const;

  int group_count() const;
  // Capture group number -> name, for the named groups.
  const std::map<int, std::string>& group_names() const;
  const std::string& pattern() const;

 private:
  explicit Regex(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  std::optional<Groups> groups(std::string_view text, bool anchor_start, bool anchor_end) const;
  std::shared_ptr<const re2::RE2> re_;  // shared: RE2 is immutable and thread-safe
};

}  // namespace eventbot
