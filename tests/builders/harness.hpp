#pragma once
// A fake log for the builder cores: assigns sequences, stream versions and times like the
// store, checks expected versions (so a stale claim conflicts as it would), and folds every
// appended event into the cores registered with it. Plus builders of configs and events.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actors/builders/distributor_core.hpp"
#include "events/causes.hpp"
#include "events/streams.hpp"

namespace eventbot::builders::testing {

constexpr std::int64_t kSecond = 1'000'000;
constexpr char kMaster[] = "m1";

class FakeLog {
 public:
  // Every appended event goes to each sink, in order.
  void on_event(std::function<void(const Envelope&)> sink) { sinks_.push_back(std::move(sink)); }

  // Appends like the store: all or nothing after checking expectations. time_us 0 gets
  // the log's clock, which advances one second per event.
  bool append(const store::AppendRequest& request) {
    for (const auto& [stream, expected] : request.expected) {
      if (!expected.matches(StreamVersion{versions_[stream]})) return false;
    }
    for (std::size_t i = 0; i < request.events.size(); ++i) {
      Envelope e = request.events[i];
      e.set_sequence(++sequence_);
      if (auto cause = request.caused_in_batch.find(i); cause != request.caused_in_batch.end()) {
        const auto& by = log_[log_.size() - (i - cause->second)];
        events::link_to(e, events::Cause::of(by));
      }
      e.set_stream_version(++versions_[e.stream()]);
      if (e.time_us() == 0) e.set_time_us(now_ += kSecond);
      log_.push_back(e);
      for (auto& sink : sinks_) sink(e);
    }
    return true;
  }
  bool append(Envelope e) {
    store::AppendRequest r;
    r.events.push_back(std::move(e));
    return append(r);
  }

  std::uint64_t version(const std::string& stream) { return versions_[stream]; }
  const std::vector<Envelope>& events() const { return log_; }
  void advance(std::int64_t us) { now_ += us; }

  // Conveniences: each appends one event (or a buildset with its requests).
  // A buildset with one request per builder; returns the request ids in builder order.
  std::vector<std::uint64_t> submit(std::vector<std::string> builders,
                                    std::vector<events::SourceStamp> stamps = {},
                                    std::vector<std::int32_t> priorities = {},
                                    std::vector<events::Property> properties = {},
                                    const std::string& reason = "because") {
    const std::uint64_t bsid = ++buildset_id_;
    Envelope bs;
    bs.set_stream(streams::buildset(bsid));
    auto* b = bs.mutable_buildset_submitted();
    b->set_buildset_id(bsid);
    b->set_reason(reason);
    for (auto& ss : stamps) *b->add_sourcestamps() = ss;
    for (auto& p : properties) *b->add_properties() = p;
    std::vector<std::uint64_t> ids;
    for (std::size_t i = 0; i < builders.size(); ++i) {
      ids.push_back(++request_id_);
      b->add_builder_names(builders[i]);
      b->add_build_request_ids(ids.back());
    }
    store::AppendRequest r;
    r.events.push_back(bs);
    for (std::size_t i = 0; i < builders.size(); ++i) {
      Envelope e;
      e.set_stream(streams::build_request(ids[i]));
      auto* body = e.mutable_build_request_submitted();
      body->set_request_id(ids[i]);
      body->set_buildset_id(bsid);
      body->set_builder(builders[i]);
      body->set_priority(i < priorities.size() ? priorities[i] : 0);
      r.events.push_back(e);
    }
    EXPECT_TRUE(append(r));
    return ids;
  }
  std::uint64_t submit_one(const std::string& builder, events::SourceStamp stamp,
                           std::int32_t priority = 0) {
    return submit({builder}, {std::move(stamp)}, {priority})[0];
  }

