#pragma once
// How one event is shown to a person or a program: a plain line or a JSON line. Used by
// `eventbot-replay list` and meant for anything else that shows events (the web gateway).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/events.pb.h"

namespace eventbot::replay {

// "2023-11-14T22:13:20.123456Z": ISO-8601 in UTC, to the microsecond.
std::string format_utc_time(std::int64_t time_us);

// Reads "2026-11-22T10:00:00Z" back: a date, 'T' (or a space), hours and minutes,
// optional seconds with an optional fraction (to the microsecond), and a zone: 'Z' or
// +HH:MM / -HH:MM. Microseconds since the epoch, or nothing if the text is not such a time.
std::optional<std::int64_t> parse_utc_time(std::string_view text);

// A whole number written with digits only ("120"; no sign, no spaces), or nothing: also
// for one too large for 64 bits.
std::optional<std::uint64_t> parse_whole_number(std::string_view text);

// The body's type name ("BuildStarted"), or "(unknown)" for a body this build of
// Eventbot does not know (written by a newer schema).
std::string display_type_name(const events::Envelope& envelope);

// The body's fields on one line, protobuf text style:
//   builder: "runtests" number: 7 result: FAILURE text: ["failed", "test"]
// Enums and bools are shown even at their zero value (result: SUCCESS matters); empty
// strings, zero numbers and empty lists are left out; very long strings are cut short.
std::string body_summary(const events::Envelope& envelope);

// "<seq> <time> <stream>@<version> <TypeName> <summary>", without a line break.
std::string format_event_line(const events::Envelope& envelope);

// The whole envelope as one line of JSON (protobuf's JSON mapping, field names as in the
// .proto, zero values included), e.g.
//   {"sequence":"5","time_us":"...","stream":"build/runtests/7","stream_version":"1",
//    ...,"build_started":{"builder":"runtests",...}}
// 64-bit numbers are JSON strings, as the mapping prescribes. The line parses back into
// an Envelope with google::protobuf::util::JsonStringToMessage.
std::string format_event_json(const events::Envelope& envelope);

}  // namespace eventbot::replay
