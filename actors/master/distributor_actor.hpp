#pragma once
// The actor shell around the DistributorCore (actors/builders): it folds the log, asks
// the core which builds to start, claims their requests and starts them by one
// conditional append each, and spawns one build actor per build. It decides only once
// it has folded its own last append (as the scheduler actors do), so a decision never
// repeats one already made. It also completes buildsets (BuildsetCompleted, once all
// their requests are completed) and, at start, takes back the builds this master was
// running when it stopped: each gets a build actor that re-attaches to its slave or
// ends RETRY.
#include <map>
#include <memory>
#include <set>

#include "actors/builders/distributor_core.hpp"
#include "actors/builders/lock_table.hpp"
#include "actors/master/actors.hpp"
#include "actors/master/build_actor.hpp"

namespace eventbot::master {

struct DistributorState {
  static inline const char* name = "distributor";

  BuildContext context;
  std::shared_ptr<const config::MasterConfig> config;
  std::unique_ptr<builders::DistributorCore> core;
  builders::LockTable locks;
  builders::Random random{std::random_device{}()};
  std::uint64_t folded = 0;    // last sequence folded
  std::uint64_t awaiting = 0;  // sequence of this actor's last append
  std::map<std::pair<std::string, std::uint32_t>, caf::actor> builds;  // running here
  // Buildsets: their requests not yet completed, the worst result so far, and whether
  // BuildsetCompleted is recorded.
  struct Buildset {
    std::set<std::uint64_t> open;
    events::Result result = events::SUCCESS;
    bool known = false;         // its BuildsetSubmitted was folded
    bool completing = false;    // this actor appended its BuildsetCompleted
    std::uint64_t version = 0;  // of its stream buildset/<id>, as folded
  };
  std::map<std::uint64_t, Buildset> buildsets;              // not completed yet
  std::map<std::uint64_t, std::uint64_t> request_buildset;  // open request -> its buildset
  std::set<std::uint64_t> ready;  // buildsets whose requests all ended since the last look
  // Slaves asked to shut down gracefully, told to once no build runs on them.
  std::set<std::string> shutting_down;
  // Lock waiters (a build, or one of its steps) and their promises.
  std::map<builders::WaiterId, caf::response_promise> lock_waiters;
};

caf::behavior distributor_actor(caf::stateful_actor<DistributorState>* self, BuildContext context,
                                ConfigPtr config);

}  // namespace eventbot::master
