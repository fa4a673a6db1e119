#include "events/streams.hpp"

#include <initializer_list>

namespace eventbot::streams {
namespace {

bool needs_escape(unsigned char c) {
  return c == '/' || c == '%' || c < 0x20 || c == 0x7f;
}

std::string join(std::string_view kind, std::initializer_list<std::string_view> parts) {
  std::string out(kind);
  for (auto part : parts) {
    out += '/';
    out += encode_part(part);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string encode_part(std::string_view part) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(part.size());
  for (unsigned char c : part) {
    if (needs_escape(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string decode_part(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i] == '%' && i + 2 < part.size()) {
      int hi = hex_value(part[i + 1]);
      int lo = hex_value(part[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += part[i];
  }
  return out;
}

std::string changes() {
  return "changes";
}
std::string change_source(std::string_view name) {
  return join("changesource", {name});
}
std::string scheduler(std::string_view name) {
  return join("scheduler", {name});
}
std::string buildset(std::uint64_t id) {
  return join("buildset", {std::to_string(id)});
}
std::string build_request(std::uint64_t id) {
  return join("buildrequest", {std::to_string(id)});
}
std::string builder(std::string_view name) {
  return join("builder", {name});
}
std::string build(std::string_view builder, std::uint32_t number) {
  return join("build", {builder, std::to_string(number)});
}
std::string log(std::string_view builder, std::uint32_t build_number, std::uint32_t step_index,
                std::string_view log_name) {
  return join("log", {builder, std::to_string(build_number), std::to_string(step_index), log_name});
}
std::string slave(std::string_view name) {
  return join("slave", {name});
}
std::string master(std::string_view master_id) {
  return join("master", {master_id});
}
std::string config() {
  return "config";
}

std::string_view kind_of(std::string_view stream) {
  return stream.substr(0, stream.find('/'));
}

std::vector<std::string> parts_of(std::string_view stream) {
  std::vector<std::string> parts;
  auto slash = stream.find('/');
  while (slash != std::string_view::npos) {
    auto next = stream.find('/', slash + 1);
    parts.push_back(decode_part(stream.substr(slash + 1, next - slash - 1)));
    slash = next;
  }
  return parts;
}

}  // namespace eventbot::streams