  void attach(const std::string& slave, const std::string& master = kMaster) {
    Envelope e;
    e.set_stream(streams::slave(slave));
    e.set_master_id(master);
    e.mutable_slave_attached()->set_slave(slave);
    e.mutable_slave_attached()->set_master_id(master);
    append(e);
  }
  void detach(const std::string& slave, const std::string& master = kMaster) {
    Envelope e;
    e.set_stream(streams::slave(slave));
    e.set_master_id(master);
    e.mutable_slave_detached()->set_slave(slave);
    append(e);
  }
  void shutdown(const std::string& slave) {
    Envelope e;
    e.set_stream(streams::slave(slave));
    e.mutable_slave_shutdown_requested()->set_slave(slave);
    append(e);
  }
  void master_started(const std::string& master = kMaster) {
    Envelope e;
    e.set_stream(streams::master(master));
    e.set_master_id(master);
    e.mutable_master_started()->set_master_id(master);
    append(e);
  }
  void finish(const std::string& builder, std::uint32_t number) {
    Envelope e;
    e.set_stream(streams::build(builder, number));
    e.mutable_build_finished()->set_builder(builder);
    e.mutable_build_finished()->set_number(number);
    append(e);
  }
  void complete(std::uint64_t request) {
    Envelope e;
    e.set_stream(streams::build_request(request));
    e.mutable_build_request_completed()->set_request_id(request);
    append(e);
  }
  void cancel(std::uint64_t request) {
    Envelope e;
    e.set_stream(streams::build_request(request));
    e.mutable_build_request_cancelled()->set_request_id(request);
    append(e);
  }
  void unclaim(std::uint64_t request) {
    Envelope e;
    e.set_stream(streams::build_request(request));
    e.mutable_build_request_unclaimed()->set_request_id(request);
    append(e);
  }
  // Another master's claim.
  void claim(std::uint64_t request, const std::string& master = "m2") {
    Envelope e;
    e.set_stream(streams::build_request(request));
    e.set_master_id(master);
    e.mutable_build_request_claimed()->set_request_id(request);
    e.mutable_build_request_claimed()->set_master_id(master);
    append(e);
  }

 private:
  std::vector<std::function<void(const Envelope&)>> sinks_;
  std::vector<Envelope> log_;
  std::map<std::string, std::uint64_t> versions_;
  std::uint64_t sequence_ = 0;
  std::int64_t now_ = 1'700'000'000 * kSecond;
  std::uint64_t buildset_id_ = 0;
  std::uint64_t request_id_ = 0;
};

inline events::SourceStamp stamp(const std::string& branch, std::vector<std::uint64_t> changes = {},
                                 const std::string& revision = "",
                                 const std::string& repository = "git://example/repo") {
  events::SourceStamp ss;
  ss.set_repository(repository);
  ss.set_project("proj");
  ss.set_branch(branch);
  ss.set_revision(revision);
  for (auto c : changes) ss.add_change_ids(c);
  return ss;
}

inline config::SlaveConfig slave_config(const std::string& name, int max_builds = 0) {
  config::SlaveConfig s;
  s.name = name;
  s.password = "pw";
  s.max_builds = max_builds;
  return s;
}

inline config::BuilderConfig builder_config(
    const std::string& name, std::vector<std::string> slaves,
    config::NextSlavePolicy next_slave = config::NextSlavePolicy::in_order) {
  config::BuilderConfig b;
  b.name = name;
  b.slaves = std::move(slaves);
  b.builddir = name;
  b.next_slave = next_slave;
  return b;
}

// A core folded from a FakeLog, with helpers to decide and to append what it decided.
struct Fixture {
  explicit Fixture(config::MasterConfig c) : config(std::move(c)), core(config, kMaster) {
    log.on_event([this](const Envelope& e) { core.evolve(e); });
  }

  std::vector<StartBuild> decide(std::uint64_t seed = 1) const {
    Random random(seed);
    return core.decide(random);
  }
  // Decides and appends every build, in order; returns them.
  std::vector<StartBuild> start_all(std::uint64_t seed = 1) {
    auto starts = decide(seed);
    for (const auto& s : starts) EXPECT_TRUE(log.append(core.append_request_for(s)));
    return starts;
  }

  config::MasterConfig config;
  DistributorCore core;
  FakeLog log;
};

}  // namespace eventbot::builders::testing
