#include "actors/master/change_source_actor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "actors/changes/git_poller.hpp"
#include "common/url_credentials.hpp"

namespace eventbot::master {
namespace {

using Self = caf::stateful_actor<ChangeSourceActorState>;

constexpr std::size_t kReadBatch = 1000;

// Folds what the poller's stream has after the version the core has seen.
Expected<Ok, std::string> catch_up(Self* self) {
  auto& st = self->state;
  for (;;) {
    auto events =
        st.context.log->read_stream(st.core->stream(), st.core->version().next(), kReadBatch);
    if (!events) return unexpected("reading " + st.core->stream() + ": " + events.error().message);
    for (const auto& event : *events) st.core->evolve(event);
    if (events->size() < kReadBatch) return Ok{};
  }
}

void poll(Self* self) {
  auto& st = self->state;
  const auto& name = st.core->name();
  if (auto caught_up = catch_up(self); !caught_up) {
    spdlog::error("git poller {}: {}; polling again later", name, caught_up.error());
    return;
  }
  auto request = changes::poll_once(*st.repository, *st.core);
  if (!request) {
    spdlog::warn("git poller {}: {}", name, request.error());
    return;
  }
  if (request->events.empty()) return;
  const auto changes = request->events.size() - 1;  // the last event is the new position
  for (auto& event : request->events) event.set_master_id(st.context.master_id);
  auto appended = st.context.log->append(std::move(*request));
  if (!appended) {
    // Nothing was written: the next poll folds the stream again and decides afresh.
    if (appended.error().code == store::StoreErrc::version_conflict) {
      spdlog::info("git poller {}: {}; polling again later", name, appended.error().message);
    } else {
      spdlog::error("git poller {}: recording what it found failed: {}", name,
                    appended.error().message);
    }
    return;
  }
  if (changes > 0) {
    spdlog::info("git poller {}: {} new change{} (ids {}..{})", name, changes,
                 changes == 1 ? "" : "s", appended->versions.front().value(),
                 appended->versions[changes - 1].value());
  }
  if (auto caught_up = catch_up(self); !caught_up) {
    spdlog::error("git poller {}: {}", name, caught_up.error());
  }
}

void arm(Self* self) {
  auto interval =
      std::chrono::seconds(std::max<std::int64_t>(1, self->state.core->config().poll_interval));
  self->delayed_send(self, interval, poll_atom::value, timer_atom::value);
}

}  // namespace

caf::behavior change_source_actor(Self* self, config::ChangeSourceConfig config,
                                  ChangeSourceContext context) {
  auto& st = self->state;
  st.context = std::move(context);
  st.repository = std::make_unique<changes::GitRepository>(
      config.repository, changes::prepare_git_poller_workdir(config, st.context.master_dir));
  st.core = std::make_unique<changes::GitPollerCore>(std::move(config));
  spdlog::info("git poller {} polls {} every {} s (mirror in {})", st.core->name(),
               redact_url_credentials(st.repository->url()), st.core->config().poll_interval,
               st.repository->workdir().string());
  // The first poll runs as a message, so that spawning never waits for git.
  self->send(self, poll_atom::value, timer_atom::value);
  return {
      // The timer: poll, then arm the next one.
      [=](poll_atom, timer_atom) {
        poll(self);
        arm(self);
      },
      // Poll now (an operator or a test), keeping the timer as it is.
      [=](poll_atom) { poll(self); },
  };
}

}  // namespace eventbot::master
