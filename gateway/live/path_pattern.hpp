#pragma once
// The paths a live client subscribes to: keys in the REST naming scheme where `*` stands
// for one whole part ("builds/*/steps/*/finished"). Pure.
#include <string_view>

namespace eventbot::gateway::live {

inline constexpr std::size_t kMaxPathBytes = 256;
inline constexpr std::size_t kMaxPathParts = 12;

// Non-empty parts of [A-Za-z0-9_.*-] (or `*` alone), at most kMaxPathParts of them.
bool valid_pattern(std::string_view pattern);
// Whether `key` has as many parts as `pattern` and each is equal or matched by `*`.
bool matches(std::string_view pattern, std::string_view key);

}  // namespace eventbot::gateway::live
