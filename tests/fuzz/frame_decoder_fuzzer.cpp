// libFuzzer target: the port's frame decoder (actors/port/frame_codec) on arbitrary
// bytes, which is what every peer of the master's port, and the master for every slave,
// can send. Decoding must give a frame or a reason, never crash, hang or leak; a frame
// it accepts must survive re-encoding.
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "actors/port/frame_codec.hpp"

// Protobuf logs every string field that is not UTF-8 it meets; the fuzzer meets millions.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto frame = eventbot::port::decode_frame(bytes);
  if (!frame) {
    if (frame.error().empty()) std::abort();  // a refusal always says why
    return 0;
  }
  auto again = eventbot::port::decode_frame(eventbot::port::encode_frame(*frame));
  if (!again || again->body_case() != frame->body_case()) std::abort();
  return 0;
}
