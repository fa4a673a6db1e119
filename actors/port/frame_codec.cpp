#include "actors/port/frame_codec.hpp"

namespace eventbot::port {

std::string encode_frame(const wire::Frame& frame) {
  return frame.SerializeAsString();
}

Expected<wire::Frame, std::string> decode_frame(std::string_view bytes) {
  if (bytes.size() > kMaxFrameBytes) {
    return unexpected("oversized frame of " + std::to_string(bytes.size()) + " bytes");
  }
  wire::Frame frame;
  if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return unexpected("undecodable frame of " + std::to_string(bytes.size()) + " bytes");
  }
  if (frame.body_case() == wire::Frame::BODY_NOT_SET) {
    return unexpected("frame of " + std::to_string(bytes.size()) + " bytes with no known message");
  }
  return frame;
}

}  // namespace eventbot::port
