#pragma once
// The builds' end-to-end fixture (BuildE2E), shared by the e2e suites: the real
// `eventbot` master daemon and `eventbot-slave` agents on 127.0.0.1, master.yaml written
// by start_master (a `web` section on the free port web_port_), and the master's event
// log read back through a read-only view.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "events/event_type.hpp"
#include "events/streams.hpp"
#include "tests/master/build_e2e_support.hpp"
#include "tests/master/master_test_support.hpp"
#include "tests/master/store_verify_support.hpp"
#include "tests/slave-agent/agent_process.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificates.hpp"

namespace eventbot::testing {

namespace fs = std::filesystem;
using build_e2e::EventLogView;
using build_e2e::TcpProxy;
using events::Envelope;
using nlohmann::json;
using namespace std::chrono_literals;

inline std::string eventbot() {
  return binary_dir() + "/eventbot";
}

inline std::string describe(const ProcessResult& result) {
  return "exit " + std::to_string(result.exit_code) + "\nstdout:\n" + result.out + "\nstderr:\n" +
         result.err;
}

inline std::string tail(const std::string& text, std::size_t bytes = 6000) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

// A process that is gone or a zombie (a killed daemon's parent is init, which may be
// slow to reap it).
inline bool dead(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto close = line.rfind(')');
  return close == std::string::npos || line.substr(close + 2, 1) == "Z";
}

// The lines "<word> 1\n" ... "<word> n\n".
inline std::string numbered_lines(const std::string& word, int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += word + " " + std::to_string(i) + "\n";
  return out;
}

// A shell loop printing "<word> 1" ... "<word> n", one line every `pause` seconds.
inline std::string printing_loop(const std::string& word, int n, const std::string& pause) {
  return "i=1; while [ $i -le " + std::to_string(n) + " ]; do echo " + word +
         " $i; i=$((i+1)); sleep " + pause + "; done";
}

// What the log says about one build.
struct BuildView {
  bool started = false;
  std::uint64_t started_seq = 0;
  std::string slave;
  std::vector<std::uint64_t> request_ids;
  std::vector<std::uint32_t> steps_started;
  std::vector<std::uint32_t> commands_sent;
  std::map<std::uint32_t, events::StepFinished> steps_finished;
  std::map<std::uint32_t, std::uint64_t> step_finished_seq;
  std::map<std::string, json> properties;  // from BuildStarted, then BuildPropertiesSet
  std::optional<events::BuildFinished> finished;
  std::uint64_t finished_seq = 0;
};

class BuildE2E : public ::testing::Test {
 protected:
  void TearDown() override {
    // EVENTBOT_E2E_DUMP=1 shows the logs of passing tests too.
    if (HasFailure() || std::getenv("EVENTBOT_E2E_DUMP")) dump();
    proxy_.reset();
    for (auto& [name, agent] : agents_) agent->stop();
    if (master_running()) {
      auto stopped = run_process({eventbot(), "stop", master_dir().string()});
      if (stopped.exit_code != 0 && master_pid_) ::kill(*master_pid_, SIGKILL);
    }
    build_e2e::kill_processes_under(root_.path());
    expect_store_verifies(master_dir());  // whatever the scenario did
    if (mounted_) ::umount2(master_dir().c_str(), MNT_DETACH);
  }

  // The master's directory on a tmpfs of its own of `bytes` (we run as root); false
  // (with the reason) where mounting is not allowed.
  bool mount_small_disk(std::size_t bytes, std::string& why) {
    fs::create_directories(master_dir());
    const auto options = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", master_dir().c_str(), "tmpfs", 0, options.c_str()) != 0) {
      why = std::string("mount: ") + std::strerror(errno);
      return false;
    }
    mounted_ = true;
    return true;
  }

  // --- the master -------------------------------------------------------------------

  fs::path master_dir() const { return root_.path() / "master"; }

