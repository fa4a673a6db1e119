#include "gateway/readmodel/model_snapshots.hpp"

#include <spdlog/spdlog.h>

namespace eventbot::gateway::readmodel {
namespace {

// The snapshot's model and sequence, if there is one this start accepts.
std::optional<std::pair<ReadModel, std::uint64_t>> load(store::SnapshotStore& snapshots,
                                                        std::uint64_t at_most) {
  auto loaded = snapshots.load_snapshot(kReadModelProjection);
  if (!loaded) {
    spdlog::warn("web gateway: loading its snapshot failed ({}); folding the log from the start",
                 loaded.error().message);
    return std::nullopt;
  }
  if (!*loaded) return std::nullopt;
  const auto sequence = (*loaded)->sequence.value();
  auto model = ReadModel::restore((*loaded)->state);
  if (sequence == 0 || sequence > at_most || !model || model->folded() != sequence) {
    spdlog::info("web gateway: its snapshot at {} is refused; folding the log from the start",
                 sequence);
    return std::nullopt;
  }
  return std::make_pair(std::move(*model), sequence);
}

}  // namespace

Expected<std::uint64_t, std::string> fold_read_model(store::EventLog& log,
                                                     store::SnapshotStore* snapshots,
                                                     std::uint64_t folded, ReadModel& model) {
  std::uint64_t from = 0;
  if (snapshots && folded > 0) {
    if (auto restored = load(*snapshots, folded)) {
      model = std::move(restored->first);
      from = restored->second;
      spdlog::info("web gateway: read models restored from their snapshot at {}", from);
    }
  }
  if (folded > from) {
    auto scanned =
        log.scan(Sequence(from + 1), Sequence(folded), [&](const events::Envelope& event) {
          model.evolve(event);
          return true;
        });
    if (!scanned) return unexpected("the web gateway's fold: " + scanned.error().message);
  }
  return from;
}

bool save_read_model(store::SnapshotStore& snapshots, const ReadModel& model) {
  auto saved = snapshots.save_snapshot(kReadModelProjection,
                                       store::Snapshot{Sequence(model.folded()), model.snapshot()});
  if (!saved) {
    spdlog::warn("web gateway: saving its snapshot at {} failed: {}", model.folded(),
                 saved.error().message);
    return false;
  }
  return true;
}

}  // namespace eventbot::gateway::readmodel
