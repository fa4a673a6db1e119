#pragma once
// The distributor and its build actors on CAF's test coordinator, over a real RocksDB
// store in a temporary directory. The test plays the two parts around them that need a
// network or a thread: the supervisor's subscription (pump() hands the distributor every
// event appended since the last call, as the store's subscription does) and the slave
// (a stand-in actor speaking the slave actor's messages: it takes commands, and the test
// sends the builds their updates).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/config/config_loader.hpp"
#include "actors/master/distributor_actor.hpp"
#include "actors/port/hand_over.hpp"
#include "actors/slaves/slave_hub.hpp"
#include "events/streams.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/support/deterministic_actors.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::actor_test {

using events::Envelope;
using namespace eventbot::master;

inline constexpr char kMaster[] = "m1";
inline constexpr std::uint32_t kFirst = 0;  // a builder's first build number

// What the stand-in slave was asked.
struct SlaveLog {
  std::vector<std::string> commands;     // command ids, in order
  std::map<std::string, caf::actor> by;  // command id -> the build that sent it
  int expects = 0;                       // builds taken back after a restart
  std::vector<std::string> interrupts;
};

inline caf::behavior stand_in_slave(caf::event_based_actor*, std::shared_ptr<SlaveLog> log) {
  return {
      [=](run_atom, const FramePtr& start, const caf::actor& build) -> caf::result<void> {
        const auto& id = start->start_command().command_id();
        log->commands.push_back(id);
        log->by[id] = build;
        return caf::unit;
      },
      [=](ack_atom, const std::string&, std::uint64_t, bool) {},
      [=](interrupt_atom, const std::string& id, const std::string&) {
        log->interrupts.push_back(id);
      },
      [=](expect_atom, const std::string&, const caf::actor&, std::uint64_t) { ++log->expects; },
      [=](data_atom, const FramePtr&) {},
  };
}

// A master.yaml for these tests: slave s1, the lock `solo`, and `builders` (YAML lines).
inline std::string config_with(const std::string& locks, const std::string& builders) {
  return "master:\n  id: m1\nslaves:\n  - {name: s1, password: pw}\nlocks:\n" + locks +
         "builders:\n" + builders;
}

// A builder on s1 with one shell step; `locks` its builder locks ("" for none).
inline std::string builder(const std::string& name, const std::string& locks) {
  return "  - name: " + name + "\n    slaves: [s1]\n" +
         (locks.empty() ? "" : "    locks: [" + locks + "]\n") +
         "    steps:\n      - {type: shell, name: work, command: \"true\"}\n";
}

class BuildActors : public testing::DeterministicActors {
 protected:
  BuildActors() {
    store::RocksOptions options;
    options.dir = dir_ / "events";
    options.durability = store::Durability::no_sync;
    auto opened = store::RocksEventLog::open(options);
    if (!opened) ADD_FAILURE() << opened.error().message;
    log_ = std::move(*opened);
    hub_ = std::make_unique<slaves::SlaveHub>(*log_, kMaster, hand_over_,
                                              slaves::SlaveHub::Handlers{});
    slave_log_ = std::make_shared<SlaveLog>();
    slave_ = system().spawn(stand_in_slave, slave_log_);
    hub_->set_actor("s1", slave_);
    context_.log = log_.get();
    context_.master_id = kMaster;
    context_.master_dir = dir_.path();
    context_.hub = hub_.get();
    context_.detached_builds = false;  // on the test coordinator
  }

  ~BuildActors() override {
    // A distributor's exit stops its builds (as at a master's stop).
    for (auto& actor : stop_at_end_) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(slave_, caf::exit_reason::kill);
    run();
  }

  ConfigPtr load(const std::string& yaml) {
    auto loaded = config::load_config_string(yaml, "master.yaml");
    if (!loaded) {
      ADD_FAILURE() << "the test's configuration does not load";
      return nullptr;
    }
    return std::make_shared<const config::MasterConfig>(std::move(*loaded));
  }

  void append(std::vector<Envelope> events) {
    store::AppendRequest request;
    for (auto& event : events) {
      event.set_master_id(kMaster);
      request.events.push_back(std::move(event));
    }
    auto appended = log_->append(std::move(request));
    ASSERT_TRUE(appended) << appended.error().message;
  }

