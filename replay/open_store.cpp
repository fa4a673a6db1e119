#include "replay/open_store.hpp"

namespace eventbot::replay {

store::StoreResult<std::unique_ptr<store::RocksEventLog>> open_store_for_reading(
    const std::filesystem::path& dir) {
  // A master's directory holds its store in events/: accept either.
  std::error_code ec;
  const bool master_dir = std::filesystem::exists(dir / "master.yaml", ec) &&
                          std::filesystem::is_directory(dir / "events", ec);
  auto log = store::RocksEventLog::open_for_reading(master_dir ? dir / "events" : dir);
  if (!log) return log;
  // Cheap when there is nothing new; makes sure the head is the writer's latest append.
  if (auto caught_up = (*log)->catch_up(); !caught_up) return unexpected(caught_up.error());
  return log;
}

}  // namespace eventbot::replay