  // Writes master.yaml (the master section with `master_extra` keys, the sendchange
  // source, then `rest`) and starts the daemon; returns once its port accepts connections.
  void start_master(const std::string& rest, int reattach_grace = 10,
                    const std::string& master_extra = "") {
    port_ = master_test::free_port();
    ASSERT_NE(port_, 0);
    web_port_ = master_test::free_port();
    ASSERT_NE(web_port_, 0);
    fs::create_directories(master_dir());
    master_test::write_file(master_dir() / "master.yaml",
                            "title: builds e2e\n"
                            "master: {id: e2e, slave_port: " +
                                std::to_string(port_) +
                                ", heartbeat_interval: 1, dead_after: 3, reattach_grace: " +
                                std::to_string(reattach_grace) + tls_setting() +
                                (master_extra.empty() ? "" : ", " + master_extra) +
                                "}\n"
                                "change_sources:\n"
                                "  - {type: sendchange, user: change, " +
                                sendchange_credential_ + "}\n" + with_web_port(rest));
    auto checked = run_process({eventbot(), "checkconfig", master_dir().string()});
    ASSERT_EQ(checked.exit_code, 0) << describe(checked);
    ASSERT_NO_FATAL_FAILURE(launch_master());
  }

  // A `web` section listens on web_port_, not on the default port, which tests running
  // at once would share.
  std::string with_web_port(std::string rest) const {
    auto at = rest.find("\nweb:\n");
    if (rest.starts_with("web:\n")) at = 0;
    if (at == std::string::npos) return rest;
    auto after = rest.find('\n', at + 1) + 1;
    return rest.insert(after, "  port: " + std::to_string(web_port_) + "\n");
  }

  // With tls_ set: the port speaks TLS, and every client trusts tls_'s certificate.
  std::string tls_setting() const {
    if (!tls_) return {};
    return ", tls: {certificate: " + tls_->certificate.string() + ", key: " + tls_->key.string() +
           "}";
  }
  std::vector<std::string> client_tls_options() const {
    if (!tls_) return {};
    return {"--ca", tls_->certificate.string()};
  }

  void launch_master() {
    auto started = run_process({eventbot(), "start", master_dir().string()});
    ASSERT_EQ(started.exit_code, 0) << describe(started);
    std::ifstream pid_file(master_dir() / "eventbot.pid");
    int pid = 0;
    ASSERT_TRUE(pid_file >> pid);
    master_pid_ = pid;
    ASSERT_TRUE(master_test::can_connect(port_));
  }

  bool master_running() const { return master_pid_ && !dead(*master_pid_); }

  // SIGKILL: no clean-up at all; returns once the process is gone.
  void kill_master() {
    ASSERT_TRUE(master_running());
    ASSERT_EQ(::kill(*master_pid_, SIGKILL), 0);
    ASSERT_TRUE(wait_for([&] { return dead(*master_pid_); }, 10s, false));
    log_.reopen();
  }

  // `eventbot stop`: the master ends its actors and closes the store.
  void stop_master() {
    auto stopped = run_process({eventbot(), "stop", master_dir().string()});
    ASSERT_EQ(stopped.exit_code, 0) << describe(stopped);
    ASSERT_TRUE(dead(*master_pid_));
    log_.reopen();
  }

  void restart_master() {
    ASSERT_NO_FATAL_FAILURE(launch_master());
    log_.reopen();
  }

  ProcessResult sendchange(const std::string& branch, const std::string& revision,
                           const std::vector<std::string>& more = {}) {
    std::vector<std::string> argv = {
        eventbot(), "sendchange", "--master", "127.0.0.1:" + std::to_string(port_),
        "--who",    "tester",     "--branch", branch,
        "-r",       revision};
    argv.insert(argv.end(), more.begin(), more.end());
    for (const auto& option : client_tls_options()) argv.push_back(option);
    argv.push_back("file.c");
    return run_process(argv);
  }

  // --- slaves -----------------------------------------------------------------------

  fs::path slave_dir(const std::string& name) const { return root_.path() / ("slave-" + name); }

  // create-slave (quick reconnects: 0.2 s, at most 1 s apart), then the agent in the
  // foreground as a child of the test. `port` 0: the master's port.
  AgentProcess& start_slave(const std::string& name, const std::string& password,
                            unsigned short port = 0, const std::string& extra_yaml = "") {
    std::vector<std::string> options{"--maxdelay", "1", "--force"};
    for (const auto& option : client_tls_options()) options.push_back(option);
    auto created = create_slave(slave_dir(name), port ? port : port_, name, password,
                                "retry_initial: 0.2\n" + extra_yaml, options);
    EXPECT_EQ(created.exit_code, 0) << describe(created);
    auto& agent = agents_[name];
    agent.reset();
    agent = std::make_unique<AgentProcess>(slave_dir(name));
    return *agent;
  }

