#pragma once
// Every stream name in Eventbot is made here, so that the scheme lives in one place.
// A stream is "<kind>" or "<kind>/<part>/<part>...". Parts are percent-encoded where
// they hold '/', '%' or a control character, so any builder or slave name is safe.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eventbot::streams {

// All changes, in order: a change's id is its version in this stream.
std::string changes();
// A change source's own position (a poller's last seen revisions).
std::string change_source(std::string_view name);
std::string scheduler(std::string_view name);
std::string buildset(std::uint64_t id);
std::string build_request(std::uint64_t id);
// A builder's own facts (build numbers are allocated here).
std::string builder(std::string_view name);
std::string build(std::string_view builder, std::uint32_t number);
// One log of one step: a chunk's index in the log is its version in this stream.
std::string log(std::string_view builder, std::uint32_t build_number, std::uint32_t step_index,
                std::string_view log_name);
std::string slave(std::string_view name);
std::string master(std::string_view master_id);
std::string config();

// The kind of a stream: the text before the first '/' ("build" for "build/x/7").
std::string_view kind_of(std::string_view stream);
// The decoded parts after the kind ("x", "7" for "build/x/7").
std::vector<std::string> parts_of(std::string_view stream);

// Percent-encoding of one part; exposed for tests.
std::string encode_part(std::string_view part);
std::string decode_part(std::string_view part);

}  // namespace eventbot::streams
