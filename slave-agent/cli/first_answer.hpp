#pragma once
// What `eventbot-slave start` waits for before it reports: the master's first answer.
// Welcomed: the slave started. Refused (a wrong password or a name the master does not
// know; it does not say which): start fails with the master's reason. No answer
// within start_timeout: start fails with the last error. Later disconnects are the
// session's business: it reconnects, as before.
// The session's connection thread reports attempts; the main thread asks for the verdict.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "slave-agent/session/slave_session.hpp"

namespace eventbot::slave {

class FirstAnswer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit FirstAnswer(Clock::time_point deadline) : deadline_(deadline) {}

  void attempt(const ConnectOutcome& outcome) {
    std::lock_guard lock(mutex_);
    if (answer_) return;
    if (outcome.kind == ConnectOutcome::Kind::unreachable) {
      last_problem_ = outcome.message;
    } else {
      answer_ = outcome;
    }
  }

  // Nothing while it is still waiting; else the answer, or `unreachable` with the last
  // problem once the deadline has passed without one.
  std::optional<ConnectOutcome> verdict(Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    if (answer_) return answer_;
    if (now < deadline_) return std::nullopt;
    return ConnectOutcome{ConnectOutcome::Kind::unreachable,
                          last_problem_.empty() ? "no answer" : last_problem_};
  }

 private:
  mutable std::mutex mutex_;
  Clock::time_point deadline_;
  std::optional<ConnectOutcome> answer_;
  std::string last_problem_;
};

}  // namespace eventbot::slave
