#include "actors/builders/distributor_core.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "actors/builders/collapse.hpp"
#include "events/streams.hpp"

namespace eventbot::builders {
namespace {

events::Property property(const std::string& name, const std::string& value_json,
                          const std::string& source) {
  events::Property p;
  p.set_name(name);
  p.set_value_json(value_json);
  p.set_source(source);
  return p;
}

std::string json_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

bool request_before(config::NextBuildPolicy policy, const PendingRequest& a,
                    const PendingRequest& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  switch (policy) {
    case config::NextBuildPolicy::oldest:
      if (a.submitted_us != b.submitted_us) return a.submitted_us < b.submitted_us;
      break;
    case config::NextBuildPolicy::newest:
      if (a.submitted_us != b.submitted_us) return a.submitted_us > b.submitted_us;
      break;
  }
  if (a.sequence != b.sequence) return a.sequence < b.sequence;
  return a.id < b.id;
}

store::AppendRequest start_build_request(const StartBuild& start, const std::string& master_id) {
  store::AppendRequest request;
  for (std::size_t i = 0; i < start.request_ids.size(); ++i) {
    Envelope claim;
    claim.set_stream(streams::build_request(start.request_ids[i]));
    claim.set_master_id(master_id);
    auto* body = claim.mutable_build_request_claimed();
    body->set_request_id(start.request_ids[i]);
    body->set_master_id(master_id);
    body->set_builder(start.builder);
    request.expected.insert_or_assign(
        claim.stream(), store::ExpectedVersion::exactly(i < start.request_versions.size()
                                                            ? start.request_versions[i]
                                                            : StreamVersion{}));
    request.events.push_back(std::move(claim));
  }
  Envelope started;
  started.set_stream(streams::build(start.builder, start.number));
  started.set_master_id(master_id);
  auto* body = started.mutable_build_started();
  body->set_builder(start.builder);
  body->set_number(start.number);
  for (auto id : start.request_ids) body->add_request_ids(id);
  body->set_slave(start.slave);
  for (const auto& p : start.properties) *body->add_properties() = p;
  body->set_reason(start.reason);
  for (const auto& stamp : start.sourcestamps) *body->add_sourcestamps() = stamp;
  request.expected.insert_or_assign(started.stream(), store::ExpectedVersion::no_stream());
  request.events.push_back(std::move(started));
  return request;
}

// ---------------------------------------------------------------------------------
// The fold
// ---------------------------------------------------------------------------------

DistributorCore::DistributorCore(const config::MasterConfig& config, std::string master_id)
    : config_(config), master_id_(std::move(master_id)) {}

void DistributorCore::index(std::uint64_t id, const Request& r) {
  queues_[r.builder].emplace(-static_cast<std::int64_t>(r.priority), r.submitted_us, r.sequence,
                             id);
  ages_[r.builder].emplace(r.submitted_us, r.sequence, id);
}

void DistributorCore::unindex(std::uint64_t id, const Request& r) {
  if (auto queue = queues_.find(r.builder); queue != queues_.end()) {
    queue->second.erase({-static_cast<std::int64_t>(r.priority), r.submitted_us, r.sequence, id});
    if (queue->second.empty()) queues_.erase(queue);
  }
  if (auto ages = ages_.find(r.builder); ages != ages_.end()) {
    ages->second.erase({r.submitted_us, r.sequence, id});
    if (ages->second.empty()) ages_.erase(ages);
  }
}

void DistributorCore::drop_request(std::uint64_t id) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  if (!it->second.claimed) unindex(id, it->second);
  auto bs = buildsets_.find(it->second.buildset_id);
  if (bs != buildsets_.end()) {
    bs->second.live_requests.erase(id);
    if (bs->second.live_requests.empty()) buildsets_.erase(bs);
  }
  requests_.erase(it);
}

void DistributorCore::evolve(const Envelope& event) {
  last_sequence_ = std::max(last_sequence_, event.sequence());
  const StreamVersion version{event.stream_version()};
  switch (event.body_case()) {
    case Envelope::kBuildsetSubmitted: {
      const auto& b = event.buildset_submitted();
      Buildset& bs = buildsets_[b.buildset_id()];
      bs.reason = b.reason();
      bs.sourcestamps.assign(b.sourcestamps().begin(), b.sourcestamps().end());
      bs.properties.assign(b.properties().begin(), b.properties().end());
      for (auto id : b.build_request_ids()) bs.live_requests.insert(id);
      break;
    }
    case Envelope::kBuildRequestSubmitted: {
      const auto& r = event.build_request_submitted();
      Request& request = requests_[r.request_id()];
      if (!request.builder.empty() && !request.claimed) unindex(r.request_id(), request);
      request.buildset_id = r.buildset_id();
      request.builder = r.builder();
      request.priority = r.priority();
      request.submitted_us = event.time_us();
      request.sequence = event.sequence();
      request.version = version;
      request.claimed = false;
      index(r.request_id(), request);
      if (auto bs = buildsets_.find(r.buildset_id()); bs != buildsets_.end()) {
        bs->second.live_requests.insert(r.request_id());
      }
      break;
    }
    case Envelope::kBuildRequestClaimed:
      if (auto it = requests_.find(event.build_request_claimed().request_id());
          it != requests_.end()) {
        if (!it->second.claimed) unindex(it->first, it->second);
        it->second.claimed = true;
        it->second.version = version;
      }
      break;
    case Envelope::kBuildRequestUnclaimed:
      if (auto it = requests_.find(event.build_request_unclaimed().request_id());
          it != requests_.end()) {
        if (!it->second.claimed) unindex(it->first, it->second);
        it->second.claimed = false;
        it->second.version = version;
        index(it->first, it->second);
      }
      break;
    case Envelope::kBuildRequestCancelled:
      drop_request(event.build_request_cancelled().request_id());
      break;
    case Envelope::kBuildRequestCompleted:
      drop_request(event.build_request_completed().request_id());
      break;
    case Envelope::kBuildStarted: {
      const auto& b = event.build_started();
      auto& next = next_number_[b.builder()];
      next = std::max(next, b.number() + 1);
      auto [it, inserted] = running_.try_emplace({b.builder(), b.number()});
      if (!inserted) break;  // the same build twice: count it once
      it->second.slave = b.slave();
      it->second.request_ids.assign(b.request_ids().begin(), b.request_ids().end());
      it->second.master_id = event.master_id();
      it->second.started_us = event.time_us();
      ++running_per_slave_[b.slave()];
      slave_states_[b.slave()].last_build_sequence = event.sequence();
      break;
    }
    case Envelope::kBuildFinished: {
      const auto& b = event.build_finished();
      auto& next = next_number_[b.builder()];
      next = std::max(next, b.number() + 1);
      auto it = running_.find({b.builder(), b.number()});
      if (it == running_.end()) break;
      auto count = running_per_slave_.find(it->second.slave);
      if (count != running_per_slave_.end() && --count->second <= 0) {
        running_per_slave_.erase(count);
      }
      running_.erase(it);
      break;
    }
    case Envelope::kSlaveAttached: {
      const auto& a = event.slave_attached();
      Slave& slave = slave_states_[a.slave()];
      slave.attached = true;
      slave.master_id = a.master_id().empty() ? event.master_id() : a.master_id();
      slave.shutdown_requested = false;
      break;
    }
    case Envelope::kSlaveDetached: {
      auto it = slave_states_.find(event.slave_detached().slave());
      if (it == slave_states_.end()) break;
      // A late detach by a master the slave has since left does not end its newer
      // attachment elsewhere.
      if (!event.master_id().empty() && it->second.attached &&
          it->second.master_id != event.master_id()) {
        break;
      }
      it->second.attached = false;
      it->second.master_id.clear();
      it->second.shutdown_requested = false;
      break;
    }
    case Envelope::kSlaveShutdownRequested:
      slave_states_[event.slave_shutdown_requested().slave()].shutdown_requested = true;
      break;
    case Envelope::kMasterStarted:
      // This master (re)started: every attachment it recorded before is gone with its
      // connections. Builds it was running stay counted until their BuildFinished.
      if (event.master_started().master_id() != master_id_) break;
      for (auto& [name, slave] : slave_states_) {
        if (slave.attached && slave.master_id == master_id_) {
          slave.attached = false;
          slave.master_id.clear();
          slave.shutdown_requested = false;
        }
      }
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------

const config::BuilderConfig* DistributorCore::builder_config(std::string_view name) const {
  for (const auto& b : config_.builders) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

const config::SlaveConfig* DistributorCore::slave_config(std::string_view name) const {
  for (const auto& s : config_.slaves) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool DistributorCore::collapses(std::string_view builder) const {
  const auto* b = builder_config(builder);
  if (b != nullptr && b->collapse_requests) return *b->collapse_requests;
  return config_.collapse_requests;
}

int DistributorCore::running_on(const std::string& slave) const {
  auto it = running_per_slave_.find(slave);
  return it == running_per_slave_.end() ? 0 : it->second;
}

PendingRequest DistributorCore::pending_of(std::uint64_t id, const Request& r) const {
  return PendingRequest{id,         r.buildset_id, r.builder, r.priority, r.submitted_us,
                        r.sequence, r.version};
}

std::vector<PendingRequest> DistributorCore::pending_ordered(const config::BuilderConfig* builder,
                                                             std::string_view name) const {
  std::vector<PendingRequest> out;
  auto queue = queues_.find(name);
  if (queue == queues_.end()) return out;
  out.reserve(queue->second.size());
  for (const auto& key : queue->second) {
    const auto id = std::get<3>(key);
    out.push_back(pending_of(id, requests_.at(id)));
  }
  // The index is in the oldest policy's order already.
  auto policy = builder != nullptr ? builder->next_build : config::NextBuildPolicy::oldest;
  if (policy != config::NextBuildPolicy::oldest) {
    std::sort(out.begin(), out.end(), [policy](const PendingRequest& a, const PendingRequest& b) {
      return request_before(policy, a, b);
    });
  }
  return out;
}

std::vector<PendingRequest> DistributorCore::pending(std::string_view builder) const {
  return pending_ordered(builder_config(builder), builder);
}

std::map<std::string, std::vector<PendingRequest>> DistributorCore::pending_by_builder() const {
  std::map<std::string, std::vector<PendingRequest>> out;
  for (const auto& [id, request] : requests_) {
    if (!request.claimed && !out.contains(request.builder)) {
      out[request.builder] = pending(request.builder);
    }
  }
  return out;
}

std::vector<RunningBuild> DistributorCore::running() const {
  std::vector<RunningBuild> out;
  for (const auto& [key, r] : running_) {
    out.push_back(
        RunningBuild{key.first, key.second, r.slave, r.request_ids, r.master_id, r.started_us});
  }
  return out;
}

std::optional<SlaveState> DistributorCore::slave(std::string_view name) const {
  const auto* config = slave_config(name);
  if (config == nullptr) return std::nullopt;
  SlaveState state;
  state.name = config->name;
  state.max_builds = config->max_builds;
  state.running = running_on(config->name);
  if (auto it = slave_states_.find(name); it != slave_states_.end()) {
    state.attached = it->second.attached;
    state.master_id = it->second.master_id;
    state.shutdown_requested = it->second.shutdown_requested;
    state.last_build_sequence = it->second.last_build_sequence;
  }
  state.usable = state.attached && state.master_id == master_id_ && !state.shutdown_requested &&
                 (state.max_builds == 0 || state.running < state.max_builds);
  return state;
}

std::vector<SlaveState> DistributorCore::slaves() const {
  std::vector<SlaveState> out;
  for (const auto& s : config_.slaves) out.push_back(*slave(s.name));
  return out;
}

std::uint32_t DistributorCore::next_build_number(std::string_view builder) const {
  auto it = next_number_.find(builder);
  return it == next_number_.end() ? 0 : it->second;
}

// ---------------------------------------------------------------------------------
// decide
// ---------------------------------------------------------------------------------

// What the builds decided so far in this decide() changed: decide never touches the core.
struct DistributorCore::Plan {
  std::map<std::string, int, std::less<>> extra_running;            // builds added per slave
  std::map<std::string, std::uint64_t, std::less<>> last_use;       // virtual sequences
  std::map<std::string, std::uint32_t, std::less<>> numbers_taken;  // per builder
  std::set<std::uint64_t> taken;                                    // requests used
  std::set<std::pair<std::string, std::string>> busy;               // (builder, slave) added
  std::uint64_t next_virtual_sequence = 0;

  int extra(const std::string& slave) const {
    auto it = extra_running.find(slave);
    return it == extra_running.end() ? 0 : it->second;
  }
};

// Buildbot's rule: a slave runs at most one build of a builder at a time (its builds
// share one build directory there), whatever its max_builds.
bool DistributorCore::builder_busy_on(const std::string& builder, const std::string& slave,
                                      const Plan& plan) const {
  if (plan.busy.contains({builder, slave})) return true;
  for (auto it = running_.lower_bound({builder, 0});
       it != running_.end() && it->first.first == builder; ++it) {
    if (it->second.slave == slave) return true;
  }
  return false;
}

bool DistributorCore::slave_usable_now(const std::string& builder, const std::string& name,
                                       const Plan& plan) const {
  if (builder_busy_on(builder, name, plan)) return false;
  const auto* config = slave_config(name);
  if (config == nullptr) return false;
  auto it = slave_states_.find(name);
  if (it == slave_states_.end()) return false;
  const Slave& s = it->second;
  if (!s.attached || s.master_id != master_id_ || s.shutdown_requested) return false;
  const int running = running_on(name) + plan.extra(name);
  return config->max_builds == 0 || running < config->max_builds;
}

std::optional<std::string> DistributorCore::choose_slave(const config::BuilderConfig& builder,
                                                         const Plan& plan, Random& random) const {
  std::vector<const std::string*> free;
  for (const auto& name : builder.slaves) {
    if (slave_usable_now(builder.name, name, plan)) free.push_back(&name);
  }
  if (free.empty()) return std::nullopt;
  switch (builder.next_slave) {
    case config::NextSlavePolicy::random:
      return *free[random.below(free.size())];
    case config::NextSlavePolicy::in_order:
      return *free.front();
    case config::NextSlavePolicy::least_recently_used: {
      auto last_use = [&](const std::string& name) -> std::uint64_t {
        if (auto it = plan.last_use.find(name); it != plan.last_use.end()) return it->second;
        auto state = slave_states_.find(name);
        return state == slave_states_.end() ? 0 : state->second.last_build_sequence;
      };
      const std::string* best = free.front();
      for (const auto* name : free) {
        if (last_use(*name) < last_use(*best)) best = name;
      }
      return *best;
    }
    case config::NextSlavePolicy::fewest_builds: {
      auto load = [&](const std::string& name) { return running_on(name) + plan.extra(name); };
      const std::string* best = free.front();
      for (const auto* name : free) {
        if (load(*name) < load(*best)) best = name;
      }
      return *best;
    }
  }
  return std::nullopt;
}

StartBuild DistributorCore::make_start(const config::BuilderConfig& builder, std::uint32_t number,
                                       const std::string& slave,
                                       const std::vector<PendingRequest>& requests) const {
  StartBuild start;
  start.builder = builder.name;
  start.number = number;
  start.slave = slave;
  std::vector<std::vector<events::SourceStamp>> stamps;
  std::map<std::string, events::Property> properties;
  for (const auto& [name, value] : config_.properties) {
    properties[name] = property(name, value, "Global");
  }
  for (const auto& [name, value] : builder.properties) {
    properties[name] = property(name, value, "Builder");
  }
  for (const auto& request : requests) {
    start.request_ids.push_back(request.id);
    start.request_versions.push_back(request.version);
    if (std::find(start.buildset_ids.begin(), start.buildset_ids.end(), request.buildset_id) ==
        start.buildset_ids.end()) {
      start.buildset_ids.push_back(request.buildset_id);
    }
    auto bs = buildsets_.find(request.buildset_id);
    if (bs == buildsets_.end()) {
      stamps.emplace_back();
      continue;
    }
    stamps.push_back(bs->second.sourcestamps);
    for (const auto& p : bs->second.properties) properties[p.name()] = p;
    if (&request == &requests.front()) start.reason = bs->second.reason;
  }
  start.sourcestamps = merge_sourcestamps(stamps);
  if (const auto* s = slave_config(slave)) {
    for (const auto& [name, value] : s->properties) {
      properties[name] = property(name, value, "BuildSlave");
    }
  }
  properties["buildername"] = property("buildername", json_string(builder.name), "Build");
  properties["buildnumber"] = property("buildnumber", std::to_string(number), "Build");
  properties["slavename"] = property("slavename", json_string(slave), "Build");
  if (!start.sourcestamps.empty()) {
    const auto& ss = start.sourcestamps.front();
    properties["branch"] = property("branch", json_string(ss.branch()), "Build");
    properties["revision"] = property("revision", json_string(ss.revision()), "Build");
    properties["repository"] = property("repository", json_string(ss.repository()), "Build");
    properties["project"] = property("project", json_string(ss.project()), "Build");
  }
  for (auto& [name, p] : properties) start.properties.push_back(std::move(p));
  return start;
}

std::vector<StartBuild> DistributorCore::decide(Random& random) const {
  // Builders with pending requests: higher priority first, then the one whose oldest
  // request is oldest (Buildbot's default prioritizeBuilders), then configuration order.
  struct Candidate {
    const config::BuilderConfig* builder;
    std::size_t index;
    std::int64_t oldest_us;
    std::uint64_t oldest_sequence;
  };
  Plan plan;
  plan.next_virtual_sequence = last_sequence_ + 1;
  std::vector<Candidate> order;
  for (std::size_t i = 0; i < config_.builders.size(); ++i) {
    const auto& builder = config_.builders[i];
    auto ages = ages_.find(builder.name);
    if (ages == ages_.end()) continue;
    // A builder none of whose slaves can take a build now is passed over at once: builds
    // decided before it only take slaves, never free them.
    if (std::none_of(builder.slaves.begin(), builder.slaves.end(), [&](const std::string& name) {
          return slave_usable_now(builder.name, name, plan);
        })) {
      continue;
    }
    const auto& [oldest_us, oldest_sequence, id] = *ages->second.begin();
    order.push_back(Candidate{&builder, i, oldest_us, oldest_sequence});
  }
  std::sort(order.begin(), order.end(), [](const Candidate& a, const Candidate& b) {
    if (a.builder->priority != b.builder->priority)
      return a.builder->priority > b.builder->priority;
    if (a.oldest_us != b.oldest_us) return a.oldest_us < b.oldest_us;
    if (a.oldest_sequence != b.oldest_sequence) return a.oldest_sequence < b.oldest_sequence;
    return a.index < b.index;
  });

  std::vector<StartBuild> out;
  for (const Candidate& c : order) {
    const config::BuilderConfig& builder = *c.builder;
    const bool collapse = collapses(builder.name);
    // The builder's queue in its policy's order: the index itself for `oldest`, sorted
    // for the others.
    std::vector<std::uint64_t> sorted;
    if (builder.next_build != config::NextBuildPolicy::oldest) {
      for (const auto& r : pending_ordered(&builder, builder.name)) sorted.push_back(r.id);
    }
    const auto& queue = queues_.find(builder.name)->second;
    auto next_untaken = [&]() -> std::optional<std::uint64_t> {
      if (builder.next_build == config::NextBuildPolicy::oldest) {
        for (const auto& key : queue) {
          if (!plan.taken.contains(std::get<3>(key))) return std::get<3>(key);
        }
      } else {
        for (auto id : sorted) {
          if (!plan.taken.contains(id)) return id;
        }
      }
      return std::nullopt;
    };
    for (;;) {
      auto front = next_untaken();
      if (!front) break;
      auto slave = choose_slave(builder, plan, random);
      if (!slave) break;
      std::vector<PendingRequest> requests = {pending_of(*front, requests_.at(*front))};
      if (collapse) {
        // The others oldest first (submit time, sequence, id), whatever their priority.
        auto chosen = buildsets_.find(requests.front().buildset_id);
        for (const auto& [submitted_us, sequence, id] : ages_.find(builder.name)->second) {
          if (id == *front || plan.taken.contains(id)) continue;
          const auto& other = requests_.at(id);
          auto bs = buildsets_.find(other.buildset_id);
          if (chosen == buildsets_.end() || bs == buildsets_.end()) continue;
          if (can_be_merged(chosen->second.sourcestamps, bs->second.sourcestamps)) {
            requests.push_back(pending_of(id, other));
          }
        }
      }
      const std::uint32_t number =
          next_build_number(builder.name) + plan.numbers_taken[builder.name]++;
      for (const auto& r : requests) plan.taken.insert(r.id);
      ++plan.extra_running[*slave];
      plan.busy.emplace(builder.name, *slave);
      plan.last_use[*slave] = plan.next_virtual_sequence++;
      out.push_back(make_start(builder, number, *slave, requests));
    }
  }
  return out;
}

}  // namespace eventbot::builders
