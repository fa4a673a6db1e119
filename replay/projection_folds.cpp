#include "replay/projection_folds.hpp"

#include "actors/master/snapshots.hpp"
#include "actors/master/supervisor_fold.hpp"
#include "actors/schedulers/make_scheduler.hpp"
#include "replay/recorded_config.hpp"

namespace eventbot::replay {
namespace {

class SupervisorProjection final : public ProjectionFold {
 public:
  void evolve(const events::Envelope& event) override { master::fold_supervisor(fold_, event); }
  std::string snapshot() const override { return master::encode_supervisor_snapshot(fold_); }

 private:
  master::SupervisorFold fold_;
};

class SchedulerProjection final : public ProjectionFold {
 public:
  explicit SchedulerProjection(std::unique_ptr<schedulers::SchedulerCore> core)
      : core_(std::move(core)) {}
  void evolve(const events::Envelope& event) override { core_->evolve(event); }
  std::string snapshot() const override { return core_->snapshot(); }

 private:
  std::unique_ptr<schedulers::SchedulerCore> core_;
};

FoldForSnapshot not_checked(std::string why) {
  return FoldForSnapshot{nullptr, std::move(why)};
}

FoldForSnapshot scheduler_fold_for(const std::string& name, std::uint64_t sequence,
                                   store::EventLog& log) {
  auto recorded = recorded_config_at(log, sequence);
  if (!recorded) return not_checked("reading the recorded configuration failed");
  if (!*recorded) return not_checked("no configuration is recorded before it");
  auto config = load_recorded_config(**recorded);
  if (!config) return not_checked("the recorded configuration does not load: " + config.error());
  for (const auto& scheduler : config->schedulers) {
    if (scheduler.name != name) continue;
    auto core = schedulers::make_scheduler(scheduler);
    if (!core) return not_checked("its configuration is refused: " + core.error().message);
    return FoldForSnapshot{std::make_unique<SchedulerProjection>(std::move(*core)), {}};
  }
  return not_checked("the configuration recorded at sequence " +
                     std::to_string((*recorded)->sequence) + " has no scheduler '" + name + "'");
}

}  // namespace

FoldForSnapshot master_fold_for(const std::string& projection, std::uint64_t sequence,
                                store::EventLog& log) {
  if (projection == master::kSupervisorProjection) {
    return FoldForSnapshot{std::make_unique<SupervisorProjection>(), {}};
  }
  const std::string scheduler_prefix = master::scheduler_projection("");
  if (projection.starts_with(scheduler_prefix)) {
    return scheduler_fold_for(projection.substr(scheduler_prefix.size()), sequence, log);
  }
  if (projection == "distributor") {
    // Its snapshot keeps live state beside its fold (lock grants, the causes of the builds
    // it started, slaves already told to go), so a fold from the log need not equal it.
    return not_checked("the distributor's snapshot holds live state beside its fold");
  }
  if (projection == "gateway/readmodel") {
    return not_checked("the web gateway's read models are checked by their own tests");
  }
  return not_checked("a projection this Eventbot does not know");
}

FoldForSnapshot fold_for(const std::map<std::string, FoldMaker>& extra,
                         const std::string& projection, std::uint64_t sequence,
                         store::EventLog& log) {
  for (const auto& [prefix, maker] : extra) {
    if (projection.starts_with(prefix)) return maker(projection, sequence, log);
  }
  return master_fold_for(projection, sequence, log);
}

}  // namespace eventbot::replay
