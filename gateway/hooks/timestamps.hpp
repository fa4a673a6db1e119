#pragma once
// The timestamps GitHub and GitLab put in their payloads, as microseconds since the
// epoch: ISO 8601 with a zone ("2015-05-05T19:40:15-04:00", "2012-01-03T23:36:29.000Z")
// and GitLab's older "2013-12-03 17:23:34 UTC". Pure: no I/O.
#include <cstdint>
#include <optional>
#include <string_view>

namespace eventbot::gateway::hooks {

// Nothing if the text is not such a timestamp (or is out of the years 1970-9999).
std::optional<std::int64_t> parse_timestamp_us(std::string_view text);

}  // namespace eventbot::gateway::hooks
