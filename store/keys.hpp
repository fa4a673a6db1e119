#pragma once
// Key encodings of the RocksDB column families. Big-endian numbers make RocksDB's
// byte order the numeric order, so a range scan reads events in sequence order and
// one stream (or one log) as one contiguous range.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eventbot::store::keys {

std::string big_endian(std::uint64_t value);
// The number in an 8-byte big-endian key; nullopt if it is not 8 bytes long.
std::optional<std::uint64_t> from_big_endian(std::string_view bytes);

// "<stream>\0<version>": every key of one stream shares the prefix "<stream>\0".
std::string stream_key(std::string_view stream, std::uint64_t version);
std::string stream_prefix(std::string_view stream);
// The version in a stream key with that prefix; nullopt if the key is not of the stream.
std::optional<std::uint64_t> version_in(std::string_view key, std::string_view prefix);

}  // namespace eventbot::store::keys