  // Waits until every named slave is attached (its last slave event is SlaveAttached).
  bool wait_attached(const std::vector<std::string>& names) {
    return wait_for([&] {
      for (const auto& name : names) {
        const Envelope* last = nullptr;
        for (const auto& e : log_.events()) {
          if (e.stream() == streams::slave(name) &&
              (e.has_slave_attached() || e.has_slave_detached())) {
            last = &e;
          }
        }
        if (!last || !last->has_slave_attached()) return false;
      }
      return true;
    });
  }

  // --- the log ----------------------------------------------------------------------

  // Polls the log until `condition` holds (true) or the deadline passes (false).
  template <class Condition>
  bool wait_for(Condition&& condition, std::chrono::milliseconds deadline = 30s,
                bool refresh = true) {
    auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      if (refresh) log_.refresh();
      if (condition()) return true;
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(20ms);
    }
  }

  std::vector<Envelope> select(bool (Envelope::*has)() const) {
    std::vector<Envelope> out;
    for (const auto& e : log_.events()) {
      if ((e.*has)()) out.push_back(e);
    }
    return out;
  }

  BuildView build(const std::string& builder, std::uint32_t number) {
    BuildView view;
    const auto stream = streams::build(builder, number);
    for (const auto& e : log_.events()) {
      if (e.stream() != stream) continue;
      if (e.has_build_started()) {
        view.started = true;
        view.started_seq = e.sequence();
        view.slave = e.build_started().slave();
        view.request_ids.assign(e.build_started().request_ids().begin(),
                                e.build_started().request_ids().end());
        for (const auto& p : e.build_started().properties()) {
          view.properties[p.name()] = json::parse(p.value_json());
        }
      } else if (e.has_step_started()) {
        view.steps_started.push_back(e.step_started().step_index());
      } else if (e.has_step_command_sent()) {
        view.commands_sent.push_back(e.step_command_sent().step_index());
      } else if (e.has_step_finished()) {
        view.steps_finished[e.step_finished().step_index()] = e.step_finished();
        view.step_finished_seq[e.step_finished().step_index()] = e.sequence();
      } else if (e.has_build_properties_set()) {
        for (const auto& p : e.build_properties_set().properties()) {
          view.properties[p.name()] = json::parse(p.value_json());
        }
      } else if (e.has_build_finished()) {
        view.finished = e.build_finished();
        view.finished_seq = e.sequence();
      }
    }
    return view;
  }

  bool finished(const std::string& builder, std::uint32_t number) {
    return build(builder, number).finished.has_value();
  }

  // How many STDOUT lines one step's stdio log holds so far.
  std::size_t stdout_lines(const std::string& builder, std::uint32_t number, std::uint32_t step) {
    auto text = log_.text(streams::log(builder, number, step, "stdio"));
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }

  // The chunks of a log follow one another: each starts where the one before ended.
  void expect_contiguous(const std::string& log_stream) {
    std::uint64_t offset = 0;
    for (const auto& chunk : log_.chunks(log_stream)) {
      EXPECT_EQ(chunk.offset, offset) << log_stream << " chunk " << chunk.index.value();
      offset = chunk.offset + chunk.data.size();
    }
  }

  // No request is built twice: a second BuildStarted for a request needs a
  // BuildRequestUnclaimed in between, and a request completes at most once (exactly once
  // when `all_complete`).
  void expect_requests_built_once(bool all_complete = true) {
    std::map<std::uint64_t, bool> running;
    std::map<std::uint64_t, int> completed;
    for (const auto& e : log_.events()) {
      if (e.has_build_request_submitted()) {
        running[e.build_request_submitted().request_id()] = false;
        completed[e.build_request_submitted().request_id()] = 0;
      } else if (e.has_build_started()) {
        for (auto id : e.build_started().request_ids()) {
          EXPECT_FALSE(running[id]) << "request " << id << " started again at sequence "
                                    << e.sequence() << " without being unclaimed";
          running[id] = true;
        }
      } else if (e.has_build_request_unclaimed()) {
        running[e.build_request_unclaimed().request_id()] = false;
      } else if (e.has_build_request_completed()) {
        ++completed[e.build_request_completed().request_id()];
      }
    }
    for (const auto& [id, count] : completed) {
      if (all_complete) {
        EXPECT_EQ(count, 1) << "request " << id << " completed " << count << " times";
      } else {
        EXPECT_LE(count, 1) << "request " << id << " completed " << count << " times";
      }
    }
  }

  // Every event the master appended is linked as docs/EVENTS.md says ("Causes and
  // chains"): its cause is the event the rule names, its correlation that cause's chain.
  // Returns how many events of each type were checked.
  std::map<std::string, int> expect_links_as_documented() {
    std::map<std::uint64_t, const Envelope*> at;
    for (const auto& e : log_.events()) at[e.sequence()] = &e;
    std::map<std::string, int> checked;
    for (const auto& e : log_.events()) {
      const std::string where =
          "sequence " + std::to_string(e.sequence()) + " " + e.ShortDebugString().substr(0, 300);
      const Envelope* cause = nullptr;
      if (e.causation_id() != 0) {
        EXPECT_LT(e.causation_id(), e.sequence()) << where;
        auto it = at.find(e.causation_id());
        if (it == at.end()) {
          ADD_FAILURE() << "the cause is not in the log: " << where;
          continue;
        }
        cause = it->second;
        const auto chain =
            cause->correlation_id() != 0 ? cause->correlation_id() : cause->sequence();
        EXPECT_EQ(e.correlation_id(), chain) << where;
      } else {
        EXPECT_EQ(e.correlation_id(), 0u) << "no cause, yet a chain: " << where;
      }
      auto build_of = [](const Envelope& x) -> std::pair<std::string, std::uint32_t> {
        if (x.has_build_started()) return {x.build_started().builder(), x.build_started().number()};
        if (x.has_step_started()) {
          return {x.step_started().builder(), x.step_started().build_number()};
        }
        if (x.has_build_finished()) {
          return {x.build_finished().builder(), x.build_finished().number()};
        }
        return {};
      };
      // The cause must be `has` of the same build (and step, if `step` >= 0).
      auto expect_cause = [&](bool (Envelope::*has)() const, const std::string& builder,
                              std::uint32_t number, std::int64_t step = -1) {
        ASSERT_TRUE(cause && (cause->*has)()) << "wrong cause for " << where;
        EXPECT_EQ(build_of(*cause), (std::pair<std::string, std::uint32_t>{builder, number}))
            << where;
        if (step >= 0) {
          EXPECT_EQ(cause->step_started().step_index(), step) << where;
        }
      };
      bool counted = true;
      // (A lambda, so that ASSERT_* ends the check of this event only.)
      [&] {
        if (e.has_change_added() || e.has_scheduler_timer_fired()) {
          EXPECT_EQ(cause, nullptr) << "a chain starts here: " << where;
        } else if (e.has_buildset_submitted()) {
          const auto& c = e.buildset_submitted().cause();
          if (c.kind() == events::BuildsetCause::CHANGE) {
            ASSERT_TRUE(cause && cause->has_change_added()) << where;
            ASSERT_EQ(c.change_ids_size(), 1) << where;
            EXPECT_EQ(cause->stream_version(), c.change_ids(0)) << where;
          } else if (c.kind() == events::BuildsetCause::TRIGGER) {
            expect_cause(&Envelope::has_step_started, c.parent_builder(), c.parent_build_number(),
                         c.parent_step_index());
          } else if (c.kind() == events::BuildsetCause::TIMER) {
            EXPECT_TRUE(cause && cause->has_scheduler_timer_fired()) << where;
          } else {
            EXPECT_TRUE(c.kind() == events::BuildsetCause::FORCE ||
                        c.kind() == events::BuildsetCause::START)
                << "no cause recorded: " << where;
          }
        } else if (e.has_build_request_submitted()) {
          ASSERT_TRUE(cause && cause->has_buildset_submitted()) << where;
          EXPECT_EQ(cause->buildset_submitted().buildset_id(),
                    e.build_request_submitted().buildset_id());
        } else if (e.has_build_request_claimed() || e.has_build_started()) {
          const auto request = e.has_build_started() ? e.build_started().request_ids(0)
                                                     : e.build_request_claimed().request_id();
          ASSERT_TRUE(cause && cause->has_build_request_submitted()) << where;
          EXPECT_EQ(cause->build_request_submitted().request_id(), request) << where;
        } else if (e.has_step_started()) {
          expect_cause(&Envelope::has_build_started, e.step_started().builder(),
                       e.step_started().build_number());
        } else if (e.has_build_finished()) {
          expect_cause(&Envelope::has_build_started, e.build_finished().builder(),
                       e.build_finished().number());
        } else if (e.has_step_finished()) {
          expect_cause(&Envelope::has_step_started, e.step_finished().builder(),
                       e.step_finished().build_number(), e.step_finished().step_index());
        } else if (e.has_step_command_sent()) {
          expect_cause(&Envelope::has_step_started, e.step_command_sent().builder(),
                       e.step_command_sent().build_number(), e.step_command_sent().step_index());
        } else if (e.has_log_opened()) {
          expect_cause(&Envelope::has_step_started, e.log_opened().builder(),
                       e.log_opened().build_number(), e.log_opened().step_index());
        } else if (e.has_log_chunk() || e.has_log_closed()) {
          ASSERT_TRUE(cause && cause->has_step_started()) << where;
          const auto& s = cause->step_started();
          EXPECT_EQ(
              e.stream().rfind(streams::log(s.builder(), s.build_number(), s.step_index(), ""), 0),
              0u)
              << where;
        } else if (e.has_build_request_completed() || e.has_build_request_unclaimed()) {
          ASSERT_TRUE(cause && cause->has_build_finished()) << where;
        } else if (e.has_buildset_completed()) {
          ASSERT_TRUE(cause && (cause->has_build_request_completed() ||
                                cause->has_build_request_cancelled()))
              << where;
        } else if (e.has_lock_acquired() || e.has_lock_released()) {
          const auto& builder =
              e.has_lock_acquired() ? e.lock_acquired().builder() : e.lock_released().builder();
          const auto number = e.has_lock_acquired() ? e.lock_acquired().build_number()
                                                    : e.lock_released().build_number();
          const auto step = e.has_lock_acquired() ? e.lock_acquired().step_index()
                                                  : e.lock_released().step_index();
          expect_cause(step < 0 ? &Envelope::has_build_started : &Envelope::has_step_started,
                       builder, number, step);
        } else {
          counted = false;  // slaves, masters, configuration, scheduler state: no rule here
        }
      }();
      if (counted) ++checked[events::type_name(e)];
    }
    return checked;
  }

  void dump() {
    std::cerr << "---- master.log ----\n"
              << tail(master_test::read_file(master_dir() / "master.log")) << "\n";
    for (const auto& [name, agent] : agents_) {
      std::cerr << "---- slave " << name << " ----\n"
                << tail(read_file(slave_dir(name) / "slave.log")) << "\n";
    }
    auto listed = run_process({binary_dir() + "/eventbot-replay", master_dir().string(), "list"});
    std::cerr << "---- events ----\n" << tail(listed.out, 20000) << "---- end ----\n";
  }

  TempDir root_{"eventbot-builds-e2e"};
  unsigned short port_ = 0;
  unsigned short web_port_ = 0;  // the web gateway's, when master.yaml has a `web` section
  std::optional<int> master_pid_;
  EventLogView log_{root_.path() / "master" / "events"};
  std::map<std::string, std::unique_ptr<AgentProcess>> agents_;
  std::unique_ptr<TcpProxy> proxy_;
  std::optional<TestCertificate> tls_;
  // How master.yaml gives the sendchange source's password (changepw).
  std::string sendchange_credential_ = "password: changepw";
  bool mounted_ = false;

  void run_build_across_a_graceful_restart();
};

}  // namespace eventbot::testing
