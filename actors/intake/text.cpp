#include "actors/intake/text.hpp"

#include "common/bounded_text.hpp"
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
  return bounded_utf8(text, limit.max_bytes);
}

}  // namespace eventbot::intake
