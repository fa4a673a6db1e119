#include "store/keys.hpp"

namespace eventbot::store::keys {

std::string big_endian(std::uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

std::optional<std::uint64_t> from_big_endian(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  std::uint64_t value = 0;
  for (unsigned char c : bytes) value = (value << 8) | c;
  return value;
}

std::string stream_prefix(std::string_view stream) {
  std::string out(stream);
  out += '\0';
  return out;
}

std::string stream_key(std::string_view stream, std::uint64_t version) {
  return stream_prefix(stream) + big_endian(version);
}

std::optional<std::uint64_t> version_in(std::string_view key, std::string_view prefix) {
  if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  return from_big_endian(key.substr(prefix.size()));
}

}  // namespace eventbot::store::keys
