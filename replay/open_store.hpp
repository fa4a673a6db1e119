#pragma once
// Every subcommand reads the store the same way: as a RocksDB secondary instance, so it
// never writes to the directory and works while a master holds the store open.
#include <filesystem>
#include <memory>

#include "store/rocks_event_log.hpp"

namespace eventbot::replay {

// Opens `dir` (a store, or a master's directory with its store in events/) for reading and catches
// up with everything its writer has appended so far.
store::StoreResult<std::unique_ptr<store::RocksEventLog>> open_store_for_reading(
    const std::filesystem::path& dir);

}  // namespace eventbot::replay
