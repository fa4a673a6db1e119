#pragma once
// A real Master in the test process: its store on disk in a temporary directory, its
// actors, its port on 127.0.0.1 (any free port), and a FakeClock the test moves.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/master/master.hpp"
#include "actors/messages/actors.hpp"
#include "actors/messages/errors.hpp"
#include "actors/port/port_client.hpp"
#include "actors/schedulers/clock.hpp"
#include "events/streams.hpp"
#include "tests/master/master_test_support.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::master_test {

using events::Envelope;
using namespace std::chrono_literals;

constexpr std::int64_t kSecondUs = 1'000'000;

// A master with a tree-stable single-branch scheduler on main, a force scheduler, a
// slave and a sendchange source.
inline std::string basic_config(const std::string& extra_schedulers = "") {
  return R"(title: master e2e
master:
  id: test-master
  slave_port: 0
slaves:
  - {name: s1, password: pw}
change_sources:
  - {type: sendchange, user: change, password: changepw}
schedulers:
  - type: single_branch
    name: stable
    branch: main
    tree_stable_timer: 60
    builders: [runtests]
  - {type: force, name: force, builders: [runtests]}
)" + extra_schedulers +
         R"(builders:
  - name: runtests
    slaves: [s1]
    steps:
      - {type: shell, name: test, command: "true"}
)";
}

inline std::vector<Envelope> all_events(store::EventLog& log) {
  std::vector<Envelope> out;
  auto scanned = log.scan(Sequence(1), Sequence(0), [&](const Envelope& event) {
    out.push_back(event);
    return true;
  });
  EXPECT_TRUE(scanned) << scanned.error().message;
  return out;
}

template <class Predicate>
std::vector<Envelope> events_where(store::EventLog& log, Predicate&& keep) {
  std::vector<Envelope> out;
  for (auto& event : all_events(log)) {
    if (keep(event)) out.push_back(std::move(event));
  }
  return out;
}

inline std::vector<events::BuildsetSubmitted> buildsets_of(store::EventLog& log,
                                                           const std::string& scheduler) {
  std::vector<events::BuildsetSubmitted> out;
  for (const auto& event : all_events(log)) {
    if (event.has_buildset_submitted() && event.buildset_submitted().scheduler() == scheduler) {
      out.push_back(event.buildset_submitted());
    }
  }
  return out;
}

// The envelopes of a scheduler's buildsets, in log order.
inline std::vector<Envelope> buildset_events_of(store::EventLog& log,
                                                const std::string& scheduler) {
  return events_where(log, [&](const Envelope& e) {
    return e.has_buildset_submitted() && e.buildset_submitted().scheduler() == scheduler;
  });
}

// The requests of a buildset, in log order.
inline std::vector<Envelope> requests_of(store::EventLog& log, std::uint64_t buildset_id) {
  return events_where(log, [&](const Envelope& e) {
    return e.has_build_request_submitted() &&
           e.build_request_submitted().buildset_id() == buildset_id;
  });
}

inline std::vector<std::uint64_t> change_ids_of(const events::BuildsetSubmitted& buildset) {
  std::vector<std::uint64_t> ids;
  for (const auto& ss : buildset.sourcestamps()) {
    for (auto id : ss.change_ids()) ids.push_back(id);
  }
  return ids;
}

inline std::size_t count_where(store::EventLog& log,
                               const std::function<bool(const Envelope&)>& keep) {
  return events_where(log, keep).size();
}

inline auto classified_by(const std::string& scheduler) {
  return [scheduler](const Envelope& e) {
    return e.has_scheduler_change_classified() &&
           e.scheduler_change_classified().scheduler() == scheduler;
  };
}

inline auto timer_set_by(const std::string& scheduler) {
  return [scheduler](const Envelope& e) {
    return e.has_scheduler_timer_set() && e.scheduler_timer_set().scheduler() == scheduler;
  };
}

inline auto start_mark_of(const std::string& scheduler) {
  return [scheduler](const Envelope& e) {
    return e.stream() == streams::scheduler(scheduler) && e.has_scheduler_state_saved() &&
           e.scheduler_state_saved().key() == schedulers::kStartKey;
  };
}

