#pragma once
// UTF-8 at the boundaries: every text that enters an event must be valid UTF-8, because
// protobuf refuses to parse a `string` field that is not, and an event that cannot be
// parsed stops every reader of the log. Two policies, one checker:
// - text a person wrote (master.yaml, a command line) is refused with the offset of the
//   first bad byte (`first_invalid_utf8`), so the error can name line and column;
// - text a program produced (command output used as a property, commit data, a slave's
//   host info) keeps its valid parts and has each invalid sequence replaced by U+FFFD
//   (`to_valid_utf8`). Log chunks are not text: they stay raw bytes.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace eventbot {

// The byte offset of the first byte that does not start a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF are ill-formed), or
// nothing when the whole text is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return !first_invalid_utf8(text);
}

// The text with every maximal ill-formed subsequence replaced by U+FFFD (the Unicode
// standard's "substitution of maximal subparts", as ICU and Python's 'replace' do).
std::string to_valid_utf8(std::string_view text);

}  // namespace eventbot
