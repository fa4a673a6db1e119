#pragma once
// The two policies for text entering an event (common/utf8.hpp), with the length limits
// of limits.hpp: a user's text is checked (refused with a reason naming the field), a
// program's text is made fit (invalid bytes replaced by U+FFFD, cut with a marker).
#include <optional>
#include <string>
#include <string_view>

#include "actors/intake/limits.hpp"
#include "common/bounded_text.hpp"

namespace eventbot::intake {

// Why `text` may not be `limit.field` (not UTF-8, with the offset of the first bad byte;
// longer than the limit), or nothing when it may. `what` names the field in the message
// when it is more precise than limit.field ("property 'x'").
std::optional<std::string> text_problem(const TextLimit& limit, std::string_view text,
                                        std::string_view what = {});

// `text` as valid UTF-8 of at most limit.max_bytes: invalid bytes replaced by U+FFFD,
// and a longer text cut at a character boundary with common/bounded_text.hpp's marker
// (kTruncatedMarker) and the size of `text`.
std::string bounded_text(const TextLimit& limit, std::string_view text);

}  // namespace eventbot::intake
