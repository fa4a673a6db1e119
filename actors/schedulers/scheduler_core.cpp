#include "actors/schedulers/scheduler_core.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "actors/schedulers/buildset_events.hpp"
#include "events/streams.hpp"

namespace eventbot::schedulers {
namespace {

std::string encode_mark(const StartMark& mark) {
  nlohmann::json j = {
      {"change_id", mark.change_id}, {"buildset_id", mark.buildset_id}, {"time_us", mark.time_us}};
  return j.dump();
}

// A mark that does not parse counts as "started at the beginning": nothing is skipped,
// rather than everything built twice.
StartMark decode_mark(const std::string& text) {
  StartMark mark;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return mark;
  auto get = [&](const char* key, auto& out) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number_integer()) out = it->get<std::decay_t<decltype(out)>>();
  };
  get("change_id", mark.change_id);
  get("buildset_id", mark.buildset_id);
  get("time_us", mark.time_us);
  return mark;
}

template <class Body>
Body* timer_body(Body* body, const std::string& scheduler, const std::string& timer) {
  body->set_scheduler(scheduler);
  body->set_timer(timer);
  return body;
}

}  // namespace

SchedulerCore::SchedulerCore(config::SchedulerConfig config)
    : config_(std::make_shared<const config::SchedulerConfig>(std::move(config))),
      stream_(streams::scheduler(config_->name)) {}

void SchedulerCore::evolve(const Envelope& event) {
  switch (event.body_case()) {
    case Envelope::kChangeAdded:
      if (event.stream() != streams::changes()) return;
      last_change_seen_ = std::max(last_change_seen_, event.stream_version());
      fold_change(event.stream_version(), event.time_us(), event.change_added());
      return;
    case Envelope::kBuildsetSubmitted: {
      const auto& buildset = event.buildset_submitted();
      last_buildset_seen_ = std::max(last_buildset_seen_, buildset.buildset_id());
      if (buildset.scheduler() == name()) {
        fold_own_buildset(buildset);
      } else {
        fold_other_buildset(buildset);
      }
      return;
    }
    case Envelope::kBuildsetCompleted:
      fold_buildset_completed(event.buildset_completed());
      return;
    default:
      break;
  }
  if (event.stream() != stream_) return;
  version_ = StreamVersion(event.stream_version());
  switch (event.body_case()) {
    case Envelope::kSchedulerTimerSet:
      timers_[event.scheduler_timer_set().timer()] = event.scheduler_timer_set().due_us();
      break;
    case Envelope::kSchedulerTimerFired:
      timers_.erase(event.scheduler_timer_fired().timer());
      break;
    case Envelope::kSchedulerTimerCancelled:
      timers_.erase(event.scheduler_timer_cancelled().timer());
      break;
    case Envelope::kSchedulerChangeClassified:
      fold_classified(event.scheduler_change_classified().change_id(),
                      event.scheduler_change_classified().important());
      break;
    case Envelope::kSchedulerStateSaved: {
      const auto& saved = event.scheduler_state_saved();
      if (saved.key() != kStartKey) {
        fold_state(saved.key(), saved.value_json());
      } else if (!mark_) {
        mark_ = decode_mark(saved.value_json());
        fold_started(*mark_);
      }
      break;
    }
    default:
      break;
  }
}

DecideResult SchedulerCore::decide(const Command& command) const {
  return std::visit(
      [this](const auto& c) -> DecideResult {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, Start>) return decide_start(c);
        if constexpr (std::is_same_v<C, ConsiderChange>) return decide_change(c);
        if constexpr (std::is_same_v<C, TimerDue>) return decide_timer(c);
        if constexpr (std::is_same_v<C, Force>) return decide_force(c);
        if constexpr (std::is_same_v<C, Trigger>) return decide_trigger(c);
        if constexpr (std::is_same_v<C, UpstreamCompleted>) return decide_upstream(c);
      },
      command);
}

std::vector<PendingTimer> SchedulerCore::next_timers() const {
  std::vector<PendingTimer> out;
  for (const auto& [timer, due] : timers_) out.push_back({timer, due});
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.due_us < b.due_us; });
  return out;
}

std::optional<std::int64_t> SchedulerCore::timer_due(const std::string& timer) const {
  auto it = timers_.find(timer);
  if (it == timers_.end()) return std::nullopt;
  return it->second;
}