// A connected, authenticated change sender.
inline std::unique_ptr<port::PortClient> change_sender(unsigned short port) {
  auto client = port::PortClient::connect("127.0.0.1", port, wire::CHANGE_SENDER, "change",
                                          "changepw", std::chrono::seconds(10));
  EXPECT_TRUE(client) << client.error();
  return client ? std::move(*client) : nullptr;
}

// Submits a change and returns its id (0 if it was not recorded).
inline std::uint64_t submit_change(port::PortClient& client, const std::string& who,
                                   const std::string& branch, const std::string& file) {
  wire::Frame frame;
  auto* change = frame.mutable_submit_change()->mutable_change();
  change->set_who(who);
  change->set_branch(branch);
  change->add_files(file);
  auto sent = client.send(frame);
  EXPECT_TRUE(sent) << sent.error();
  if (!sent) return 0;
  auto answer = client.receive(std::chrono::seconds(10));
  EXPECT_TRUE(answer) << answer.error();
  if (!answer) return 0;
  EXPECT_TRUE(answer->has_change_recorded()) << answer->DebugString();
  return answer->change_recorded().change_id();
}

inline std::uint64_t send_change(unsigned short port, const std::string& who,
                                 const std::string& branch, const std::string& file) {
  auto client = change_sender(port);
  return client ? submit_change(*client, who, branch, file) : 0;
}

// Asks the supervisor to hand `command` to `scheduler`; its answer ("ok" or the reason why not).
inline std::string command(master::Master& m, const std::string& scheduler,
                           schedulers::Command cmd) {
  caf::scoped_actor self{m.supervisor().home_system()};
  std::string answer = "no answer";
  self->request(m.supervisor(), std::chrono::seconds(30), master::command_atom::value, scheduler,
                std::make_shared<const schedulers::Command>(std::move(cmd)))
      .receive([&]() { answer = "ok"; },
               [&](caf::error& error) {
                 // A scheduler's refusal reads as its reason; no answer at all as "error: ".
                 answer = error.category() == kErrorCategory ? describe(error)
                                                             : "error: " + caf::to_string(error);
               });
  return answer;
}

// The scheduler actor running under `name` (invalid if none).
inline caf::actor scheduler_actor(master::Master& m, const std::string& name) {
  caf::scoped_actor self{m.supervisor().home_system()};
  caf::actor handle;
  self->request(m.supervisor(), std::chrono::seconds(30), master::get_atom::value, name)
      .receive([&](const caf::actor& result) { handle = result; },
               [&](caf::error& error) { ADD_FAILURE() << caf::to_string(error); });
  return handle;
}

// Waits until the (non-force) scheduler has decided everything sent to it before and
// folded its own appends: a Force is refused by such a scheduler, and the refusal comes
// back only once the command was decided.
inline bool settle(master::Master& m, const std::string& scheduler) {
  return testing::wait_until([&] {
    auto answer = command(m, scheduler, schedulers::Force{"settle", "", {}, "", "", "", {}, {}});
    return answer != "ok" && answer.find("error:") != 0;
  });
}

class InProcessMaster : public ::testing::Test {
 protected:
  void TearDown() override { master_.reset(); }

  std::unique_ptr<master::Master> start_master() {
    master::MasterOptions options;
    options.dir = dir_.path();
    options.clock = &clock_;
    options.slave_port = 0;
    options.web_port = 0;  // tests run in parallel: never the fixed 8010
    auto started = master::Master::start(options);
    EXPECT_TRUE(started) << (started ? "" : started.error());
    return started ? std::move(*started) : nullptr;
  }

  void start(const std::string& config) {
    write_file(dir_ / "master.yaml", config);
    master_ = start_master();
    ASSERT_TRUE(master_);
  }

  void tick() { caf::anon_send(master_->supervisor(), master::tick_atom::value); }

  store::EventLog& log() { return master_->log(); }

  // Starts at the real time: changes are stamped by the store's clock, and their
  // tree-stable timers count from that stamp.
  schedulers::FakeClock clock_{schedulers::SystemClock().now_us()};
  testing::TempDir dir_{"master-e2e"};
  std::unique_ptr<master::Master> master_;
};

}  // namespace eventbot::master_test
