#pragma once
// Text a peer sent that we keep (in an event) or show (in a log line): made valid UTF-8
// (common/utf8.hpp's policy for data from programs: invalid bytes become U+FFFD) and
// cut to a bound, so that no peer can make an event or a log line as large as it likes.
#include <cstddef>
#include <string>
#include <string_view>

namespace eventbot {

// Valid UTF-8 of at most `max_bytes` bytes: a longer text is cut at a character boundary
// and ends with the marker " [... truncated, N bytes in all]" (N: the original size),
// which counts against the bound. Line breaks and other characters are kept (a host
// description, a commit message span lines). Costs the same for a 1 GiB text as for
// one of `max_bytes`.
std::string bounded_utf8(std::string_view text, std::size_t max_bytes);

// How the marker of a cut text starts.
inline constexpr std::string_view kTruncatedMarker = " [... truncated, ";

// For one line of a log or a name shown in an event: as bounded_utf8, and every control
// character (below 0x20, and 0x7F) written as an escape ("\n", "\x1b"), so that a name
// cannot forge log lines or hide what it is.
std::string printable_text(std::string_view text, std::size_t max_bytes);

}  // namespace eventbot
