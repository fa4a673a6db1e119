#pragma once
// The on-disk format of the store. Bump kSchemaVersion only for a change an older
// Eventbot must not read (docs/EVENTS.md); adding fields or event bodies does not.
#include <cstdint>

namespace eventbot::store {

inline constexpr char kStoreFormat[] = "eventbot-event-log";
inline constexpr std::uint32_t kSchemaVersion = 1;

}  // namespace eventbot::store
