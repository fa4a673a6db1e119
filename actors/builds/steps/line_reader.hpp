#pragma once
// Splits output chunks into lines as they arrive, one buffer per channel (stdout and
// stderr chunks interleave). Memory is bounded: a line longer than kMaxLine is cut at
// kMaxLine bytes (the rest of it is dropped), so a parser never holds a whole log.
// Lines reach the parsers as valid UTF-8 (each invalid byte sequence replaced by U+FFFD,
// common/utf8.hpp): what a parser takes from them may become a property or a step's
// text, which are event strings; the log itself keeps the raw bytes.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/utf8.hpp"
#include "events/wire.pb.h"

namespace eventbot::builds {

class LineReader {
 public:
  static constexpr std::size_t kMaxLine = 8 * 1024;

  // Calls on_line(line) for each complete line (without "\n" or a trailing "\r") in the
  // stdout or stderr `output`; other kinds are ignored.
  template <class OnLine>
  void feed(const wire::Output& output, OnLine on_line) {
    if (output.kind() != wire::STDOUT && output.kind() != wire::STDERR) return;
    Buffer& buffer = buffers_[output.kind() == wire::STDOUT ? 0 : 1];
    std::string_view data = output.data();
    while (!data.empty()) {
      const std::size_t newline = data.find('\n');
      const std::string_view piece = data.substr(0, newline);
      if (!buffer.overflow) {
        const std::size_t room = kMaxLine - buffer.text.size();
        buffer.text.append(piece.substr(0, room));
        if (piece.size() > room) buffer.overflow = true;
      }
      if (newline == std::string_view::npos) break;
      emit(buffer, on_line);
      data.remove_prefix(newline + 1);
    }
  }

  // The last lines that had no newline.
  template <class OnLine>
  void flush(OnLine on_line) {
    for (Buffer& buffer : buffers_) {
      if (!buffer.text.empty() || buffer.overflow) emit(buffer, on_line);
    }
  }

 private:
  struct Buffer {
    std::string text;
    bool overflow = false;
  };
  template <class OnLine>
  static void emit(Buffer& buffer, OnLine& on_line) {
    if (!buffer.text.empty() && buffer.text.back() == '\r') buffer.text.pop_back();
    if (is_valid_utf8(buffer.text)) {
      on_line(std::string_view(buffer.text));
    } else {
      const std::string valid = to_valid_utf8(buffer.text);
      on_line(std::string_view(valid));
    }
    buffer.text.clear();
    buffer.overflow = false;
  }
  std::array<Buffer, 2> buffers_;
};

}  // namespace eventbot::builds
