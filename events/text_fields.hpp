#pragma once
// Protobuf refuses to parse a proto3 `string` field that is not UTF-8, so an event
// holding such text could be written but never read back: every reader of the log would
// stop there. The store checks each event before it writes it (invalid_text_field), and
// a record that does not decode is described by what can still be read of it
// (describe_record), so the error names its stream and type.
#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

namespace eventbot::events {

// The path of the first string field (recursively) whose text is not UTF-8, with the
// offset of the bad byte: "config_loaded.content (byte 17)"; nothing when all is text.
std::optional<std::string> invalid_text_field(const google::protobuf::Message& message);

// For an Envelope record that does not decode: "stream 'build/x/1', BuildStarted", read
// from the raw wire format (the stream's bad bytes replaced by U+FFFD); what cannot be
// read is left out, "" when nothing can.
std::string describe_record(std::string_view record);

}  // namespace eventbot::events
