#pragma once
// The build request distributor: Buildbot's BuildRequestDistributor and the builders'
// queues, master-wide, so that slaves' max_builds and builder priorities hold across
// builders. Pure (no CAF, no I/O, no clock): the actor around it folds the log into it,
// asks decide() which builds to start, and appends append_request_for() of each.
//
//   DistributorCore core(config, config.master_id);
//   for (auto& e : log) core.evolve(e);
//   Random rng(seed);
//   for (const StartBuild& start : core.decide(rng)) {
//     auto result = log.append(core.append_request_for(start));
//     if (!result) break;  // a conflict: fold what the log has, then decide again
//   }
//
// Builds of one decision assume the ones before them happened (a builder's second
// build takes the next number, a slave's second build counts the first). Append them in
// order and stop at the first failure: a failed claim means another master took the
// request (or it was cancelled); fold the log and decide again. See README.md.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "actors/config/master_config.hpp"
#include "common/strong_type.hpp"
#include "events/events.pb.h"
#include "store/event_log.hpp"

namespace eventbot::snapshots {
class DistributorCoreState;  // events/snapshots.proto
}  // namespace eventbot::snapshots

namespace eventbot::builders {

using events::Envelope;

// The random numbers of the `random` slave policy; tests seed it so decide() is
// deterministic. The same seed gives the same choices on every platform.
class Random {
 public:
  explicit Random(std::uint64_t seed = 0) : engine_(seed) {}
  // A number in [0, n); n must be > 0.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }

 private:
  std::mt19937_64 engine_;
};

// A request waiting for a build (submitted, not claimed or unclaimed since, not
// cancelled, not completed).
struct PendingRequest {
  std::uint64_t id = 0;
  std::uint64_t buildset_id = 0;
  std::string builder;
  std::int32_t priority = 0;
  std::int64_t submitted_us = 0;  // time_us of its BuildRequestSubmitted
  std::uint64_t sequence = 0;     // sequence of its BuildRequestSubmitted (ties)
  StreamVersion version;          // of its stream buildrequest/<id>, as folded

  bool operator==(const PendingRequest&) const = default;
};

struct RunningBuild {
  std::string builder;
  std::uint32_t number = 0;
  std::string slave;
  std::vector<std::uint64_t> request_ids;
  std::string master_id;  // the master that started it (envelope.master_id)
  std::int64_t started_us = 0;

  bool operator==(const RunningBuild&) const = default;
};

struct SlaveState {
  std::string name;
  bool attached = false;  // attached to some master
  std::string master_id;  // the master it is attached to (empty when detached)
  bool shutdown_requested = false;
  int running = 0;      // builds of every builder running on it
  int max_builds = 0;   // from the configuration; 0: no limit
  bool usable = false;  // attached to this master, not shutting down, below max_builds
  std::uint64_t last_build_sequence = 0;  // sequence of its last BuildStarted, 0: none

  bool operator==(const SlaveState&) const = default;
};

// The next_build policies (Buildbot's nextBuild), by name in the configuration: whether
// `a` is started before `b`. Both honour the request priority first (higher first):
//   oldest: then the older submit time; newest: then the newer submit time.
// Ties go to the earlier submitted (by sequence). A new policy is a NextBuildPolicy value
// and a case here.
bool request_before(config::NextBuildPolicy policy, const PendingRequest& a,
                    const PendingRequest& b);

// What the shell needs to start one build; append_request_for() records it.
struct StartBuild {
  std::string builder;
  std::uint32_t number = 0;
  std::string slave;
  // The chosen request first, then the requests collapsed into it (oldest first).
  std::vector<std::uint64_t> request_ids;
  // Each request's stream version as folded, parallel to request_ids: the claims
  // expect exactly these, so a request claimed elsewhere meanwhile makes the append fail.
  std::vector<StreamVersion> request_versions;
  // The requests' buildsets, each once, in request order.
  std::vector<std::uint64_t> buildset_ids;
  // What to build: the chosen request's stamps merged with the collapsed ones'
  // (merge_sourcestamps, collapse.hpp).
  std::vector<events::SourceStamp> sourcestamps;
  // The build's whole property set, one per name, sorted by name; later sources override
  // earlier ones: Global, Builder, each request's buildset (request order), the slave
  // ("BuildSlave"), and Build (buildername, buildnumber, slavename, and branch, revision,
  // repository, project of the first stamp).
  std::vector<events::Property> properties;
  std::string reason;  // the chosen request's buildset's reason
};

// The events that start a build, in one atomic append: a BuildRequestClaimed on each
// request's stream expecting its folded version (so no request is built twice, even by
// two masters), then BuildStarted on build/<builder>/<number> expecting no stream (so no
// number is used twice). Every envelope carries master_id; time_us is left to the store.
store::AppendRequest start_build_request(const StartBuild& start, const std::string& master_id);

class DistributorCore {
 public:
  DistributorCore(const config::MasterConfig& config, std::string master_id);

  const std::string& master_id() const { return master_id_; }