  // s1 attached to this master; one buildset with a request for each builder.
  void submit(const std::vector<std::string>& builders) {
    Envelope attached;
    attached.set_stream(streams::slave("s1"));
    attached.mutable_slave_attached()->set_slave("s1");
    attached.mutable_slave_attached()->set_master_id(kMaster);
    std::vector<Envelope> events{attached};
    const auto buildset = ++buildsets_;
    Envelope set;
    set.set_stream(streams::buildset(buildset));
    set.mutable_buildset_submitted()->set_buildset_id(buildset);
    set.mutable_buildset_submitted()->set_reason("test");
    for (const auto& name : builders) {
      const auto id = ++requests_;
      set.mutable_buildset_submitted()->add_builder_names(name);
      set.mutable_buildset_submitted()->add_build_request_ids(id);
      Envelope request;
      request.set_stream(streams::build_request(id));
      request.mutable_build_request_submitted()->set_request_id(id);
      request.mutable_build_request_submitted()->set_buildset_id(buildset);
      request.mutable_build_request_submitted()->set_builder(name);
      events.push_back(request);
    }
    events.insert(events.begin() + 1, set);
    append(std::move(events));
  }

  // A distributor (as the supervisor spawns one) that has folded the log up to its head.
  caf::actor start_distributor(const ConfigPtr& config) {
    auto distributor = system().spawn(distributor_actor, context_, config);
    stop_at_end_.push_back(distributor);
    fed_ = log_->head().value();
    auto refused = ask(distributor, init_atom::value, fed_);
    EXPECT_FALSE(refused) << "the distributor did not accept init: " << describe(*refused);
    distributor_ = distributor;
    pump();
    return distributor;
  }

  // Runs the actors and hands the distributor what they appended, until nothing moves.
  void pump() {
    for (;;) {
      run();
      const auto head = log_->head().value();
      if (head <= fed_ || !distributor_) return;
      auto batch = std::make_shared<std::vector<Envelope>>();
      auto scanned = log_->scan(Sequence(fed_ + 1), Sequence(head), [&](const Envelope& e) {
        batch->push_back(e);
        return true;
      });
      ASSERT_TRUE(scanned) << scanned.error().message;
      fed_ = head;
      self()->send(distributor_, events_atom::value, EventBatch(std::move(batch)));
    }
  }

  // The stand-in slave finishes command `id` (rc 0), as the slave's last update does.
  void complete(const std::string& id) {
    auto frame = std::make_shared<wire::Frame>();
    auto* update = frame->mutable_command_update();
    update->set_command_id(id);
    update->set_seq(1);
    update->set_complete(true);
    update->mutable_result()->set_outcome(wire::FINISHED);
    update->mutable_result()->set_rc(0);
    ASSERT_TRUE(slave_log_->by.count(id)) << "no build sent command " << id;
    self()->send(slave_log_->by.at(id), update_atom::value, FramePtr(frame));
    pump();
  }

  std::vector<Envelope> events_where(const std::function<bool(const Envelope&)>& keep) {
    std::vector<Envelope> out;
    auto scanned = log_->scan(Sequence(1), Sequence(0), [&](const Envelope& e) {
      if (keep(e)) out.push_back(e);
      return true;
    });
    EXPECT_TRUE(scanned);
    return out;
  }

  std::vector<Envelope> of_build(const std::string& name, std::uint32_t number) {
    return events_where(
        [&](const Envelope& e) { return e.stream() == streams::build(name, number); });
  }

  std::vector<Envelope> finished(const std::string& name, std::uint32_t number) {
    return events_where([&](const Envelope& e) {
      return e.has_build_finished() && e.build_finished().builder() == name &&
             e.build_finished().number() == number;
    });
  }

  std::size_t count(const std::vector<Envelope>& events, bool (Envelope::*has)() const) {
    return static_cast<std::size_t>(
        std::count_if(events.begin(), events.end(), [&](const Envelope& e) { return (e.*has)(); }));
  }

  // How many builds the distributor tracks as running here.
  std::uint64_t builds_running() {
    self()->send(distributor_, get_atom::value);
    run();
    auto answer = next_message<std::uint64_t>();
    EXPECT_TRUE(answer.has_value());
    return answer ? std::get<0>(*answer) : 0;
  }

  void stop_build(const std::string& name, std::uint32_t number) {
    Envelope stop;
    stop.set_stream(streams::build(name, number));
    stop.mutable_build_stop_requested()->set_builder(name);
    stop.mutable_build_stop_requested()->set_build_number(number);
    stop.mutable_build_stop_requested()->set_who("alice");
    stop.mutable_build_stop_requested()->set_reason("not needed");
    append({stop});
    pump();
  }

  testing::TempDir dir_{"eventbot-actors"};
  std::unique_ptr<store::RocksEventLog> log_;
  port::HandOver hand_over_;  // the hub hands refused logins' records to it (unused here)
  std::unique_ptr<slaves::SlaveHub> hub_;
  std::shared_ptr<SlaveLog> slave_log_;
  caf::actor slave_;
  BuildContext context_;
  caf::actor distributor_;
  std::vector<caf::actor> stop_at_end_;
  std::uint64_t fed_ = 0;
  std::uint64_t buildsets_ = 0;
  std::uint64_t requests_ = 0;
};

}  // namespace eventbot::actor_test
