#pragma once
// One WebSocket binary message is one wire::Frame. Decoding untrusted bytes gives a
// value or a reason, never a crash.
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "events/wire.pb.h"

namespace eventbot::port {

// Larger frames are refused before they are read (WebSocket's read_message_max).
inline constexpr std::size_t kMaxFrameBytes = 16 * 1024 * 1024;

std::string encode_frame(const wire::Frame& frame);
// The frame, or why the bytes are not one ("oversized", "not a frame", "empty frame").
Expected<wire::Frame, std::string> decode_frame(std::string_view bytes);

}  // namespace eventbot::port
