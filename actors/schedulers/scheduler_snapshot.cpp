// SchedulerCore::snapshot() and restore(): the base's folded state and the configuration
// print; each subclass adds its own state through save_state()/restore_state().
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "actors/schedulers/make_scheduler.hpp"
#include "actors/schedulers/scheduler_core.hpp"
#include "events/snapshots.pb.h"

namespace eventbot::schedulers {
namespace {

// The same message always encodes to the same bytes (map order included).
std::string encode(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

void print_matcher(const config::StringMatcher& matcher, snapshots::StringMatcher* out) {
  const auto& [values, regex] = matcher;  // every field: see config_print
  for (const auto& v : values) out->add_values(v);
  out->set_has_regex(regex.has_value());
  out->set_regex(regex.value_or(""));
}

// Every field of the configuration. The structured bindings name each field of the
// structs, so adding one to config::SchedulerConfig (or its ChangeFilter, StringMatcher,
// FileImportance) stops this from compiling until the print covers it: a snapshot must
// never be taken for a configuration it was not folded under.
snapshots::SchedulerConfigPrint config_print(const config::SchedulerConfig& config) {
  const auto& [type, name, builders, properties, change_filter, branch, tree_stable_timer,
               file_is_important, only_important, upstream, period, minute, hour, day_of_month,
               month, day_of_week, only_if_changed, reason] = config;
  snapshots::SchedulerConfigPrint out;
  out.set_type(static_cast<std::int32_t>(type));
  out.set_name(name);
  for (const auto& b : builders) out.add_builders(b);
  for (const auto& [key, value] : properties) (*out.mutable_properties())[key] = value;
  const auto& [project, repository, filter_branch, category] = change_filter;
  print_matcher(project, out.mutable_filter_project());
  print_matcher(repository, out.mutable_filter_repository());
  print_matcher(filter_branch, out.mutable_filter_branch());
  print_matcher(category, out.mutable_filter_category());
  out.set_has_branch(branch.has_value());
  out.set_branch(branch.value_or(""));
  out.set_has_tree_stable_timer(tree_stable_timer.has_value());
  out.set_tree_stable_timer(tree_stable_timer.value_or(0));
  const auto& [include, exclude] = file_is_important;
  for (const auto& g : include) out.add_important_include(g);
  for (const auto& g : exclude) out.add_important_exclude(g);
  out.set_only_important(only_important);
  out.set_upstream(upstream);
  out.set_period(period);
  for (int v : minute) out.add_minute(v);
  for (int v : hour) out.add_hour(v);
  for (int v : day_of_month) out.add_day_of_month(v);
  for (int v : month) out.add_month(v);
  for (int v : day_of_week) out.add_day_of_week(v);
  out.set_only_if_changed(only_if_changed);
  out.set_reason(reason);
  return out;
}

SchedulerError refused(const std::string& scheduler, const std::string& why) {
  return SchedulerError{SchedulerError::Code::snapshot_refused,
                        "scheduler '" + scheduler + "': snapshot refused: " + why};
}

}  // namespace

std::string SchedulerCore::snapshot() const {
  snapshots::SchedulerSnapshot out;
  out.set_format(kSchedulerSnapshotFormat);
  *out.mutable_config() = config_print(*config_);
  out.set_version(version_.value());
  if (mark_) {
    auto* start = out.mutable_start();
    start->set_change_id(mark_->change_id);
    start->set_buildset_id(mark_->buildset_id);
    start->set_time_us(mark_->time_us);
  }
  for (const auto& [timer, due] : timers_) {
    auto* t = out.add_timers();
    t->set_name(timer);
    t->set_due_us(due);
  }
  out.set_last_change_seen(last_change_seen_);
  out.set_last_buildset_seen(last_buildset_seen_);
  save_state(out);
  return encode(out);
}

Expected<Ok, SchedulerError> SchedulerCore::restore(std::string_view encoded) {
  snapshots::SchedulerSnapshot in;
  if (!in.ParseFromArray(encoded.data(), static_cast<int>(encoded.size()))) {
    return unexpected(refused(name(), "not a scheduler snapshot"));
  }
  if (in.format() != kSchedulerSnapshotFormat) {
    return unexpected(refused(name(), "format " + std::to_string(in.format()) + ", not " +
                                          std::to_string(kSchedulerSnapshotFormat)));
  }
  if (encode(in.config()) != encode(config_print(*config_))) {
    return unexpected(refused(name(), "taken under another configuration"));
  }
  if (!restore_state(in)) return unexpected(refused(name(), "the state of another type"));
  version_ = StreamVersion(in.version());
  mark_.reset();
  if (in.has_start()) {
    mark_ = StartMark{in.start().change_id(), in.start().buildset_id(), in.start().time_us()};
  }
  timers_.clear();
  for (const auto& t : in.timers()) timers_[t.name()] = t.due_us();
  last_change_seen_ = in.last_change_seen();
  last_buildset_seen_ = in.last_buildset_seen();
  return Ok{};
}

void SchedulerCore::save_state(snapshots::SchedulerSnapshot& out) const {
  out.mutable_none();
}

bool SchedulerCore::restore_state(const snapshots::SchedulerSnapshot& in) {
  return in.has_none();
}

Expected<std::unique_ptr<SchedulerCore>, SchedulerError> restore_scheduler(
    const config::SchedulerConfig& config, std::string_view snapshot) {
  auto core = make_scheduler(config);
  if (!core) return core;
  if (auto restored = (*core)->restore(snapshot); !restored) return unexpected(restored.error());
  return core;
}

}  // namespace eventbot::schedulers