  // Folds one event of the log; irrelevant events are ignored. Never fails.
  void evolve(const Envelope& event);

  // The builds to start now, builders in priority order. Never changes the core.
  std::vector<StartBuild> decide(Random& random) const;

  // start_build_request(start, master_id()).
  store::AppendRequest append_request_for(const StartBuild& start) const {
    return start_build_request(start, master_id_);
  }

  // The fold as a snapshot (fold_snapshots.cpp), and back into a fresh core: false, with
  // the core untouched, for a snapshot of another master. The fold does not depend on the
  // configuration (only decide() does), so a snapshot is valid under any. restore()
  // moves the buildsets' stamps and properties out of `in` (they are most of its bytes).
  void save(snapshots::DistributorCoreState& out) const;
  bool restore(snapshots::DistributorCoreState& in);
  // The same fold under a new configuration (a reconfig), without folding the log again.
  std::unique_ptr<DistributorCore> reconfigured(const config::MasterConfig& config) const;

  // Queries (the replay tool, the web). Pending requests of a builder, in the order
  // its next_build policy would take them; builders not configured included.
  std::vector<PendingRequest> pending(std::string_view builder) const;
  // Every pending request, by builder name.
  std::map<std::string, std::vector<PendingRequest>> pending_by_builder() const;
  // Running builds, by builder then number.
  std::vector<RunningBuild> running() const;
  // The configured slaves in configuration order.
  std::vector<SlaveState> slaves() const;
  std::optional<SlaveState> slave(std::string_view name) const;
  // The number the builder's next build takes: the highest number seen + 1.
  std::uint32_t next_build_number(std::string_view builder) const;
  // Whether the builder collapses requests (its own setting, else the global one).
  bool collapses(std::string_view builder) const;

 private:
  struct Request {
    std::uint64_t buildset_id = 0;
    std::string builder;
    std::int32_t priority = 0;
    std::int64_t submitted_us = 0;
    std::uint64_t sequence = 0;
    StreamVersion version;
    bool claimed = false;
  };
  struct Buildset {
    std::string reason;
    std::vector<events::SourceStamp> sourcestamps;
    std::vector<events::Property> properties;
    std::set<std::uint64_t> live_requests;  // listed and not yet completed or cancelled
  };
  struct Slave {
    bool attached = false;
    std::string master_id;
    bool shutdown_requested = false;
    std::uint64_t last_build_sequence = 0;
  };
  struct Running {
    std::string slave;
    std::vector<std::uint64_t> request_ids;
    std::string master_id;
    std::int64_t started_us = 0;
  };
  struct Plan;  // decide()'s scratch state

  PendingRequest pending_of(std::uint64_t id, const Request& request) const;
  std::vector<PendingRequest> pending_ordered(const config::BuilderConfig* builder,
                                              std::string_view name) const;
  const config::BuilderConfig* builder_config(std::string_view name) const;
  const config::SlaveConfig* slave_config(std::string_view name) const;
  int running_on(const std::string& slave) const;
  bool builder_busy_on(const std::string& builder, const std::string& slave,
                       const Plan& plan) const;
  bool slave_usable_now(const std::string& builder, const std::string& name,
                        const Plan& plan) const;
  std::optional<std::string> choose_slave(const config::BuilderConfig& builder, const Plan& plan,
                                          Random& random) const;
  StartBuild make_start(const config::BuilderConfig& builder, std::uint32_t number,
                        const std::string& slave,
                        const std::vector<PendingRequest>& requests) const;
  void drop_request(std::uint64_t id);
  // Keeps queues_ and ages_ in step with an unclaimed live request (index) or one that
  // is claimed or gone (unindex).
  void index(std::uint64_t id, const Request& request);
  void unindex(std::uint64_t id, const Request& request);

  config::MasterConfig config_;
  std::string master_id_;
  std::map<std::uint64_t, Request> requests_;  // live: not completed, not cancelled
  std::map<std::uint64_t, Buildset> buildsets_;
  std::map<std::string, Slave, std::less<>> slave_states_;
  std::map<std::pair<std::string, std::uint32_t>, Running> running_;
  std::map<std::string, int, std::less<>> running_per_slave_;
  std::map<std::string, std::uint32_t, std::less<>> next_number_;
  std::uint64_t last_sequence_ = 0;
  // Indexes of the unclaimed live requests per builder, derived from requests_ (never
  // saved): in the `oldest` policy's order (higher priority first, then submit time,
  // sequence, id), and by age alone (submit time, sequence, id). decide() and pending()
  // read a builder's queue from them instead of scanning and sorting every request, so
  // a long queue costs each decision only what it starts.
  using QueueKey = std::tuple<std::int64_t, std::int64_t, std::uint64_t, std::uint64_t>;
  using AgeKey = std::tuple<std::int64_t, std::uint64_t, std::uint64_t>;
  std::map<std::string, std::set<QueueKey>, std::less<>> queues_;
  std::map<std::string, std::set<AgeKey>, std::less<>> ages_;
};

}  // namespace eventbot::builders
