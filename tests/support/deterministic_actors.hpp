#pragma once
// A GoogleTest fixture that runs actors on CAF's test coordinator: nothing runs until the
// test says so (`run()` delivers every queued message, in order), and time moves only when
// the test moves it (`advance(d)` fires every timeout due by then, a request's deadline
// included). No threads, no sleeps: what a test asserts after `run()` is the state every
// run reaches. Actors spawned `detached` get their own thread even here; spawn the actor
// under test without that flag.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "actors/messages/errors.hpp"

namespace eventbot::testing {

class DeterministicActors : public ::testing::Test {
 protected:
  DeterministicActors() {
    config_.set("scheduler.policy", caf::atom("testing"));
    register_errors(config_);
    system_ = std::make_unique<caf::actor_system>(config_);
    coordinator_ = &dynamic_cast<caf::scheduler::test_coordinator&>(system_->scheduler());
    self_ = std::make_unique<caf::scoped_actor>(*system_);
  }

  ~DeterministicActors() override {
    run();
    self_.reset();
  }

  caf::actor_system& system() { return *system_; }
  caf::scheduler::test_coordinator& coordinator() { return *coordinator_; }
  // A mailbox the test owns: send from it, and read what comes back with `reply_to_self`.
  caf::scoped_actor& self() { return *self_; }

  // Delivers every queued message (and what those cause) until nothing is left.
  std::size_t run() { return coordinator_->run(); }

  // Moves the test clock by `duration`, fires what became due, and runs what that caused.
  std::size_t advance(caf::timespan duration) {
    const auto fired = coordinator_->advance_time(duration);
    run();
    return fired;
  }

  // Asks `target` (a request, as actors do), runs what it causes, and gives the failure:
  // none when the answer was a success without a value, else the error (or "no answer").
  template <class... Ts>
  std::optional<caf::error> ask(const caf::actor& target, Ts&&... xs) {
    auto pending = (*self_)->request(target, caf::infinite, std::forward<Ts>(xs)...);
    run();
    if ((*self_)->mailbox().empty()) return make_error(ec::timeout, "no answer");
    std::optional<caf::error> failure;
    pending.receive([] {}, [&](caf::error& error) { failure = std::move(error); });
    return failure;
  }

  // The next message in the test's own mailbox, if one arrived (never waits).
  template <class... Ts>
  std::optional<std::tuple<Ts...>> next_message() {
    std::optional<std::tuple<Ts...>> result;
    (*self_)->receive([&](Ts... xs) { result.emplace(std::move(xs)...); },
                      caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  }

 private:
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::scheduler::test_coordinator* coordinator_ = nullptr;
  std::unique_ptr<caf::scoped_actor> self_;
};

}  // namespace eventbot::testing