DecideResult SchedulerCore::decide_start(const Start&) const {
  return Decision{};
}
DecideResult SchedulerCore::decide_change(const ConsiderChange&) const {
  return Decision{};
}
DecideResult SchedulerCore::decide_timer(const TimerDue&) const {
  return Decision{};
}
DecideResult SchedulerCore::decide_upstream(const UpstreamCompleted&) const {
  return Decision{};
}
DecideResult SchedulerCore::decide_force(const Force&) const {
  return unexpected(error(SchedulerError::Code::not_supported,
                          "scheduler '" + name() + "' is not a force scheduler"));
}
DecideResult SchedulerCore::decide_trigger(const Trigger&) const {
  return unexpected(error(SchedulerError::Code::not_supported,
                          "scheduler '" + name() + "' is not a triggerable scheduler"));
}

void SchedulerCore::emit(Decision& decision, Envelope event) {
  event.set_stream(stream_);
  Envelope folded = event;
  folded.set_stream_version(version_.value() + 1);
  decision.events.push_back(std::move(event));
  evolve(folded);
}

void SchedulerCore::emit_buildset(Decision& decision, BuildsetIntent intent) {
  fold_own_buildset(buildset_submitted(intent, 0, {}));
  decision.buildsets.push_back(std::move(intent));
}

void SchedulerCore::emit_start_mark(Decision& decision, const Start& command) {
  if (mark_) return;
  StartMark mark{std::max(command.last_change_id, last_change_seen_),
                 std::max(command.last_buildset_id, last_buildset_seen_), command.now_us};
  Envelope event;
  auto* saved = event.mutable_scheduler_state_saved();
  saved->set_scheduler(name());
  saved->set_key(kStartKey);
  saved->set_value_json(encode_mark(mark));
  emit(decision, std::move(event));
}

void SchedulerCore::emit_timer_set(Decision& decision, const std::string& timer,
                                   std::int64_t due_us) {
  Envelope event;
  timer_body(event.mutable_scheduler_timer_set(), name(), timer)->set_due_us(due_us);
  emit(decision, std::move(event));
}

void SchedulerCore::emit_timer_fired(Decision& decision, const std::string& timer,
                                     std::int64_t due_us) {
  Envelope event;
  timer_body(event.mutable_scheduler_timer_fired(), name(), timer)->set_due_us(due_us);
  emit(decision, std::move(event));
}

BuildsetIntent SchedulerCore::new_intent(std::string reason) const {
  BuildsetIntent intent;
  intent.scheduler = name();
  intent.reason = std::move(reason);
  intent.builder_names = config_->builders;
  intent.properties = scheduler_properties(*config_).list();
  return intent;
}

std::string SchedulerCore::triggered_reason(const std::string& kind) const {
  return "The " + kind + " scheduler named '" + name() + "' triggered this build";
}

events::SourceStamp SchedulerCore::branch_sourcestamp() const {
  events::SourceStamp ss;
  ss.set_branch(config_->branch.value_or(""));
  return ss;
}

std::optional<std::int64_t> SchedulerCore::due_now(const TimerDue& command,
                                                   const std::string& timer) const {
  if (command.timer != timer) return std::nullopt;
  auto due = timer_due(timer);
  if (!due || command.now_us < *due) return std::nullopt;
  return due;
}

SchedulerError SchedulerCore::error(SchedulerError::Code code, std::string message) {
  return SchedulerError{code, std::move(message)};
}

SchedulerError SchedulerCore::not_started_error() const {
  return error(SchedulerError::Code::not_started, "scheduler '" + name() + "' has not started");
}

std::string json_quote(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void PropertyBag::set(const std::string& name, std::string value_json, std::string source) {
  events::Property p;
  p.set_name(name);
  p.set_value_json(std::move(value_json));
  p.set_source(std::move(source));
  by_name_[name] = std::move(p);
}

void PropertyBag::set(const events::Property& property) {
  by_name_[property.name()] = property;
}

std::vector<events::Property> PropertyBag::list() const {
  std::vector<events::Property> out;
  out.reserve(by_name_.size());
  for (const auto& [name, p] : by_name_) out.push_back(p);
  return out;
}

PropertyBag scheduler_properties(const config::SchedulerConfig& config) {
  PropertyBag bag;
  for (const auto& [name, value] : config.properties) bag.set(name, value, "Scheduler");
  bag.set("scheduler", json_quote(config.name), "Scheduler");
  return bag;
}

}  // namespace eventbot::schedulers
