#include "common/bounded_text.hpp"

#include "common/utf8.hpp"

namespace eventbot {
namespace {

std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  return 2;
}

std::string escaped(unsigned char c) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      return std::string("\\x") + kHex[c >> 4] + kHex[c & 0xF];
    }
  }
}

// Appends to `out` the characters of `valid` (escaped when asked) that fit in `room`;
// false if some did not.
bool append_fitting(std::string& out, const std::string& valid, std::size_t room,
                    bool escape_controls) {
  for (std::size_t i = 0; i < valid.size();) {
    const auto c = static_cast<unsigned char>(valid[i]);
    const std::size_t length = sequence_length(c);
    const bool control = escape_controls && (c < 0x20 || c == 0x7F);
    std::string piece = control ? escaped(c) : valid.substr(i, length);
    if (out.size() + piece.size() > room) return false;
    out += piece;
    i += length;
  }
  return true;
}

std::string bounded(std::string_view text, std::size_t max_bytes, bool escape_controls) {
  // Only the part that can be kept is converted: a 1 GiB text costs no more than a
  // short one (each input byte gives at most 3 output bytes, U+FFFD).
  const std::string valid = to_valid_utf8(text.substr(0, max_bytes + 4));
  std::string out;
  out.reserve(std::min(valid.size(), max_bytes));
  if (text.size() <= max_bytes + 4 && append_fitting(out, valid, max_bytes, escape_controls)) {
    return out;
  }
  // Cut: the marker takes its room from the text.
  const std::string marker =
      std::string(kTruncatedMarker) + std::to_string(text.size()) + " bytes in all]";
  if (marker.size() >= max_bytes) return marker.substr(0, max_bytes);
  out.clear();
  append_fitting(out, valid, max_bytes - marker.size(), escape_controls);
  return out + marker;
}

}  // namespace

std::string bounded_utf8(std::string_view text, std::size_t max_bytes) {
  return bounded(text, max_bytes, false);
}

std::string printable_text(std::string_view text, std::size_t max_bytes) {
  return bounded(text, max_bytes, true);
}

}  // namespace eventbot
