#include "actors/intake/text.hpp"

#include "common/utf8.hpp"

namespace eventbot::intake {

std::optional<std::string> text_problem(const TextLimit& limit, std::string_view text,
                                        std::string_view what) {
  const std::string name(what.empty() ? limit.field : what);
  if (auto bad = first_invalid_utf8(text)) {
    return name + " is not valid UTF-8 (byte " + std::to_string(*bad) + " of " +
           std::to_string(text.size()) + ")";
  }
  if (text.size() > limit.max_bytes) {
    return name + " is " + std::to_string(text.size()) + " bytes long; at most " +
           std::to_string(limit.max_bytes) + " are accepted";
  }
  return std::nullopt;
}

std::string bounded_text(const TextLimit& limit, std::string_view text) {
  std::string valid = to_valid_utf8(text);
  if (valid.size() <= limit.max_bytes) return valid;
  // The size the program gave, before any replacement.
  const std::string marker =
      std::string(kTruncated) + std::to_string(text.size()) + " bytes in all]";
  std::size_t keep = limit.max_bytes > marker.size() ? limit.max_bytes - marker.size() : 0;
  // Back to the start of a character: never half a UTF-8 sequence.
  while (keep > 0 && (static_cast<unsigned char>(valid[keep]) & 0xC0) == 0x80) --keep;
  valid.resize(keep);
  valid += marker;
  return valid.size() <= limit.max_bytes ? valid : marker.substr(0, limit.max_bytes);
}

}  // namespace eventbot::intake
