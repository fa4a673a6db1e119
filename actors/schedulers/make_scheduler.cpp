#include "actors/schedulers/make_scheduler.hpp"

#include "actors/schedulers/any_branch.hpp"
#include "actors/schedulers/dependent.hpp"
#include "actors/schedulers/force.hpp"
#include "actors/schedulers/nightly.hpp"
#include "actors/schedulers/periodic.hpp"
#include "actors/schedulers/single_branch.hpp"
#include "actors/schedulers/triggerable.hpp"

namespace eventbot::schedulers {
namespace {

using Made = Expected<std::unique_ptr<SchedulerCore>, SchedulerError>;

Made invalid(const config::SchedulerConfig& config, const std::string& message) {
  return unexpected(SchedulerError{SchedulerError::Code::invalid_config,
                                   "scheduler '" + config.name + "': " + message});
}

template <class Core>
Made with_filter(const config::SchedulerConfig& config) {
  auto filter = ChangeFilter::compile(config.change_filter);
  if (!filter) return invalid(config, filter.error());
  return std::unique_ptr<SchedulerCore>(std::make_unique<Core>(config, std::move(*filter)));
}

}  // namespace

Made make_scheduler(const config::SchedulerConfig& config) {
  using Type = config::SchedulerType;
  if (config.name.empty()) return invalid(config, "a scheduler needs a name");
  if (config.tree_stable_timer && *config.tree_stable_timer < 0) {
    return invalid(config, "tree_stable_timer must not be negative");
  }
  switch (config.type) {
    case Type::single_branch:
      return with_filter<SingleBranchScheduler>(config);
    case Type::any_branch:
      return with_filter<AnyBranchScheduler>(config);
    case Type::nightly: {
      auto spec = cron_spec(config);
      if (auto message = validate_cron(spec); !message.empty()) return invalid(config, message);
      // Any instant will do: a schedule that fires at all fires within 400 years of it.
      if (!next_fire_us(spec, 0)) return invalid(config, "the schedule never matches a date");
      return with_filter<NightlyScheduler>(config);
    }
    case Type::periodic:
      if (config.period <= 0) return invalid(config, "period must be positive");
      return std::unique_ptr<SchedulerCore>(std::make_unique<PeriodicScheduler>(config));
    case Type::dependent:
      if (config.upstream.empty()) return invalid(config, "a dependent scheduler needs upstream");
      if (config.upstream == config.name) return invalid(config, "it cannot be its own upstream");
      return std::unique_ptr<SchedulerCore>(std::make_unique<DependentScheduler>(config));
    case Type::triggerable:
      return std::unique_ptr<SchedulerCore>(std::make_unique<TriggerableScheduler>(config));
    case Type::force:
      return std::unique_ptr<SchedulerCore>(std::make_unique<ForceScheduler>(config));
  }
  return invalid(config, "unknown scheduler type");
}

}  // namespace eventbot::schedulers
