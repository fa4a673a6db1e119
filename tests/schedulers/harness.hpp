#pragma once
// A fake event log for the scheduler cores: assigns sequences, stream versions and times
// like the store (checking expected versions), folds every appended event into every
// core, and plays the actor's part: it stamps commands from a FakeClock, allocates
// buildset and request ids, and fires the timers the cores list, so a week of Nightly
// runs in milliseconds.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/schedulers/buildset_events.hpp"
#include "actors/schedulers/clock.hpp"
#include "actors/schedulers/make_scheduler.hpp"
#include "events/streams.hpp"

namespace eventbot::schedulers::testing {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

// Sets TZ for the test's lifetime (the cores read local time through localtime_r).
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTimeZone() {
    if (old_) {
      ::setenv("TZ", old_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

// Microseconds since the epoch of a UTC calendar time.
inline std::int64_t utc(int year, int month, int day, int hour = 0, int minute = 0,
                        int second = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return std::int64_t{::timegm(&tm)} * kSecond;
}

inline events::ChangeAdded change(const std::string& branch,
                                  std::vector<std::string> files = {"src/main.cpp"},
                                  const std::string& revision = "") {
  events::ChangeAdded c;
  c.set_branch(branch);
  c.set_revision(revision);
  c.set_who("alice");
  c.set_repository("git://example/repo");
  c.set_project("proj");
  for (auto& f : files) c.add_files(f);
  return c;
}

inline config::SchedulerConfig scheduler_config(config::SchedulerType type, const std::string& name,
                                                std::vector<std::string> builders = {"b1"}) {
  config::SchedulerConfig c;
  c.type = type;
  c.name = name;
  c.builders = std::move(builders);
  return c;
}

inline std::unique_ptr<SchedulerCore> make(const config::SchedulerConfig& config) {
  auto core = make_scheduler(config);
  EXPECT_TRUE(core.has_value()) << (core ? "" : core.error().message);
  return core ? std::move(*core) : nullptr;
}

inline Decision ok(const DecideResult& result) {
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
  return result ? *result : Decision{};
}

class World {
 public:
  explicit World(std::int64_t start_us = utc(2024, 1, 1)) : clock(start_us) {}

  FakeClock clock;
  std::vector<Envelope> log;

  // Adds a scheduler: folds the log so far into it and starts it.
  SchedulerCore& add(const config::SchedulerConfig& config) {
    configs_.push_back(config);
    auto& core = cores_[config.name];
    core = make(config);
    for (const auto& e : log) core->evolve(e);
    start(*core);
    return *core;
  }

  SchedulerCore& core(const std::string& name) { return *cores_.at(name); }

  // The master restarts: every core is rebuilt from the log alone, then started.
  void restart() {
    for (const auto& config : configs_) {
      auto& core = cores_[config.name];
      core = make(config);
      for (const auto& e : log) core->evolve(e);
    }
    for (auto& [name, core] : cores_) start(*core);
  }

  // A new configuration for one scheduler (reconfig): rebuilt from the log, started.
  void reconfigure(const config::SchedulerConfig& config) {
    for (auto& c : configs_) {
      if (c.name == config.name) c = config;
    }
    auto& core = cores_[config.name];
    core = make(config);
    for (const auto& e : log) core->evolve(e);
    start(*core);
  }

  // Appends a change as a change source would, without telling the schedulers (as if
  // the master died right after).
  std::uint64_t append_change(const events::ChangeAdded& c) {
    Envelope e;
    e.set_stream(streams::changes());
    *e.mutable_change_added() = c;
    append({e}, {});
    return log.back().stream_version();
  }

  // Appends a change and lets every scheduler consider it.
  std::uint64_t add_change(const events::ChangeAdded& c) {
    auto id = append_change(c);
    Envelope added = log.back();
    for (auto& [name, core] : cores_) {
      decide(*core, ConsiderChange{id, added.change_added(), added.time_us()});
    }
    return id;
  }

  // Completes a buildset and tells every scheduler (unless the master is "down").
  void complete(std::uint64_t buildset_id, events::Result result, bool tell = true) {
    Envelope e;
    e.set_stream(streams::buildset(buildset_id));
    e.mutable_buildset_completed()->set_buildset_id(buildset_id);
    e.mutable_buildset_completed()->set_result(result);
    append({e}, {});
    if (!tell) return;
    for (auto& [name, core] : cores_) decide(*core, UpstreamCompleted{buildset_id, result});
  }

  // Decides and appends the decision; returns it.
  Decision decide(SchedulerCore& core, const Command& command) {
    auto decision = ok(core.decide(command));
    apply(core, decision);
    return decision;
  }

  void apply(const SchedulerCore& core, const Decision& decision) {
    if (decision.empty()) return;
    auto request = to_append_request(core, decision, last_buildset_ + 1, last_request_ + 1);
    append(std::move(request.events), request.expected);
  }

  // Moves the clock to `until`, firing every timer that comes due on the way at its due
  // time (or at once if overdue), as the actor does.
  void run_until(std::int64_t until) {
    for (;;) {
      SchedulerCore* next_core = nullptr;
      PendingTimer next;
      for (auto& [name, core] : cores_) {
        auto timers = core->next_timers();
        if (!timers.empty() && (!next_core || timers.front().due_us < next.due_us)) {
          next_core = core.get();
          next = timers.front();
        }
      }
      if (!next_core || next.due_us > until) break;
      clock.set(std::max(clock.now_us(), next.due_us));
      auto decision = decide(*next_core, TimerDue{next.name, clock.now_us()});
      EXPECT_FALSE(decision.empty()) << "timer " << next.name << " did not fire";
      if (decision.empty()) break;
    }
    clock.set(std::max(clock.now_us(), until));
  }

  // The buildsets a scheduler submitted, in log order.
  std::vector<events::BuildsetSubmitted> buildsets(const std::string& scheduler) const {
    std::vector<events::BuildsetSubmitted> out;
    for (const auto& e : log) {
      if (e.has_buildset_submitted() && e.buildset_submitted().scheduler() == scheduler) {
        out.push_back(e.buildset_submitted());
      }
    }
    return out;
  }
  // The times (envelope time) of those buildsets.
  std::vector<std::int64_t> buildset_times(const std::string& scheduler) const {
    std::vector<std::int64_t> out;
    for (const auto& e : log) {
      if (e.has_buildset_submitted() && e.buildset_submitted().scheduler() == scheduler) {
        out.push_back(e.time_us());
      }
    }
    return out;
  }

  // Appends like the store: checks expected versions, assigns positions, folds.
  void append(std::vector<Envelope> events,
              const std::map<std::string, store::ExpectedVersion, std::less<>>& expected) {
    for (const auto& [stream, want] : expected) {
      auto it = versions_.find(stream);
      StreamVersion actual(it == versions_.end() ? 0 : it->second);
      ASSERT_TRUE(want.matches(actual)) << "version conflict on " << stream;
    }
    for (auto& e : events) {
      e.set_sequence(log.size() + 1);
      e.set_stream_version(++versions_[e.stream()]);
      e.set_time_us(clock.now_us());
      if (e.has_buildset_submitted()) {
        last_buildset_ = std::max(last_buildset_, e.buildset_submitted().buildset_id());
      }
      if (e.has_build_request_submitted()) {
        last_request_ = std::max(last_request_, e.build_request_submitted().request_id());
      }
      log.push_back(e);
      for (auto& [name, core] : cores_) core->evolve(log.back());
    }
  }

 private:
  void start(SchedulerCore& core) {
    decide(core, Start{clock.now_us(), versions_[streams::changes()], last_buildset_});
  }

  std::vector<config::SchedulerConfig> configs_;
  std::map<std::string, std::unique_ptr<SchedulerCore>> cores_;
  std::map<std::string, std::uint64_t> versions_;
  std::uint64_t last_buildset_ = 0;
  std::uint64_t last_request_ = 0;
};

inline std::vector<std::uint64_t> change_ids(const events::BuildsetSubmitted& bs) {
  std::vector<std::uint64_t> out;
  for (const auto& ss : bs.sourcestamps())
    out.insert(out.end(), ss.change_ids().begin(), ss.change_ids().end());
  return out;
}

inline std::map<std::string, std::pair<std::string, std::string>> property_map(
    const google::protobuf::RepeatedPtrField<events::Property>& props) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (const auto& p : props) out[p.name()] = {p.value_json(), p.source()};
  return out;
}

}  // namespace eventbot::schedulers::testing
