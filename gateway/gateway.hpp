#pragma once
// The web gateway inside the master: its read models, folded from the log at start and
// then from the master's subscription, and the HTTP server on web.bind:web.port that
// answers /api/v2 (api/), /metrics and /healthz from them, logins (auth/) and the
// actions of /api/v2 (actions/). Reading is open to anyone unless web.authz's `view` says
// otherwise.
#include <chrono>
#include <filesystem>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "actors/config/master_config.hpp"
#include "common/expected.hpp"
#include "events/events.pb.h"
#include "gateway/actions/actions.hpp"
#include "gateway/auth/auth_service.hpp"
#include "gateway/http/http_limits.hpp"
#include "store/event_log.hpp"
#include "store/snapshot_store.hpp"

namespace eventbot::gateway {

struct GatewayOptions {
  std::string bind = "127.0.0.1";
  unsigned short port = config::kDefaultWebPort;  // 0: any free port (tests)
  http::HttpLimits limits;
  // Logins and actions (gateway/auth, gateway/actions): the API token file, the master's
  // web.authz check and how a user command is run. Unset: no tokens; nothing authorised.
  std::filesystem::path token_file;
  auth::AuthzCheck authorised;
  actions::CommandRunner run_command;
  // The event store's directory, whose files' size /metrics shows; empty: not shown.
  std::filesystem::path store_dir;
  // The read models' snapshots (readmodel/model_snapshots.hpp): restored at start; saved
  // at start when it folded `snapshot_every` events or more after its snapshot, and on
  // stop. Null: every start folds the log.
  store::SnapshotStore* snapshots = nullptr;
  std::uint64_t snapshot_every = 100'000;
  // Live updates (live/live_hub.hpp's LiveLimits): clients at most, and how often each
  // client's queue is written (the coalescing window). Benchmarks raise the first.
  std::size_t max_live_clients = 256;
  std::chrono::milliseconds live_flush_interval{100};
};

class Gateway {
 public:
  // Folds the log up to `folded` (the master's start-up fold), then listens. Events after
  // `folded` must come through on_events, in order.
  static Expected<std::unique_ptr<Gateway>, std::string> start(const GatewayOptions& options,
                                                               store::EventLog& log,
                                                               std::uint64_t folded,
                                                               const config::MasterConfig& config);
  ~Gateway();

  // A batch of the master's subscription (events at or below the fold are skipped).
  void on_events(const std::vector<events::Envelope>& batch);
  // The configuration in force after a reconfig (the port stays as started).
  void configure(const config::MasterConfig& config);

  unsigned short port() const;
  void stop();

 private:
  struct Impl;
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventbot::gateway
