// Builds end to end: the real `eventbot` master daemon and real `eventbot-slave` agent
// processes on 127.0.0.1, changes sent with `eventbot sendchange`, and every outcome read
// back from the master's event log (a read-only secondary instance of its store):
// a real C project checked out, compiled, tested and uploaded; halt_on_failure; locks;
// triggers; the master killed or restarted and the slave killed or cut off mid-command.
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

#include "actors/port/port_client.hpp"
#include "common/utf8.hpp"
#include "events/event_type.hpp"
#include "events/streams.hpp"
#include "gateway/hooks/hook_secrets.hpp"
#include "tests/changes/source_repo.hpp"
#include "tests/gateway/hook_fixtures.hpp"
#include "tests/master/build_e2e_fixture.hpp"
#include "tests/master/build_e2e_support.hpp"
#include "tests/master/hostile_peer_support.hpp"
#include "tests/master/master_test_support.hpp"
#include "tests/master/store_verify_support.hpp"
#include "tests/slave-agent/agent_process.hpp"
#include "tests/store/store_test_support.hpp"
#include "tests/support/http_auth_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificates.hpp"
#include "tests/support/websocket_client.hpp"

namespace eventbot::testing {
namespace {

// ---------------------------------------------------------------------------------------

TEST_F(BuildE2E, CompilesTestsAndUploadsARealCProject) {
  SourceRepo repo;
  repo.write("hello.c", R"(#include <stdio.h>
#include <string.h>

static int add(int a, int b) { return a + b; }

int main(int argc, char** argv) {
  int unused;
  if (argc > 1 && strcmp(argv[1], "test") == 0) {
    int passed = 0, failed = 0;
    if (add(1, 2) == 3) passed++; else failed++;
    if (add(-1, 1) == 0) passed++; else failed++;
    if (add(20, 22) == 42) passed++; else failed++;
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
  }
  printf("hello from eventbot\n");
  return 0;
}
)");
  repo.write("Makefile",
             "all: hello\n"
             "hello: hello.c\n"
             "\tcc -Wall -o hello hello.c\n"
             "test: hello\n"
             "\t./hello test\n");
  const auto revision = repo.commit({}, "a small C project", SourceRepo::kDefaultTime);

  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [hello]}
builders:
  - name: hello
    slaves: [s1]
    steps:
      - {type: git, name: checkout, repourl: "file://)" +
                                       repo.path().string() +
                                       R"(", mode: full, method: clobber}
      - {type: compile, name: compile, warn_on_warnings: false}
      - {type: test, name: test}
      - {type: file_upload, name: upload, slavesrc: hello, masterdest: uploads/hello, mode: "0755"}
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  auto sent = sendchange("master", revision);
  ASSERT_EQ(sent.exit_code, 0) << describe(sent);

  ASSERT_TRUE(wait_for([&] { return finished("hello", 0); }));
  auto b = build("hello", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  EXPECT_EQ(b.slave, "s1");
  EXPECT_EQ(b.steps_started, (std::vector<std::uint32_t>{0, 1, 2, 3}));
  for (std::uint32_t step : {0u, 2u, 3u}) {
    EXPECT_EQ(b.steps_finished[step].result(), events::SUCCESS) << "step " << step;
  }
  // The checkout is the commit the change named.
  EXPECT_EQ(b.properties["got_revision"], revision);
  // One warning (the unused variable): the compile step says WARNINGS, which this
  // step's warn_on_warnings: false keeps out of the build's result.
  EXPECT_EQ(b.steps_finished[1].result(), events::WARNINGS);
  EXPECT_EQ(b.properties["warnings-count"], 1);
  EXPECT_NE(log_.text(streams::log("hello", 0, 1, "warnings")).find("unused"), std::string::npos)
      << log_.text(streams::log("hello", 0, 1, "warnings"));
  // The test step parsed "3 passed, 0 failed".
  const auto& stats = b.steps_finished[2].statistics();
  EXPECT_EQ(stats.count("tests-passed") ? stats.at("tests-passed") : "", "3");
  EXPECT_EQ(stats.count("tests-failed") ? stats.at("tests-failed") : "", "0");
  EXPECT_NE(log_.text(streams::log("hello", 0, 2, "stdio")).find("3 passed, 0 failed"),
            std::string::npos);

  // The binary reached the master, byte for byte, executable, and it runs.
  const auto uploaded = master_dir() / "uploads" / "hello";
  const auto built = slave_dir("s1") / "hello" / "build" / "hello";
  ASSERT_TRUE(fs::exists(uploaded));
  ASSERT_TRUE(fs::exists(built));
  EXPECT_EQ(master_test::read_file(uploaded), master_test::read_file(built));
  EXPECT_EQ(fs::status(uploaded).permissions() & fs::perms::all,
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                fs::perms::others_read | fs::perms::others_exec);
  auto ran = run_process({uploaded.string()});
  EXPECT_EQ(ran.exit_code, 0);
  EXPECT_EQ(ran.out, "hello from eventbot\n");

  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_buildset_completed).empty(); }));
  EXPECT_EQ(select(&Envelope::has_buildset_completed)[0].buildset_completed().result(),
            events::SUCCESS);
  expect_requests_built_once();
}

// A directory upload reaches the master as a tar archive, which the master unpacks with
// a `tar` child process run like master_shell_command's (the build actor waits for no
// child). When tar cannot unpack it, the step fails with tar's own words.
TEST_F(BuildE2E, DirectoryUploadsAreUnpackedByTarAndItsErrorsEndTheStep) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [dirs]}
builders:
  - name: dirs
    slaves: [s1]
    steps:
      - {type: shell, name: make, command: "mkdir -p out/sub && echo one > out/a.txt && echo two > out/sub/b.txt"}
      - {type: directory_upload, name: up, slavesrc: out, masterdest: uploads/out, compress: gz}
      - {type: directory_upload, name: blocked, slavesrc: out, masterdest: blocked}
)"));
  // A file where the second upload's directory should be: tar cannot unpack into it.
  master_test::write_file(master_dir() / "blocked", "a file, not a directory\n");
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return finished("dirs", 0); }));
  auto b = build("dirs", 0);
  EXPECT_EQ(b.steps_finished[1].result(), events::SUCCESS);
  EXPECT_EQ(master_test::read_file(master_dir() / "uploads" / "out" / "a.txt"), "one\n");
  EXPECT_EQ(master_test::read_file(master_dir() / "uploads" / "out" / "sub" / "b.txt"), "two\n");
  EXPECT_EQ(b.steps_finished[2].result(), events::FAILURE);
  const auto& said = b.steps_finished[2].description_done();
  std::string text;
  for (const auto& line : said) text += line + "\n";
  EXPECT_NE(text.find("unpacking the directory into"), std::string::npos) << text;
  EXPECT_NE(text.find("tar: "), std::string::npos) << "tar's own reason is missing: " << text;
  EXPECT_EQ(master_test::read_file(master_dir() / "blocked"), "a file, not a directory\n");
  EXPECT_TRUE(fs::is_empty(master_dir() / "tmp")) << "an archive was left behind";
}

TEST_F(BuildE2E, HaltOnFailureRunsOnlyAlwaysRunStepsAfter) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [halts]}
builders:
  - name: halts
    slaves: [s1]
    steps:
      - {type: shell, name: first, command: "echo first"}
      - {type: shell, name: breaks, command: "echo breaking; exit 2", halt_on_failure: true}
      - {type: shell, name: never, command: "echo must not run > never-ran"}
      - {type: shell, name: cleanup, command: "echo cleanup", always_run: true}
      - {type: shell, name: never-either, command: "echo must not run > never-ran-either"}
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return finished("halts", 0); }));
  auto b = build("halts", 0);
  EXPECT_EQ(b.finished->result(), events::FAILURE);
  EXPECT_EQ(b.steps_started, (std::vector<std::uint32_t>{0, 1, 3}));
  EXPECT_EQ(b.commands_sent, (std::vector<std::uint32_t>{0, 1, 3}));
  EXPECT_EQ(b.steps_finished[0].result(), events::SUCCESS);
  EXPECT_EQ(b.steps_finished[1].result(), events::FAILURE);
  EXPECT_EQ(b.steps_finished[3].result(), events::SUCCESS);
  EXPECT_EQ(b.steps_finished.count(2) + b.steps_finished.count(4), 0u);
  EXPECT_EQ(std::vector<std::string>(b.finished->text().begin(), b.finished->text().end()),
            (std::vector<std::string>{"failed", "breaks"}));
  EXPECT_EQ(log_.text(streams::log("halts", 0, 3, "stdio")), "cleanup\n");
  EXPECT_FALSE(fs::exists(slave_dir("s1") / "halts" / "build" / "never-ran"));
  EXPECT_FALSE(fs::exists(slave_dir("s1") / "halts" / "build" / "never-ran-either"));
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_build_request_completed).empty(); }));
  EXPECT_EQ(select(&Envelope::has_build_request_completed)[0].build_request_completed().result(),
            events::FAILURE);
  expect_requests_built_once();
}

TEST_F(BuildE2E, LocksLimitHowManyBuildsRunAtOnce) {
  // Three builders share a counting lock of two slots for their one step; two more take
  // an exclusive lock for the whole build. Two changes: ten builds, all at once.
  std::string builders;
  for (const char* name : {"count-a", "count-b", "count-c"}) {
    builders += std::string("  - name: ") + name + R"(
    slaves: [s1]
    steps:
      - {type: shell, name: work, command: "sleep 0.4", locks: [{name: pair, access: counting}]}
)";
  }
  for (const char* name : {"solo-a", "solo-b"}) {
    builders += std::string("  - name: ") + name + R"(
    slaves: [s1]
    locks: [solo]
    steps:
      - {type: shell, name: work, command: "sleep 0.4"}
)";
  }
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
locks:
  - {name: pair, type: master, max_count: 2}
  - {name: solo, type: master}
schedulers:
  - {type: any_branch, name: all, builders: [count-a, count-b, count-c, solo-a, solo-b]}
builders:
)" + builders));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("one", "r1").exit_code, 0);
  ASSERT_EQ(sendchange("two", "r2").exit_code, 0);

  const std::vector<std::string> names = {"count-a", "count-b", "count-c", "solo-a", "solo-b"};
  ASSERT_TRUE(wait_for(
      [&] {
        for (const auto& name : names) {
          if (!finished(name, 0) || !finished(name, 1)) return false;
        }
        return true;
      },
      60s));
  for (const auto& name : names) {
    for (std::uint32_t n : {0u, 1u}) {
      EXPECT_EQ(build(name, n).finished->result(), events::SUCCESS) << name << " #" << n;
    }
    // A slave runs one build of a builder at a time (they share its directory there):
    // the second change's build starts once the first one finished.
    EXPECT_GT(build(name, 1).started_seq, build(name, 0).finished_seq)
        << "two builds of " << name << " ran at once on s1";
  }

  // Replay the holders in log order. A BuildFinished releases whatever that build held
  // (as the lock table's fold does), whether or not a LockReleased came first.
  using Holder = std::tuple<std::string, std::uint32_t, std::int32_t>;
  std::map<std::string, std::set<Holder>> holders;
  std::map<std::string, std::size_t> most;
  std::map<Holder, int> acquisitions;
  // Per build: is its lock held when its command is sent and when its step finishes?
  for (const auto& e : log_.events()) {
    if (e.has_lock_acquired()) {
      const auto& a = e.lock_acquired();
      Holder h{a.builder(), a.build_number(), a.step_index()};
      EXPECT_EQ(a.exclusive(), a.lock() == "solo") << a.ShortDebugString();
      EXPECT_EQ(a.step_index(), a.lock() == "pair" ? 0 : -1) << a.ShortDebugString();
      holders[a.lock()].insert(h);
      ++acquisitions[h];
      most[a.lock()] = std::max(most[a.lock()], holders[a.lock()].size());
    } else if (e.has_lock_released()) {
      const auto& r = e.lock_released();
      holders[r.lock()].erase(Holder{r.builder(), r.build_number(), r.step_index()});
    } else if (e.has_build_finished()) {
      for (auto& [lock, set] : holders) {
        std::erase_if(set, [&](const Holder& h) {
          return std::get<0>(h) == e.build_finished().builder() &&
                 std::get<1>(h) == e.build_finished().number();
        });
      }
    } else if (e.has_step_command_sent() || e.has_step_finished()) {
      const auto& builder =
          e.has_step_command_sent() ? e.step_command_sent().builder() : e.step_finished().builder();
      const auto number = e.has_step_command_sent() ? e.step_command_sent().build_number()
                                                    : e.step_finished().build_number();
      const bool counting = builder.rfind("count-", 0) == 0;
      const std::string lock = counting ? "pair" : "solo";
      EXPECT_TRUE(holders[lock].count(Holder{builder, number, counting ? 0 : -1}))
          << builder << " #" << number << " ran its step without lock " << lock << " at sequence "
          << e.sequence();
    }
  }
  EXPECT_EQ(most["pair"], 2u) << "the counting lock never had two holders, or had more";
  EXPECT_EQ(most["solo"], 1u);
  EXPECT_EQ(acquisitions.size(), 10u);
  for (const auto& [holder, count] : acquisitions) {
    EXPECT_EQ(count, 1) << std::get<0>(holder) << " #" << std::get<1>(holder);
  }
  expect_requests_built_once();
  // Lock events are linked to the start of what holds them (the build, or its step).
  auto checked = expect_links_as_documented();
  EXPECT_EQ(checked["LockAcquired"], 10);
  EXPECT_GT(checked["LockReleased"], 0);
}

TEST_F(BuildE2E, TriggerWaitsForTheTriggeredBuildsAndTakesTheirResult) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [parent]}
  - {type: triggerable, name: trig-ok, builders: [child-ok]}
  - {type: triggerable, name: trig-bad, builders: [child-bad]}
builders:
  - name: parent
    slaves: [s1]
    steps:
      - {type: shell, name: before, command: "echo before"}
      - {type: trigger, name: trigger, schedulers: [trig-ok, trig-bad], wait_for_finish: true}
      - {type: shell, name: after, command: "echo after"}
  - name: child-ok
    slaves: [s1]
    steps:
      - {type: shell, name: work, command: "sleep 0.3; echo child ok"}
  - name: child-bad
    slaves: [s1]
    steps:
      - {type: shell, name: work, command: "sleep 0.6; echo child fails; exit 3"}
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return finished("parent", 0); }));
  auto parent = build("parent", 0);
  auto ok = build("child-ok", 0);
  auto bad = build("child-bad", 0);
  ASSERT_TRUE(ok.finished);
  ASSERT_TRUE(bad.finished);
  EXPECT_EQ(ok.finished->result(), events::SUCCESS);
  EXPECT_EQ(bad.finished->result(), events::FAILURE);
  // The children started after the trigger step did, and it finished after both.
  EXPECT_EQ(parent.steps_started, (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_GT(ok.started_seq, parent.step_finished_seq[0]);
  EXPECT_GT(parent.step_finished_seq[1], ok.finished_seq);
  EXPECT_GT(parent.step_finished_seq[1], bad.finished_seq);
  // The failed child makes the trigger step, and so the parent, FAILURE.
  EXPECT_EQ(parent.steps_finished[1].result(), events::FAILURE);
  EXPECT_EQ(parent.steps_finished[2].result(), events::SUCCESS);
  EXPECT_EQ(parent.finished->result(), events::FAILURE);

  // The triggered buildsets name the parent's step; each completed with its result.
  std::map<std::string, std::uint64_t> triggered;  // scheduler -> buildset
  for (const auto& e : select(&Envelope::has_buildset_submitted)) {
    const auto& b = e.buildset_submitted();
    if (b.scheduler() == "all") continue;
    EXPECT_EQ(b.external_idstring(), "trigger:parent/0/1:" + b.scheduler());
    triggered[b.scheduler()] = b.buildset_id();
  }
  ASSERT_EQ(triggered.size(), 2u);
  std::map<std::uint64_t, events::Result> completed;
  for (const auto& e : select(&Envelope::has_buildset_completed)) {
    completed[e.buildset_completed().buildset_id()] = e.buildset_completed().result();
  }
  EXPECT_EQ(completed[triggered["trig-ok"]], events::SUCCESS);
  EXPECT_EQ(completed[triggered["trig-bad"]], events::FAILURE);
  expect_requests_built_once();

  // Every event of the run is linked, the children into the parent's chain (its change).
  auto checked = expect_links_as_documented();
  for (const char* type :
       {"BuildsetSubmitted", "BuildRequestSubmitted", "BuildStarted", "StepStarted", "StepFinished",
        "LogChunk", "BuildFinished", "BuildRequestCompleted", "BuildsetCompleted"}) {
    EXPECT_GT(checked[type], 0) << type;
  }
  const auto change = select(&Envelope::has_change_added).at(0).sequence();
  for (const auto& e : select(&Envelope::has_build_finished)) {
    EXPECT_EQ(e.correlation_id(), change) << e.ShortDebugString();
  }
  // `why` follows the links from a child to the parent's trigger step and its change.
  auto why = run_process({binary_dir() + "/eventbot-replay", master_dir().string(), "why",
                          "child-bad", "0", "--json"});
  ASSERT_EQ(why.exit_code, 0) << describe(why);
  const auto chain = json::parse(why.out);
  const auto& buildset = chain["buildsets"][0];
  EXPECT_EQ(buildset["cause"]["kind"], "trigger") << why.out;
  EXPECT_EQ(buildset["cause"]["parent_build"],
            (json{{"builder", "parent"}, {"number", 0}, {"step", 1}}));
  EXPECT_EQ(buildset["cause"]["event_type"], "StepStarted");
  EXPECT_EQ(buildset["cause"]["chain"], change);
  EXPECT_EQ(buildset["triggered_by"]["build"]["builder"], "parent") << why.out;
  EXPECT_EQ(buildset["triggered_by"]["changes"][0]["revision"], "r1") << why.out;
}

TEST_F(BuildE2E, KilledMasterTakesTheBuildBackAndLosesNoOutput) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [long]}
builders:
  - name: long
    slaves: [s1]
    steps:
      - {type: shell, name: print, command: ")" +
                                       printing_loop("line", 30, "0.1") + R"("}
      - {type: shell, name: after, command: "echo after"}
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return stdout_lines("long", 0, 0) >= 5; }));
  ASSERT_NO_FATAL_FAILURE(kill_master());
  ASSERT_FALSE(finished("long", 0));
  ASSERT_NO_FATAL_FAILURE(restart_master());

  ASSERT_TRUE(wait_for([&] { return finished("long", 0); }));
  auto b = build("long", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  EXPECT_EQ(b.commands_sent, (std::vector<std::uint32_t>{0, 1})) << "a command was sent twice";
  EXPECT_EQ(b.steps_finished[0].result(), events::SUCCESS);
  const auto stdio = streams::log("long", 0, 0, "stdio");
  EXPECT_EQ(log_.text(stdio), numbered_lines("line", 30));
  expect_contiguous(stdio);
  EXPECT_EQ(select(&Envelope::has_build_started).size(), 1u);
  EXPECT_EQ(select(&Envelope::has_master_started).size(), 2u);
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_buildset_completed).empty(); }));
  expect_requests_built_once();
}

// What `loud_command(batches, per_batch)` prints: "n <padding>\n" for n = 1 ...
std::string loud_output(int batches, int per_batch) {
  std::string out;
  for (int n = 1; n <= batches * per_batch; ++n) {
    out += std::to_string(n) + " of the numbered lines a command prints while the master dies\n";
  }
  return out;
}

// A shell loop printing `batches` x `per_batch` numbered lines, pausing 0.05 s after
// each batch (so the master's deaths fall while it prints, and while it pauses). With a
// `gate`, the last batch waits until that file exists, so the command cannot end before
// the test has done what it does meanwhile. As a step's command: `%%` is a literal `%`.
std::string loud_command(int batches, int per_batch, const std::string& gate = {}) {
  const std::string wait = gate.empty() ? std::string()
                                        : "if [ $b -eq " + std::to_string(batches - 1) +
                                              " ]; then while [ ! -e '" + gate +
                                              "' ]; do sleep 0.05; done; fi; ";
  return "b=0; while [ $b -lt " + std::to_string(batches) + " ]; do " + wait +
         "seq -f '%%.0f of the numbered lines a command prints while the master dies' $((b*" +
         std::to_string(per_batch) + "+1)) $((b*" + std::to_string(per_batch) + "+" +
         std::to_string(per_batch) + ")); b=$((b+1)); sleep 0.05; done";
}

// Many MiB of numbered lines, the master killed with SIGKILL four times while they
// stream, at random points (the seed is printed; EVENTBOT_E2E_SEED replays one): after
// every resume the slave's updates reach the store, so the stored log is the command's
// output byte for byte, its chunks contiguous, and the build SUCCESS.
TEST_F(BuildE2E, MasterKilledRepeatedlyWhileAStepStreamsLosesNoByte) {
  // 12 x 30000 lines of ~70 bytes: about 24 MiB, printed faster than the master stores
  // it, so the slave's window of unacknowledged updates is full when the master dies.
  constexpr int kBatches = 12;
  constexpr int kPerBatch = 30000;
  // The last batch waits for this file, made after the fourth restart: however fast the
  // machine, every kill falls while the command runs.
  const auto gate = (root_.path() / "last-batch-may-run").string();
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [loud]}
builders:
  - name: loud
    slaves: [s1]
    steps:
      - {type: shell, name: print, command: ")" +
                                       loud_command(kBatches, kPerBatch, gate) + R"("}
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  const auto expected = loud_output(kBatches, kPerBatch);
  const auto before_gate = loud_output(kBatches - 1, kPerBatch).size();
  const auto stdio = streams::log("loud", 0, 0, "stdio");
  auto stored = [&] {  // from the LogChunk events (their sizes), read incrementally
    std::size_t bytes = 0;
    for (const auto& e : log_.events()) {
      if (e.stream() == stdio && e.has_log_chunk()) bytes += e.log_chunk().size();
    }
    return bytes;
  };
  const char* seed_env = std::getenv("EVENTBOT_E2E_SEED");
  const auto seed = seed_env ? std::strtoul(seed_env, nullptr, 10) : std::random_device{}();
  std::cerr << "kill points seed " << seed << " (EVENTBOT_E2E_SEED replays it)\n";
  std::mt19937 random(static_cast<std::mt19937::result_type>(seed));
  // Four kills, each once the log grew by a random 20 KiB to 2 MiB since the last one
  // (so some fall while the slave resends what the last master did not acknowledge).
  std::uniform_int_distribution<std::size_t> growth(20 << 10, 2 << 20);
  std::size_t point = 0;
  for (int kill = 0; kill < 4; ++kill) {
    point += growth(random);
    // (or once all before the gate is stored: on a fast run the kill then falls while the
    // command waits at the gate, still running)
    ASSERT_TRUE(wait_for(
        [&] { return stored() >= std::min(point, before_gate) || finished("loud", 0); }, 60s))
        << "the log stopped at " << stored() << " of " << expected.size() << " bytes";
    ASSERT_FALSE(finished("loud", 0)) << "the command ended before the master was killed";
    ASSERT_NO_FATAL_FAILURE(kill_master());
    point = stored();
    ASSERT_NO_FATAL_FAILURE(restart_master());
  }
  std::ofstream{gate};

  ASSERT_TRUE(wait_for([&] { return finished("loud", 0); }, 120s));
  auto b = build("loud", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  EXPECT_EQ(b.commands_sent, (std::vector<std::uint32_t>{0})) << "the command was sent twice";
  const auto text = log_.text(stdio);
  EXPECT_EQ(text.size(), expected.size());
  EXPECT_TRUE(text == expected)
      << "the stored output differs from byte "
      << std::mismatch(text.begin(), text.end(), expected.begin(), expected.end()).first -
             text.begin();
  expect_contiguous(stdio);
  // The slave sent every update in order: the master never had to ask for a resend.
  EXPECT_EQ(master_test::read_file(master_dir() / "master.log").find("came before update"),
            std::string::npos);
  EXPECT_EQ(select(&Envelope::has_master_started).size(), 5u);
  EXPECT_EQ(select(&Envelope::has_build_started).size(), 1u);
}

// Fills the filesystem holding `dir` with one file, `dir`/filler, until ENOSPC; returns
// how many bytes it wrote.
std::size_t fill_disk(const fs::path& dir) {
  std::ofstream filler(dir / "filler", std::ios::binary);
  const std::string block(1 << 20, 'f');
  std::size_t written = 0;
  while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    filler.flush();
    if (!filler) break;
    written += block.size();
  }
  return written;
}

// The master's directory on a small filesystem of its own, filled up while a step
// prints. Tried: the disk full in the middle of a build's output. Survived: the first
// write that fails stops the master (exit 1, the reason in master.log when it still has
// room), the store writes nothing after it (RocksDB's log writer aborts the process if used
// after a failed append), the slave's command waits with its output; once the disk has
// room and the master is started again, it takes the build back and the log is whole,
// byte for byte; nothing is built twice.
TEST_F(BuildE2E, DiskFullStopsTheMasterAndTheBuildResumesOnceSpaceIsBack) {
  std::string why;
  if (!mount_small_disk(256u << 20, why)) GTEST_SKIP() << "no tmpfs for the master: " << why;
  const auto go = root_.path() / "go";
  constexpr std::size_t kBytes = 20'000'000;
  // Waits for `go`, then prints numbered lines, kBytes in all.
  const std::string command = "while [ ! -e " + go.string() + " ]; do sleep 0.05; done; " +
                              "seq 1 5000000 | head -c " + std::to_string(kBytes);
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [fill]}
builders:
  - name: fill
    slaves: [s1]
    steps:
      - {type: shell, name: print, command: ")" +
                                       command + R"("}
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
  ASSERT_TRUE(wait_for([&] { return !build("fill", 0).commands_sent.empty(); }));

  ASSERT_GT(fill_disk(master_dir()), 0u);
  master_test::write_file(go, "");
  // The first write that fails stops the master.
  ASSERT_TRUE(wait_for([&] { return !master_running(); }, 120s, false))
      << "the master went on with a full disk";
  log_.reopen();
  log_.refresh();
  EXPECT_FALSE(finished("fill", 0)) << "nothing could be recorded after the disk filled";

  fs::remove(master_dir() / "filler");
  const auto said = master_test::read_file(master_dir() / "master.log");
  ASSERT_NO_FATAL_FAILURE(restart_master());
  ASSERT_TRUE(wait_for([&] { return finished("fill", 0); }, 120s)) << said;
  auto b = build("fill", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  std::string expected;
  for (int n = 1; expected.size() < kBytes; ++n) expected += std::to_string(n) + "\n";
  expected.resize(kBytes);
  const auto stream = streams::log("fill", 0, 0, "stdio");
  EXPECT_TRUE(log_.text(stream) == expected)
      << "the stored log differs from the output (" << log_.text(stream).size() << " of " << kBytes
      << " bytes)";
  expect_contiguous(stream);
  EXPECT_EQ(select(&Envelope::has_build_started).size(), 1u);
  expect_requests_built_once();
}

TEST_F(BuildE2E, KilledSlaveEndsTheBuildRetryAndItRunsAgainOnTheOther) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
  - {name: s2, password: pw2}
schedulers:
  - {type: any_branch, name: all, builders: [pair]}
builders:
  - name: pair
    slaves: [s1, s2]
    next_slave: in_order
    steps:
      - type: shell
        name: work
        command: 'if [ %(slavename)s = s1 ]; then )" +
                                           printing_loop("tick", 30, "0.1") +
                                           R"(; else echo done on %(slavename)s; fi'
)",
                                       /*reattach_grace=*/1));
  auto& s1 = start_slave("s1", "pw1");
  start_slave("s2", "pw2");
  ASSERT_TRUE(wait_attached({"s1", "s2"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return stdout_lines("pair", 0, 0) >= 2; }));
  s1.signal(SIGKILL);
  s1.wait_exit();
  build_e2e::kill_processes_under(slave_dir("s1"));

  ASSERT_TRUE(wait_for([&] { return finished("pair", 1); }));
  auto first = build("pair", 0);
  auto second = build("pair", 1);
  ASSERT_TRUE(first.finished);
  EXPECT_EQ(first.slave, "s1");
  EXPECT_EQ(first.finished->result(), events::RETRY);
  EXPECT_EQ(first.steps_finished[0].result(), events::RETRY);
  EXPECT_EQ(second.slave, "s2");
  EXPECT_EQ(second.request_ids, first.request_ids);
  EXPECT_EQ(second.finished->result(), events::SUCCESS);
  EXPECT_EQ(log_.text(streams::log("pair", 1, 0, "stdio")), "done on s2\n");

  // The request was given back between the two builds, and completed by the second.
  ASSERT_EQ(first.request_ids.size(), 1u);
  const auto request = first.request_ids[0];
  auto unclaimed = select(&Envelope::has_build_request_unclaimed);
  ASSERT_EQ(unclaimed.size(), 1u);
  EXPECT_EQ(unclaimed[0].build_request_unclaimed().request_id(), request);
  EXPECT_GT(unclaimed[0].sequence(), first.finished_seq);
  EXPECT_LT(unclaimed[0].sequence(), second.started_seq);
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_build_request_completed).empty(); }));
  auto completed = select(&Envelope::has_build_request_completed);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].build_request_completed().result(), events::SUCCESS);
  EXPECT_EQ(completed[0].build_request_completed().build_number(), 1u);
  expect_requests_built_once();
}

TEST_F(BuildE2E, WrongPasswordIsRefusedAndNothingRunsOnIt) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: right-password}
schedulers:
  - {type: any_branch, name: all, builders: [b]}
builders:
  - name: b
    slaves: [s1]
    steps:
      - {type: shell, name: work, command: "echo ran"}
)"));
  auto refusals = [&] {
    auto text = read_file(slave_dir("s1") / "slave.log");
    std::size_t n = 0;
    for (auto at = text.find("REFUSED"); at != std::string::npos;
         at = text.find("REFUSED", at + 1)) {
      ++n;
    }
    return n;
  };
  // Not waiting for the master's first answer (start_timeout 0), the agent keeps
  // retrying a refusal, as it does for one after a later disconnect.
  start_slave("s1", "wrong-password", 0, "start_timeout: 0\n");
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_slave_auth_failed).empty(); }));
  auto failed = select(&Envelope::has_slave_auth_failed)[0].slave_auth_failed();
  EXPECT_EQ(failed.slave(), "s1");
  EXPECT_EQ(failed.peer().rfind("127.0.0.1:", 0), 0u) << failed.peer();
  EXPECT_FALSE(failed.reason().empty());
  EXPECT_EQ(failed.reason().find("wrong-password"), std::string::npos);

  // A change for its builder: the request waits while the agent keeps being refused.
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_build_request_submitted).empty(); }));
  const auto before = refusals();
  ASSERT_TRUE(wait_for([&] { return refusals() >= before + 2; }, 10s)) << refusals();
  EXPECT_TRUE(select(&Envelope::has_slave_attached).empty());
  EXPECT_TRUE(select(&Envelope::has_build_started).empty());
  EXPECT_TRUE(select(&Envelope::has_build_request_claimed).empty());
  EXPECT_FALSE(fs::exists(slave_dir("s1") / "b"));

  // With the right password the same agent directory attaches and the request runs.
  agents_["s1"]->stop();
  start_slave("s1", "right-password");
  ASSERT_TRUE(wait_for([&] { return finished("b", 0); }));
  auto b = build("b", 0);
  EXPECT_EQ(b.slave, "s1");
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  EXPECT_EQ(log_.text(streams::log("b", 0, 0, "stdio")), "ran\n");
  expect_requests_built_once();
}

TEST_F(BuildE2E, DroppedConnectionsResumeTheCommandWithoutLosingOutput) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [long]}
builders:
  - name: long
    slaves: [s1]
    steps:
      - {type: shell, name: print, command: ")" +
                                       printing_loop("line", 30, "0.1") + R"("}
)"));
  // The agent reaches the master through a proxy the test can cut.
  proxy_ = std::make_unique<TcpProxy>(port_);
  start_slave("s1", "pw1", proxy_->port());
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  // Two cuts while the command prints; the agent dials again each time.
  for (std::size_t lines : {5u, 15u}) {
    ASSERT_TRUE(wait_for([&] { return stdout_lines("long", 0, 0) >= lines; }));
    const int accepted = proxy_->accepted();
    proxy_->cut();
    ASSERT_TRUE(wait_for([&] { return proxy_->accepted() > accepted; }, 10s, false));
  }
  ASSERT_TRUE(wait_for([&] { return finished("long", 0); }));
  auto b = build("long", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  EXPECT_EQ(b.commands_sent, (std::vector<std::uint32_t>{0}));
  const auto stdio = streams::log("long", 0, 0, "stdio");
  EXPECT_EQ(log_.text(stdio), numbered_lines("line", 30));
  expect_contiguous(stdio);
  EXPECT_EQ(select(&Envelope::has_slave_detached).size(), 2u);
  EXPECT_EQ(select(&Envelope::has_slave_attached).size(), 3u);
  EXPECT_EQ(select(&Envelope::has_build_started).size(), 1u);
  expect_requests_built_once();
}

}  // namespace

// BuildE2E is declared outside the anonymous namespace (build_e2e_fixture.hpp).

// A build of 30 lines printed 0.1 s apart on slave s1, with `eventbot stop` and start
// of the master while it prints: the build goes on and its log is whole.
void BuildE2E::run_build_across_a_graceful_restart() {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [long]}
builders:
  - name: long
    slaves: [s1]
    steps:
      - {type: shell, name: print, command: ")" +
                                       printing_loop("line", 30, "0.1") + R"("}
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return stdout_lines("long", 0, 0) >= 5; }));
  ASSERT_NO_FATAL_FAILURE(stop_master());
  log_.refresh();
  EXPECT_FALSE(finished("long", 0)) << "stopping the master ended the build";
  ASSERT_NO_FATAL_FAILURE(restart_master());

  ASSERT_TRUE(wait_for([&] { return finished("long", 0); }));
  auto b = build("long", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  EXPECT_EQ(b.commands_sent, (std::vector<std::uint32_t>{0}));
  const auto stdio = streams::log("long", 0, 0, "stdio");
  EXPECT_EQ(log_.text(stdio), numbered_lines("line", 30));
  expect_contiguous(stdio);
  EXPECT_EQ(select(&Envelope::has_build_started).size(), 1u);
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_buildset_completed).empty(); }));
  expect_requests_built_once();
}

namespace {

TEST_F(BuildE2E, GracefulMasterRestartTakesTheBuildBack) {
  run_build_across_a_graceful_restart();
}

// The same over TLS (master.tls; the agent and sendchange given the CA): the build goes
// on across the restart, and a certificate renewed in place is in force after a reconfig.
TEST_F(BuildE2E, TlsPortRunsBuildsAcrossARestartAndRenewsItsCertificateOnReconfig) {
  fs::create_directories(root_.path() / "tls");
  tls_ = make_test_certificate(root_.path() / "tls", "master", "IP:127.0.0.1");
  ASSERT_NO_FATAL_FAILURE(run_build_across_a_graceful_restart());
  EXPECT_NE(read_file(slave_dir("s1") / "slave.log").find("(TLS)"), std::string::npos);

  // A client without the CA is refused with the reason; the master goes on.
  auto plain = run_process({eventbot(), "sendchange", "--master",
                            "127.0.0.1:" + std::to_string(port_), "--who", "x", "f.c"});
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_NE(plain.err.find("requires TLS"), std::string::npos) << describe(plain);

  // Renewal: new files at the same paths, then reconfig.
  auto old_ca = root_.path() / "old-ca.pem";
  fs::copy_file(tls_->certificate, old_ca);
  fs::remove(tls_->certificate);
  fs::remove(tls_->key);
  auto renewed = make_test_certificate(root_.path() / "tls", "master", "IP:127.0.0.1");
  auto reconfigured = run_process({eventbot(), "reconfig", master_dir().string()});
  ASSERT_EQ(reconfigured.exit_code, 0) << describe(reconfigured);
  ASSERT_EQ(sendchange("main", "r2").exit_code, 0);  // trusts the renewed certificate
  auto stale =
      run_process({eventbot(), "sendchange", "--master", "127.0.0.1:" + std::to_string(port_),
                   "--who", "x", "--ca", old_ca.string(), "f.c"});
  EXPECT_NE(stale.exit_code, 0) << describe(stale);
  EXPECT_NE(stale.err.find("certificate verify failed"), std::string::npos) << describe(stale);
  ASSERT_TRUE(wait_for([&] { return finished("long", 1); }));
  EXPECT_EQ(build("long", 1).finished->result(), events::SUCCESS);
  (void)renewed;
}

TEST_F(BuildE2E, KilledMasterGetsTheEndOfACommandThatEndedWhileItWasDown) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [short]}
builders:
  - name: short
    slaves: [s1]
    steps:
      - {type: shell, name: print, command: ")" +
                                       printing_loop("line", 10, "0.05") + R"("}
)"));
  auto& s1 = start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return stdout_lines("short", 0, 0) >= 2; }));
  ASSERT_NO_FATAL_FAILURE(kill_master());
  // The command ends while no master listens: its last output and its end wait in the
  // agent for the master to come back.
  ASSERT_TRUE(wait_for([&] { return s1.log_has("command short/0/0 ended"); }, 10s, false));
  ASSERT_NO_FATAL_FAILURE(restart_master());

  ASSERT_TRUE(wait_for([&] { return finished("short", 0); }));
  auto b = build("short", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  EXPECT_EQ(b.commands_sent, (std::vector<std::uint32_t>{0}));
  const auto stdio = streams::log("short", 0, 0, "stdio");
  EXPECT_EQ(log_.text(stdio), numbered_lines("line", 10));
  expect_contiguous(stdio);
  EXPECT_EQ(select(&Envelope::has_build_started).size(), 1u);
  expect_requests_built_once();
}

TEST_F(BuildE2E, SilentConnectionIsFoundByHeartbeatsAndTheCommandResumes) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [long]}
builders:
  - name: long
    slaves: [s1]
    steps:
      - {type: shell, name: print, command: ")" +
                                       printing_loop("line", 40, "0.1") + R"("}
)"));
  proxy_ = std::make_unique<TcpProxy>(port_);
  start_slave("s1", "pw1", proxy_->port());
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  // The connection goes silent without closing: neither end hears a FIN or an RST.
  ASSERT_TRUE(wait_for([&] { return stdout_lines("long", 0, 0) >= 5; }));
  proxy_->freeze();
  ASSERT_TRUE(wait_for([&] { return proxy_->accepted() >= 2; }, 15s, false))
      << "the agent never dialled again";
  ASSERT_TRUE(wait_for([&] { return finished("long", 0); }));
  auto b = build("long", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  EXPECT_EQ(b.commands_sent, (std::vector<std::uint32_t>{0}));
  const auto stdio = streams::log("long", 0, 0, "stdio");
  EXPECT_EQ(log_.text(stdio), numbered_lines("line", 40));
  expect_contiguous(stdio);
  auto detached = select(&Envelope::has_slave_detached);
  auto attached = select(&Envelope::has_slave_attached);
  ASSERT_EQ(detached.size(), 1u);
  ASSERT_EQ(attached.size(), 2u);
  // The agent usually dials again before the master's heartbeat tick finds the old
  // connection dead; the new one must be taken at that tick, not after the 5 s the old
  // one would have had to answer an arbitration ping.
  EXPECT_LT(attached[1].time_us() - detached[0].time_us(), 2'000'000)
      << "detached: " << detached[0].slave_detached().reason();
  expect_requests_built_once();
}

TEST_F(BuildE2E, RestartedSlaveLosesItsCommandAtOnceAndTheRequestRunsAgain) {
  // A long grace: the build must not wait for it, since the restarted agent says it
  // runs nothing.
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [b]}
builders:
  - name: b
    slaves: [s1]
    steps:
      - type: shell
        name: work
        command: 'if [ %(buildnumber)s = 0 ]; then )" +
                                           printing_loop("tick", 30, "0.1") +
                                           R"(; else echo second; fi'
)",
                                       /*reattach_grace=*/60));
  auto& s1 = start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return stdout_lines("b", 0, 0) >= 2; }));
  s1.signal(SIGKILL);
  s1.wait_exit();
  build_e2e::kill_processes_under(slave_dir("s1"));
  start_slave("s1", "pw1");

  ASSERT_TRUE(wait_for([&] { return finished("b", 1); }, 20s));
  auto first = build("b", 0);
  auto second = build("b", 1);
  ASSERT_TRUE(first.finished);
  EXPECT_EQ(first.finished->result(), events::RETRY);
  EXPECT_EQ(second.finished->result(), events::SUCCESS);
  EXPECT_EQ(second.slave, "s1");
  EXPECT_EQ(log_.text(streams::log("b", 1, 0, "stdio")), "second\n");
  // RETRY came with the second attachment, not after the 60 s grace.
  auto attached = select(&Envelope::has_slave_attached);
  ASSERT_EQ(attached.size(), 2u);
  EXPECT_GT(first.finished_seq, attached[1].sequence());
  ASSERT_EQ(select(&Envelope::has_build_request_unclaimed).size(), 1u);
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_build_request_completed).empty(); }));
  expect_requests_built_once();
}

TEST_F(BuildE2E, KilledMasterKeepsLocksRightForRunningAndWaitingBuilds) {
  // One exclusive lock for three whole builds: when the master dies one holds it and
  // two wait. After the restart the holder keeps it and the others still take turns.
  std::string builders;
  for (const char* name : {"x1", "x2", "x3"}) {
    builders += std::string("  - name: ") + name + R"(
    slaves: [s1]
    locks: [solo]
    steps:
      - {type: shell, name: print, command: ")" +
                printing_loop("line", 8, "0.1") + R"("}
)";
  }
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
locks:
  - {name: solo, type: master}
schedulers:
  - {type: any_branch, name: all, builders: [x1, x2, x3]}
builders:
)" + builders));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  // Kill while the first holder prints.
  std::string holder;
  ASSERT_TRUE(wait_for([&] {
    for (const char* name : {"x1", "x2", "x3"}) {
      if (stdout_lines(name, 0, 0) >= 2) holder = name;
    }
    return !holder.empty();
  }));
  ASSERT_EQ(select(&Envelope::has_build_started).size(), 3u);
  ASSERT_NO_FATAL_FAILURE(kill_master());
  ASSERT_NO_FATAL_FAILURE(restart_master());

  ASSERT_TRUE(
      wait_for([&] { return finished("x1", 0) && finished("x2", 0) && finished("x3", 0); }));
  for (const char* name : {"x1", "x2", "x3"}) {
    auto b = build(name, 0);
    EXPECT_EQ(b.finished->result(), events::SUCCESS) << name;
    EXPECT_EQ(log_.text(streams::log(name, 0, 0, "stdio")), numbered_lines("line", 8)) << name;
  }
  // Never two holders, and every command ran under the lock.
  std::set<std::string> holders;
  for (const auto& e : log_.events()) {
    if (e.has_lock_acquired()) {
      EXPECT_TRUE(holders.empty()) << e.lock_acquired().builder() << " took the lock at "
                                   << e.sequence() << " while another held it";
      holders.insert(e.lock_acquired().builder());
    } else if (e.has_lock_released()) {
      holders.erase(e.lock_released().builder());
    } else if (e.has_build_finished()) {
      holders.erase(e.build_finished().builder());
    } else if (e.has_step_command_sent()) {
      EXPECT_TRUE(holders.count(e.step_command_sent().builder()))
          << e.step_command_sent().builder() << " ran without the lock";
    }
  }
  EXPECT_EQ(select(&Envelope::has_lock_acquired).size(), 3u);
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_buildset_completed).empty(); }));
  expect_requests_built_once();
}

TEST_F(BuildE2E, KilledMasterResumesAStepThatWaitedForItsLock) {
  // Two builds whose one step takes an exclusive step lock: when the master dies one
  // step runs, the other has started (StepStarted) and waits for the lock. Taken back,
  // the waiting step asks for the lock again and runs (it used to end RETRY: "cannot be
  // taken back") and no request is built twice.
  std::string builders;
  for (const char* name : {"y1", "y2"}) {
    builders += std::string("  - name: ") + name + R"(
    slaves: [s1]
    steps:
      - {type: shell, name: print, locks: [solo], command: ")" +
                printing_loop("line", 8, "0.1") + R"("}
)";
  }
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
locks:
  - {name: solo, type: master}
schedulers:
  - {type: any_branch, name: all, builders: [y1, y2]}
builders:
)" + builders));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
  ASSERT_TRUE(wait_for([&] {
    return (stdout_lines("y1", 0, 0) >= 2 || stdout_lines("y2", 0, 0) >= 2) &&
           select(&Envelope::has_step_started).size() == 2;
  }));
  ASSERT_NO_FATAL_FAILURE(kill_master());
  ASSERT_NO_FATAL_FAILURE(restart_master());

  ASSERT_TRUE(wait_for([&] { return finished("y1", 0) && finished("y2", 0); }));
  for (const char* name : {"y1", "y2"}) {
    auto b = build(name, 0);
    EXPECT_EQ(b.finished->result(), events::SUCCESS) << name;
    EXPECT_EQ(log_.text(streams::log(name, 0, 0, "stdio")), numbered_lines("line", 8)) << name;
  }
  EXPECT_EQ(select(&Envelope::has_build_started).size(), 2u);
  expect_requests_built_once();
}

TEST_F(BuildE2E, UserCommandsStopABuildAndCancelAQueuedRequest) {
  // One slave, one build at a time: the first change's build runs a long step, the
  // second change's request waits. An admin cancels the waiting request, then stops the
  // running build; a user without the role may do neither.
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1, max_builds: 1}
schedulers:
  - {type: any_branch, name: all, builders: [long]}
builders:
  - name: long
    slaves: [s1]
    collapse_requests: false
    steps:
      - {type: shell, name: wait, command: "for i in $(seq 1 600); do echo $i; sleep 0.1; done"}
      - {type: shell, name: after, command: "echo after the stop", always_run: false}
web:
  users:
    - {name: admin, password: secret, roles: [admin]}
    - {name: dev, password: devpw}
  authz:
    stop_build: [admin]
    cancel_pending_build: [admin]
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_step_command_sent).empty(); }));
  ASSERT_EQ(sendchange("main", "r2").exit_code, 0);
  ASSERT_TRUE(wait_for([&] { return select(&Envelope::has_build_request_submitted).size() == 2; }));
  const auto waiting = select(&Envelope::has_build_request_submitted)[1].build_request_submitted();

  auto user = [&](const std::string& auth, std::vector<std::string> args) {
    std::vector<std::string> argv = {
        eventbot(), args[0], "-m", "127.0.0.1:" + std::to_string(port_), "-a", auth};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    return run_process(argv);
  };
  const auto id = std::to_string(waiting.request_id());
  auto refused = user("dev:devpw", {"cancel-request", id});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("may not cancel_pending_build"), std::string::npos)
      << describe(refused);
  auto cancelled = user("admin:secret", {"cancel-request", id, "--reason", "not needed"});
  EXPECT_EQ(cancelled.exit_code, 0) << describe(cancelled);
  EXPECT_EQ(user("dev:devpw", {"stop-build", "long", "0"}).exit_code, 1);
  auto stopped = user("admin:secret", {"stop-build", "long", "0", "--reason", "enough"});
  EXPECT_EQ(stopped.exit_code, 0) << describe(stopped);

  ASSERT_TRUE(wait_for([&] { return finished("long", 0); }));
  auto b = build("long", 0);
  EXPECT_EQ(b.finished->result(), events::CANCELLED);
  EXPECT_EQ(b.steps_finished[0].result(), events::CANCELLED);
  EXPECT_EQ(b.steps_started, (std::vector<std::uint32_t>{0}));  // nothing after the stop
  auto stops = select(&Envelope::has_build_stop_requested);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].build_stop_requested().who(), "admin");
  auto cancels = select(&Envelope::has_build_request_cancelled);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].build_request_cancelled().request_id(), waiting.request_id());
  // The cancelled request never runs: the slave is free, yet no second build starts.
  ASSERT_TRUE(wait_for([&] { return select(&Envelope::has_buildset_completed).size() == 2; }));
  EXPECT_EQ(select(&Envelope::has_build_started).size(), 1u);
  EXPECT_FALSE(user("admin:secret", {"stop-build", "long", "0"}).exit_code == 0);  // finished
}

// Values users and programs supply, over real processes.
//
// A command's output that is not UTF-8 made recording its property throw: the build
// actor died, the build stayed "running" for ever with its request claimed. A test
// count beyond 64 bits threw the same way. Now the property keeps its valid text with
// U+FFFD for the bad bytes, the count saturates, and the build ends and completes its
// request.
TEST_F(BuildE2E, OutputThatIsNotUtf8OrNotSensibleStillEndsTheBuild) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [odd]}
builders:
  - name: odd
    slaves: [s1]
    steps:
      - {type: set_property_from_command, name: latin1, property: blob,
         command: "printf 'caf\\351 \\377ok'"}
      - {type: set_property_from_command, name: extract, command: "printf 'tag=v1\\300\\n'",
         extract_fn: "^tag=(?P<tag>.*)$"}
      - {type: test, name: counts, command: "echo '[  PASSED  ] 99999999999999999999999 tests.'"}
      - {type: shell, name: uses-it, command: ["echo", "%(prop:blob)s"]}
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return finished("odd", 0); }));
  auto b = build("odd", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(b.properties["blob"], "caf" + fffd + " " + fffd + "ok");
  EXPECT_EQ(b.properties["tag"], "v1" + fffd);
  const auto& stats = b.steps_finished[2].statistics();
  EXPECT_EQ(stats.count("tests-passed") ? stats.at("tests-passed") : "", "18446744073709551615");
  // The log keeps the command's own bytes; the next step got the property's text.
  EXPECT_EQ(log_.text(streams::log("odd", 0, 0, "stdio")), "caf\351 \377ok");
  EXPECT_EQ(log_.text(streams::log("odd", 0, 3, "stdio")), "caf" + fffd + " " + fffd + "ok\n");
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_build_request_completed).empty(); }));
  EXPECT_EQ(select(&Envelope::has_build_request_completed)[0].build_request_completed().result(),
            events::SUCCESS);
  expect_requests_built_once();
}

// The validation patterns were parsed but not checked, so `--branch 'x; touch PWNED'`
// reached %(branch)s in a shell string. sendchange and force now refuse such a value,
// naming the field and the pattern, and record nothing; good values still build.
TEST_F(BuildE2E, ValidationPatternsKeepUserValuesOutOfTheShell) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [echo]}
  - {type: force, name: force, builders: [echo]}
builders:
  - name: echo
    slaves: [s1]
    steps:
      - {type: shell, name: branch, command: "echo branch=%(branch)s"}
web:
  users:
    - {name: admin, password: secret}
  authz:
    force_build: authenticated
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  const std::string pwned = (slave_dir("s1") / "PWNED").string();

  auto sent = sendchange("x; touch " + pwned, "r1");
  EXPECT_EQ(sent.exit_code, 1) << describe(sent);
  EXPECT_NE(sent.err.find("branch 'x; touch "), std::string::npos) << describe(sent);
  EXPECT_NE(sent.err.find(R"(does not match validation.branch ^[\w.+/~-]*$)"), std::string::npos)
      << describe(sent);
  auto property = sendchange("main", "r1", {"--property", "p:$(touch " + pwned + ")"});
  EXPECT_EQ(property.exit_code, 1) << describe(property);
  EXPECT_NE(property.err.find("validation.property_value"), std::string::npos)
      << describe(property);

  auto force = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {
        eventbot(), "force",        "-m",   "127.0.0.1:" + std::to_string(port_),
        "-a",       "admin:secret", "force"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
  };
  auto forced = force({"--branch", "x; touch " + pwned});
  EXPECT_EQ(forced.exit_code, 1) << describe(forced);
  EXPECT_NE(forced.err.find("does not match validation.branch"), std::string::npos)
      << describe(forced);
  // Text that is not UTF-8 could not even cross the wire: force refuses it itself.
  auto latin1 = force({"--branch", "caf\xE9"});
  EXPECT_EQ(latin1.exit_code, 2) << describe(latin1);
  EXPECT_NE(latin1.err.find("branch is not valid UTF-8 (byte 3 of 4)"), std::string::npos)
      << describe(latin1);
  log_.refresh();
  EXPECT_TRUE(select(&Envelope::has_change_added).empty());
  EXPECT_TRUE(select(&Envelope::has_buildset_submitted).empty());

  auto good = force({"--branch", "release/1.0", "--property", "flavor:debug"});
  EXPECT_EQ(good.exit_code, 0) << describe(good);
  ASSERT_TRUE(wait_for([&] { return finished("echo", 0); }));
  EXPECT_EQ(build("echo", 0).finished->result(), events::SUCCESS);
  EXPECT_EQ(log_.text(streams::log("echo", 0, 0, "stdio")), "branch=release/1.0\n");
  EXPECT_FALSE(fs::exists(pwned));
}

// A change with a 30,000-character branch, recorded by an earlier version that did not
// bound branches, reached a scheduler with a regex change_filter: std::regex overflowed
// the stack, and as the change is durable every start crashed again. The master now
// starts, folds it (a matching one builds, the other is ignored), and restarts.
TEST_F(BuildE2E, AHugeBranchAlreadyInTheLogNeverCrashesTheMaster) {
  ASSERT_NO_FATAL_FAILURE(start_master(R"(schedulers:
  - {type: any_branch, name: releases, builders: [b], change_filter: {branch: {regex: ".*-release"}}}
builders:
  - {name: b, slaves: [s1], steps: [{type: shell, name: s, command: "true"}]}
slaves:
  - {name: s1, password: pw1}
)"));
  ASSERT_NO_FATAL_FAILURE(stop_master());
  {
    auto store = store::test::open_store(master_dir() / "events");
    ASSERT_TRUE(store);
    const std::string huge(30'000, 'a');
    for (const auto& branch : {huge, huge + "-release"}) {
      store::AppendRequest request;
      auto& event = request.events.emplace_back();
      event.set_stream(streams::changes());
      event.set_master_id("e2e");
      auto* change = event.mutable_change_added();
      change->set_who("an earlier version");
      change->set_branch(branch);
      change->set_revision("r1");
      change->add_files("a.c");
      ASSERT_TRUE(store->append(std::move(request)));
    }
  }
  ASSERT_NO_FATAL_FAILURE(restart_master());
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_buildset_submitted).empty(); }));
  auto sets = select(&Envelope::has_buildset_submitted);
  ASSERT_EQ(sets.size(), 1u);
  ASSERT_EQ(sets[0].buildset_submitted().sourcestamps_size(), 1);
  EXPECT_EQ(sets[0].buildset_submitted().sourcestamps(0).change_ids(0), 2u);
  EXPECT_TRUE(master_running());

  ASSERT_NO_FATAL_FAILURE(stop_master());
  ASSERT_NO_FATAL_FAILURE(restart_master());
  EXPECT_TRUE(master_running());
  // A change sent now is folded after the two huge ones: the schedulers are alive.
  ASSERT_EQ(sendchange("v2-release", "r2").exit_code, 0);
  ASSERT_TRUE(wait_for([&] { return select(&Envelope::has_buildset_submitted).size() == 2; }));
  EXPECT_TRUE(master_running());
}

// The logins of item "password storage": a real slave and `eventbot sendchange` log in
// to SCRAM entries that `eventbot hash-password` printed; web users whose passwords
// come from a file and from the master's environment give commands with the login
// taken from a file, the environment and (anonymously) from nothing; no password
// reaches master.log or the event log.
TEST_F(BuildE2E, ScramEntriesAndPasswordSourcesLogInWithoutLeakingSecrets) {
  auto hash_of = [&](const std::string& name, const std::string& password) {
    auto printed = run_process(
        {"/bin/sh", "-c",
         "printf '%s\\n' '" + password + "' | '" + eventbot() + "' hash-password " + name});
    EXPECT_EQ(printed.exit_code, 0) << describe(printed);
    EXPECT_EQ(printed.out.rfind("SCRAM-SHA-256$4096:", 0), 0u) << printed.out;
    return printed.out.substr(0, printed.out.find('\n'));
  };
  sendchange_credential_ = "password_hash: \"" + hash_of("change", "changepw") + "\"";
  fs::create_directories(master_dir());
  master_test::write_file(master_dir() / "admin.password", "admin-file-secret\n");
  fs::permissions(master_dir() / "admin.password", fs::perms::owner_read | fs::perms::owner_write);
  ::setenv("EVENTBOT_E2E_DEV_PASSWORD", "dev-env-secret", 1);
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password_hash: ")" + hash_of("s1", "slave-secret") +
                                       R"("}
schedulers:
  - {type: any_branch, name: all, builders: [quick]}
  - {type: force, name: force, builders: [quick]}
builders:
  - name: quick
    slaves: [s1]
    steps:
      - {type: shell, name: hello, command: "echo hello"}
web:
  users:
    - {name: admin, password_file: admin.password, roles: [admin]}
    - {name: dev, password_env: EVENTBOT_E2E_DEV_PASSWORD}
  authz:
    force_build: anyone
    stop_build: [admin]
)"));
  ::unsetenv("EVENTBOT_E2E_DEV_PASSWORD");
  start_slave("s1", "slave-secret");
  ASSERT_TRUE(wait_attached({"s1"}));
  auto sent = sendchange("main", "r1");
  ASSERT_EQ(sent.exit_code, 0) << describe(sent);
  ASSERT_TRUE(wait_for([&] { return finished("quick", 0); }));
  EXPECT_EQ(build("quick", 0).finished->result(), events::SUCCESS);
  EXPECT_NE(sendchange("main", "r2", {"--auth", "change:wrong"}).exit_code, 0);

  const auto where = "127.0.0.1:" + std::to_string(port_);
  // Anonymous: force_build is open to anyone, stop_build is not.
  auto forced = run_process({eventbot(), "force", "-m", where, "force", "--reason", "by anyone"});
  EXPECT_EQ(forced.exit_code, 0) << describe(forced);
  ASSERT_TRUE(wait_for([&] { return finished("quick", 1); }));
  auto stop_anonymous = run_process({eventbot(), "stop-build", "-m", where, "quick", "1"});
  EXPECT_EQ(stop_anonymous.exit_code, 1);
  EXPECT_NE(stop_anonymous.err.find("anonymous users may not stop_build"), std::string::npos)
      << describe(stop_anonymous);
  // admin from --auth USER with the master's own password file; dev from the environment
  // (logged in, but not allowed); a wrong password in the environment is refused.
  auto admin = run_process({eventbot(), "stop-build", "-m", where, "--auth", "admin", "--auth-file",
                            (master_dir() / "admin.password").string(), "quick", "1"});
  EXPECT_EQ(admin.exit_code, 1);
  EXPECT_NE(admin.err.find("has finished"), std::string::npos) << describe(admin);
  auto dev = run_process({"/usr/bin/env", "EVENTBOT_AUTH=dev:dev-env-secret", eventbot(),
                          "stop-build", "-m", where, "quick", "1"});
  EXPECT_NE(dev.err.find("user 'dev' may not stop_build"), std::string::npos) << describe(dev);
  auto wrong = run_process({"/usr/bin/env", "EVENTBOT_AUTH=dev:nope", eventbot(), "stop-build",
                            "-m", where, "quick", "1"});
  EXPECT_NE(wrong.err.find("refused the connection: wrong name or password"), std::string::npos)
      << describe(wrong);

  // No secret in master.log, in any event (ConfigLoaded included), or in the answers.
  const auto master_log = master_test::read_file(master_dir() / "master.log");
  for (const std::string secret : {"admin-file-secret", "dev-env-secret", "slave-secret"}) {
    EXPECT_EQ(master_log.find(secret), std::string::npos) << secret;
    for (const auto& event : log_.events()) {
      EXPECT_EQ(event.DebugString().find(secret), std::string::npos) << event.DebugString();
    }
    for (const auto* result : {&forced, &stop_anonymous, &admin, &dev, &wrong}) {
      EXPECT_EQ((result->out + result->err).find(secret), std::string::npos) << secret;
    }
  }
  auto loaded = select(&Envelope::has_config_loaded);
  ASSERT_FALSE(loaded.empty());
  EXPECT_NE(loaded.back().config_loaded().content().find("<redacted>"), std::string::npos);
}

}  // namespace
}  // namespace eventbot::testing

namespace eventbot::testing {
namespace {

namespace fs = std::filesystem;
using build_e2e::EventLogView;

// Every byte of a file, for comparing transfers (100 MB: fine in a test).
std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_F(BuildE2E, HundredMegabytesGoUpToTheMasterAndBackIntact) {
  // 100 MB of random bytes: made on the slave, uploaded to the master, downloaded back
  // under another name, compared on the slave (cmp) and by the test (every byte).
  ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [transfers]}
builders:
  - name: transfers
    slaves: [s1]
    steps:
      - {type: shell, name: make, command: "head -c 100000000 /dev/urandom > big"}
      - {type: file_upload, name: up, slavesrc: big, masterdest: uploads/big}
      - {type: file_download, name: down, mastersrc: uploads/big, slavedest: back}
      - {type: shell, name: compare, command: "cmp big back && sha256sum big back"}
)"));
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);

  ASSERT_TRUE(wait_for([&] { return finished("transfers", 0); }, std::chrono::seconds(120)));
  auto b = build("transfers", 0);
  EXPECT_EQ(b.finished->result(), events::SUCCESS);
  for (std::uint32_t step = 0; step < 4; ++step) {
    ASSERT_TRUE(b.steps_finished.count(step)) << "step " << step;
    EXPECT_EQ(b.steps_finished[step].result(), events::SUCCESS) << "step " << step;
  }
  const auto made = slave_dir("s1") / "transfers" / "build" / "big";
  const auto uploaded = master_dir() / "uploads" / "big";
  const auto back = slave_dir("s1") / "transfers" / "build" / "back";
  ASSERT_EQ(fs::file_size(made), 100'000'000u);
  ASSERT_EQ(fs::file_size(uploaded), 100'000'000u);
  ASSERT_EQ(fs::file_size(back), 100'000'000u);
  const auto original = file_bytes(made);
  EXPECT_TRUE(original == file_bytes(uploaded)) << "the master's copy differs";
  EXPECT_TRUE(original == file_bytes(back)) << "the downloaded copy differs";
  // The slave's own checksums of both files, in the compare step's log, agree.
  auto text = log_.text(streams::log("transfers", 0, 3, "stdio"));
  ASSERT_EQ(text.size(), 2 * (64 + 2) + std::string("big\n").size() + std::string("back\n").size())
      << text;
  EXPECT_EQ(text.substr(0, 64), text.substr(text.find('\n') + 1, 64));
}

// ---------------------------------------------------------------------------------------
// The slave port against hostile peers (docs/SECURITY.md, "The slave port").

const char* const kOneSlave = R"(slaves:
  - {name: s1, password: pw}
builders:
  - name: b
    slaves: [s1]
    steps:
      - {type: shell, command: "true"}
)";

// Tried: 300 logins as names nobody has: 100 of 1 MiB, 100 of 60 KiB full of newlines,
// terminal escapes and non-ASCII, 100 short ones (half not UTF-8), plus wrong passwords
// for s1.
// Survived: the store, master.log and the master's memory barely grow; the refusals
// are a handful of records with names escaped and cut; s1 then attaches.
TEST_F(BuildE2E, RefusedLoginsWithHugeOrOddNamesKeepStoreLogAndMemoryBounded) {
  ASSERT_NO_FATAL_FAILURE(start_master(kOneSlave));
  const int pid = *master_pid_;
  const auto store_before = hostile::bytes_under(master_dir() / "events");
  const auto log_before = hostile::size_of(master_dir() / "master.log");
  const auto rss_before = hostile::status_kib(pid, "VmRSS");
  std::string odd;
  while (odd.size() < 60 * 1024) odd += "\xC3\xA9\n[error] forged line\x1b[31m ";
  for (int i = 0; i < 300; ++i) {
    std::string name = i % 3 == 0   ? std::string(1024 * 1024, 'n') + std::to_string(i)
                       : i % 3 == 1 ? odd + std::to_string(i)
                       : i % 2 == 0 ? "nobody-" + std::to_string(i)
                                    : "not-utf8-\xFF\xFE-" + std::to_string(i);
    auto client = port::PortClient::connect("127.0.0.1", port_, wire::SLAVE, name, "pw", 10s);
    ASSERT_FALSE(client) << "login " << i << " was accepted";
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(port::PortClient::connect("127.0.0.1", port_, wire::SLAVE, "s1", "wrong", 10s));
  }
  ASSERT_TRUE(wait_for([&] { return select(&Envelope::has_slave_auth_failed).size() >= 2; }));

  const auto refusals = select(&Envelope::has_slave_auth_failed);
  EXPECT_LE(refusals.size(), 4u) << "refusals are aggregated per minute";
  for (const auto& e : refusals) {
    const auto& failed = e.slave_auth_failed();
    EXPECT_LE(failed.slave().size(), 128u);
    EXPECT_TRUE(is_valid_utf8(failed.slave()));
    EXPECT_EQ(failed.slave().find('\n'), std::string::npos) << failed.slave();
    EXPECT_TRUE(e.stream() == streams::slave("s1") || e.stream() == streams::master("e2e"))
        << "no stream per name offered: " << e.stream().substr(0, 100);
  }
  EXPECT_LT(hostile::bytes_under(master_dir() / "events") - store_before, 1024u * 1024u);
  const auto log_growth = hostile::size_of(master_dir() / "master.log") - log_before;
  EXPECT_LT(log_growth, 64u * 1024u);
  EXPECT_EQ(master_test::read_file(master_dir() / "master.log").find("forged line\x1b"),
            std::string::npos);
  const auto rss_after = hostile::status_kib(pid, "VmRSS");
  EXPECT_LT(rss_after, rss_before + 64 * 1024) << rss_before << " KiB before";

  start_slave("s1", "pw");
  EXPECT_TRUE(wait_attached({"s1"}));
}

// Tried: 48 connections that never log in, each announcing a 16 MiB frame and sending
// all of it but the last byte. Survived: with the default limits each is closed as soon
// as the size is read, the master's memory stays where it was, and a real slave attaches.
TEST_F(BuildE2E, BigFramesBeforeLoginAreRefusedWithoutBeingRead) {
  ASSERT_NO_FATAL_FAILURE(start_master(kOneSlave));
  const int pid = *master_pid_;
  const auto rss_before = hostile::status_kib(pid, "VmRSS");
  std::vector<std::unique_ptr<hostile::RawWebSocket>> peers;
  for (int i = 0; i < 48; ++i) {
    auto& peer = peers.emplace_back(std::make_unique<hostile::RawWebSocket>());
    ASSERT_FALSE(peer->connect(port_)) << "peer " << i;
    (void)peer->send_almost_all_of_a_frame(16 * 1024 * 1024);
  }
  // All 48 still open on our side: what the master holds for them is what it costs.
  const auto rss_during = hostile::status_kib(pid, "VmRSS");
  EXPECT_LT(rss_during, rss_before + 64 * 1024) << rss_before << " KiB before";
  for (auto& peer : peers) EXPECT_TRUE(peer->closed_by_master(1s));
  EXPECT_NE(
      master_test::read_file(master_dir() / "master.log").find("oversized frame before login"),
      std::string::npos);
  start_slave("s1", "pw");
  EXPECT_TRUE(wait_attached({"s1"}));
}

// Tried: more silent connections from one address than max_pending_per_address allows.
// Survived: the ones past the cap are closed at once with a line in master.log; the ones
// admitted are dropped at login_timeout, and a slave from the same address then attaches.
TEST_F(BuildE2E, ConnectionsPastTheCapsAreClosedAndTheLoginDeadlineFreesTheRest) {
  ASSERT_NO_FATAL_FAILURE(
      start_master(kOneSlave, 10, "port_limits: {max_pending_per_address: 4, login_timeout: 3}"));
  std::vector<int> silent;
  for (int i = 0; i < 10; ++i) {
    int fd = hostile::silent_tcp(port_);
    ASSERT_GE(fd, 0);
    silent.push_back(fd);
  }
  int closed_at_once = 0;
  for (std::size_t i = 4; i < silent.size(); ++i) {
    closed_at_once += hostile::closed_by_peer(silent[i], 1s) ? 1 : 0;
  }
  EXPECT_EQ(closed_at_once, 6) << "the six past the cap";
  EXPECT_TRUE(wait_for(
      [&] {
        return master_test::read_file(master_dir() / "master.log")
                   .find("over max_pending_per_address") != std::string::npos;
      },
      5s, false));
  // The four admitted are dropped at the deadline.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(hostile::closed_by_peer(silent[i], 10s)) << i;
  for (int fd : silent) ::close(fd);
  EXPECT_NE(master_test::read_file(master_dir() / "master.log").find("not logged in within"),
            std::string::npos);
  start_slave("s1", "pw");
  EXPECT_TRUE(wait_attached({"s1"}));
}

// Tried: a master out of file descriptors (RLIMIT_NOFILE lowered to what it uses plus
// a few, below the default caps) while 60 connections wait to be accepted. Survived: it
// neither spins nor floods master.log, and once the connections close it accepts again:
// a slave attaches.
TEST_F(BuildE2E, OutOfDescriptorsTheMasterBacksOffAndRecovers) {
  ASSERT_NO_FATAL_FAILURE(start_master(kOneSlave));
  const int pid = *master_pid_;
  const auto used = hostile::open_descriptors(pid);
  rlimit low{used + 8, used + 8};
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0) << std::strerror(errno);
  std::vector<int> waiting;
  for (int i = 0; i < 60; ++i) {
    int fd = hostile::silent_tcp(port_);  // the kernel completes them: they queue
    ASSERT_GE(fd, 0);
    waiting.push_back(fd);
  }
  ASSERT_TRUE(wait_for(
      [&] {
        return master_test::read_file(master_dir() / "master.log").find("Too many open files") !=
               std::string::npos;
      },
      10s, false));
  const auto log_before = hostile::size_of(master_dir() / "master.log");
  const double cpu_before = hostile::cpu_seconds(pid);
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(3s);  // the span measured, not a synchronisation
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = hostile::cpu_seconds(pid) - cpu_before;
  EXPECT_LT(cpu, 0.25 * wall) << "the accept loop spins";
  EXPECT_LT(hostile::size_of(master_dir() / "master.log") - log_before, 4096u);

  for (int fd : waiting) ::close(fd);
  start_slave("s1", "pw");
  EXPECT_TRUE(wait_attached({"s1"}));
  EXPECT_NE(master_test::read_file(master_dir() / "master.log").find("accepting connections again"),
            std::string::npos);
}

// Tried: an agent whose info/host is 100 KiB with bytes that are not UTF-8. Survived: it
// attaches, and SlaveAttached holds valid UTF-8 cut to a bound.
TEST_F(BuildE2E, TheSlavesOwnInfoIsBoundedAndValidUtf8InItsEvent) {
  ASSERT_NO_FATAL_FAILURE(start_master(kOneSlave));
  std::string host;
  while (host.size() < 100 * 1024) host += "build host \xFF\xFE caf\xC3\xA9\n";
  auto created =
      create_slave(slave_dir("s1"), port_, "s1", "pw", "retry_initial: 0.2\n", {"--maxdelay", "1"});
  ASSERT_EQ(created.exit_code, 0) << describe(created);
  master_test::write_file(slave_dir("s1") / "info" / "host", host);
  agents_["s1"] = std::make_unique<AgentProcess>(slave_dir("s1"));
  ASSERT_TRUE(wait_attached({"s1"}));
  const auto attached = select(&Envelope::has_slave_attached).back().slave_attached();
  EXPECT_TRUE(is_valid_utf8(attached.host()));
  EXPECT_LE(attached.host().size(), 1100u);
  EXPECT_EQ(attached.host().rfind("build host \xEF\xBF\xBD", 0), 0u)
      << attached.host().substr(0, 40);
  EXPECT_NE(attached.host().find(" [... truncated, "), std::string::npos) << "the cut is marked";
}

// Tried: changing s1's settings in master.yaml and `eventbot reconfig` while it is
// attached. Survived: master.log says the slave was reconfigured (not that the master
// stops), the agent is told why and attaches again.
TEST_F(BuildE2E, ReconfiguringASlaveSaysSoAndItAttachesAgain) {
  ASSERT_NO_FATAL_FAILURE(start_master(kOneSlave));
  start_slave("s1", "pw");
  ASSERT_TRUE(wait_attached({"s1"}));
  auto yaml = master_test::read_file(master_dir() / "master.yaml");
  const std::string before = "{name: s1, password: pw}";
  ASSERT_NE(yaml.find(before), std::string::npos);
  yaml.replace(yaml.find(before), before.size(), "{name: s1, password: pw, max_builds: 2}");
  master_test::write_file(master_dir() / "master.yaml", yaml);
  auto reconfigured = run_process({eventbot(), "reconfig", master_dir().string()});
  ASSERT_EQ(reconfigured.exit_code, 0) << describe(reconfigured);
  ASSERT_TRUE(wait_for([&] { return select(&Envelope::has_slave_attached).size() >= 2; }));
  const auto detached = select(&Envelope::has_slave_detached);
  ASSERT_EQ(detached.size(), 1u);
  EXPECT_NE(detached[0].slave_detached().reason().find("reconfigured"), std::string::npos)
      << detached[0].slave_detached().reason();
  const auto log = master_test::read_file(master_dir() / "master.log");
  EXPECT_NE(log.find("slave s1: reconfigured"), std::string::npos) << tail(log);
  EXPECT_EQ(log.find("the master is stopping"), std::string::npos) << tail(log);
  EXPECT_NE(read_file(slave_dir("s1") / "slave.log").find("reconfigured"), std::string::npos);
}

// --- the web gateway: /api/v2 over real sockets, against builds run by real slaves ---

// Two builds of builder `gw` (the first on main succeeds, the second on dev fails its
// second step) with the gateway on web_port_; each test reads them through /api/v2.
class GatewayE2E : public BuildE2E {
 protected:
  void run_two_builds() {
    ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [gw]}
  - {type: force, name: force, builders: [gw]}
builders:
  - name: gw
    slaves: [s1]
    description: builds for the gateway's tests
    tags: [api]
    steps:
      - {type: shell, name: count, command: "i=1; while [ $i -le 50 ]; do echo line $i; i=$((i+1)); done"}
      - {type: shell, name: check, command: "echo checking >&2; test %(branch)s = main"}
web:
  bind: 127.0.0.1
)"));
    start_slave("s1", "pw1");
    ASSERT_TRUE(wait_attached({"s1"}));
    ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
    ASSERT_TRUE(wait_for([&] { return finished("gw", 0); }));
    ASSERT_EQ(sendchange("dev", "r2").exit_code, 0);
    ASSERT_TRUE(wait_for([&] { return finished("gw", 1); }));
    // The gateway folds what the master's subscription hands it: wait until it has the end.
    ASSERT_TRUE(wait_for([&] {
      auto answer = http_get(web_port_, "/api/v2/builds?complete=true");
      return answer && answer->status == 200 && json::parse(answer->body)["meta"]["total"] == 2;
    }));
  }

  // GET `target`; the answer's JSON, after checking its status.
  json get(const std::string& target, int status = 200) {
    auto answer = http_get(web_port_, target);
    EXPECT_TRUE(answer) << target;
    if (!answer) return json();
    EXPECT_EQ(answer->status, status) << target << ": " << answer->body;
    EXPECT_EQ(answer->header("content-type"), "application/json") << target;
    auto parsed = json::parse(answer->body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << target << ": " << answer->body;
    return parsed;
  }

  // The ids (`id_field`) of a collection's answer, in order.
  std::vector<int> ids(const std::string& target, const std::string& name,
                       const std::string& id_field) {
    std::vector<int> out;
    const json answer = get(target);
    for (const auto& entry : answer[name]) out.push_back(entry.value(id_field, -1));
    return out;
  }
};

TEST_F(GatewayE2E, BuildersBuildsAndStepsAnswerAsBuildbotsDataApi) {
  ASSERT_NO_FATAL_FAILURE(run_two_builds());
  auto builders = get("/api/v2/builders");
  ASSERT_EQ(builders["builders"].size(), 1u) << builders;
  const auto& gw = builders["builders"][0];
  EXPECT_EQ(gw["name"], "gw");
  EXPECT_EQ(gw["description"], "builds for the gateway's tests");
  EXPECT_EQ(gw["tags"], json::array({"api"}));
  EXPECT_EQ(gw["masterids"], json::array({1}));
  EXPECT_EQ(builders["meta"]["total"], 1);
  const int builderid = gw["builderid"];
  EXPECT_EQ(get("/api/v2/builders/gw")["builders"][0]["builderid"], builderid);  // by name
  EXPECT_EQ(get("/api/v2/builders/" + std::to_string(builderid))["builders"][0]["name"], "gw");

  auto builds = get("/api/v2/builders/" + std::to_string(builderid) + "/builds");
  ASSERT_EQ(builds["builds"].size(), 2u) << builds;
  EXPECT_EQ(builds["meta"]["total"], 2);
  const auto& first = builds["builds"][0];
  EXPECT_EQ(first["number"], 0);
  EXPECT_EQ(first["builderid"], builderid);
  EXPECT_EQ(first["complete"], true);
  EXPECT_EQ(first["results"], 0);  // SUCCESS
  EXPECT_TRUE(first["started_at"].is_number_integer()) << first;
  EXPECT_TRUE(first["complete_at"].is_number_integer()) << first;
  EXPECT_GE(first["complete_at"].get<std::int64_t>(), first["started_at"].get<std::int64_t>());
  EXPECT_EQ(first["buildrequestid"], 1);
  EXPECT_EQ(first["masterid"], 1);
  EXPECT_TRUE(first["workerid"].is_number_integer()) << first;
  EXPECT_EQ(builds["builds"][1]["results"], 2);  // FAILURE
  for (const char* field :
       {"buildid", "number", "builderid", "buildrequestid", "workerid", "masterid", "started_at",
        "complete", "complete_at", "results", "state_string"}) {
    EXPECT_TRUE(first.contains(field)) << field;
  }

  const int buildid = builds["builds"][1]["buildid"];
  auto one = get("/api/v2/builds/" + std::to_string(buildid));
  ASSERT_EQ(one["builds"].size(), 1u);
  EXPECT_EQ(one["builds"][0]["number"], 1);
  EXPECT_EQ(get("/api/v2/builders/gw/builds/1")["builds"][0]["buildid"], buildid);

  auto steps = get("/api/v2/builds/" + std::to_string(buildid) + "/steps");
  ASSERT_EQ(steps["steps"].size(), 2u) << steps;
  EXPECT_EQ(steps["steps"][0]["name"], "count");
  EXPECT_EQ(steps["steps"][0]["number"], 0);
  EXPECT_EQ(steps["steps"][0]["results"], 0);
  EXPECT_EQ(steps["steps"][0]["buildid"], buildid);
  EXPECT_EQ(steps["steps"][1]["name"], "check");
  EXPECT_EQ(steps["steps"][1]["results"], 2);
  EXPECT_EQ(steps["steps"][1]["complete"], true);
  const auto stepid = steps["steps"][1]["stepid"].get<std::uint64_t>();
  EXPECT_EQ(get("/api/v2/steps/" + std::to_string(stepid))["steps"][0]["name"], "check");
  EXPECT_EQ(get("/api/v2/builds/" + std::to_string(buildid) + "/steps/check")["steps"][0]["stepid"],
            stepid);

  // Properties: on request only, from the build's stream.
  EXPECT_FALSE(one["builds"][0].contains("properties"));
  auto with = get("/api/v2/builds/" + std::to_string(buildid) + "?property=branch");
  EXPECT_EQ(with["builds"][0]["properties"]["branch"][0], "dev") << with;
  auto listed = get("/api/v2/builds?property=*&order=number");
  EXPECT_EQ(listed["builds"][0]["properties"]["branch"][0], "main") << listed;
  auto properties = get("/api/v2/builds/" + std::to_string(buildid) + "/properties");
  EXPECT_EQ(properties["properties"][0]["branch"][0], "dev") << properties;
}

TEST_F(GatewayE2E, LogsGiveTheirLinesByRangeAndRawWithAFileName) {
  ASSERT_NO_FATAL_FAILURE(run_two_builds());
  auto steps = get("/api/v2/builders/gw/builds/0/steps");
  ASSERT_EQ(steps["steps"].size(), 2u);
  const auto stepid = steps["steps"][0]["stepid"].get<std::uint64_t>();
  auto logs = get("/api/v2/steps/" + std::to_string(stepid) + "/logs");
  ASSERT_EQ(logs["logs"].size(), 1u) << logs;
  const auto& stdio = logs["logs"][0];
  EXPECT_EQ(stdio["name"], "stdio");
  EXPECT_EQ(stdio["slug"], "stdio");
  EXPECT_EQ(stdio["type"], "s");
  EXPECT_EQ(stdio["stepid"], stepid);
  EXPECT_EQ(stdio["complete"], true);
  // The whole log as lines, each with its channel's prefix: stdout's are the 50 lines the
  // step printed, in order, between the slave's header lines.
  const int lines = stdio["num_lines"];
  const auto logid = stdio["logid"].get<std::uint64_t>();
  const std::string base = "/api/v2/logs/" + std::to_string(logid);
  EXPECT_EQ(get(base)["logs"][0]["num_lines"], lines);
  EXPECT_EQ(get("/api/v2/steps/" + std::to_string(stepid) + "/logs/stdio")["logs"][0]["logid"],
            logid);
  auto whole = get(base + "/contents");
  ASSERT_EQ(whole["logchunks"].size(), 1u) << whole;
  EXPECT_EQ(whole["logchunks"][0]["firstline"], 0);
  EXPECT_EQ(whole["logchunks"][0]["logid"], logid);
  std::vector<std::string> all_lines;
  std::string out;
  std::istringstream in(whole["logchunks"][0]["content"].get<std::string>());
  for (std::string line; std::getline(in, line);) {
    all_lines.push_back(line + "\n");
    if (line.starts_with("o")) out += line.substr(1) + "\n";
  }
  ASSERT_EQ(static_cast<int>(all_lines.size()), lines);
  EXPECT_EQ(out, numbered_lines("line", 50));
  EXPECT_EQ(out, log_.text(streams::log("gw", 0, 0, "stdio"), events::STDOUT));
  // Ranges are slices of it: the last three lines, a range in the middle, past the end.
  auto range = [&](int offset, int limit) {
    std::string expected;
    for (int i = offset; i < std::min(lines, offset + limit); ++i) expected += all_lines[i];
    return expected;
  };
  auto tail = get(base + "/contents?offset=" + std::to_string(lines - 3) + "&limit=3");
  EXPECT_EQ(tail["logchunks"][0]["firstline"], lines - 3);
  EXPECT_EQ(tail["logchunks"][0]["content"], range(lines - 3, 3));
  auto first = std::find(all_lines.begin(), all_lines.end(), "oline 10\n");
  ASSERT_NE(first, all_lines.end());
  const int at = static_cast<int>(first - all_lines.begin());
  auto middle = get(base + "/contents?offset=" + std::to_string(at) + "&limit=2");
  EXPECT_EQ(middle["logchunks"][0]["content"], "oline 10\noline 11\n");
  auto past = get(base + "/contents?offset=" + std::to_string(lines) + "&limit=5");
  EXPECT_EQ(past["logchunks"][0]["content"], "");

  // The failing step's stderr is marked as such.
  const auto failing = steps["steps"][1]["stepid"].get<std::uint64_t>();
  auto check_logs = get("/api/v2/steps/" + std::to_string(failing) + "/logs");
  const auto check_log = check_logs["logs"][0]["logid"].get<std::uint64_t>();
  auto check = get("/api/v2/logs/" + std::to_string(check_log) + "/contents");
  EXPECT_NE(check["logchunks"][0]["content"].get<std::string>().find("echecking\n"),
            std::string::npos)
      << check;

  auto raw = http_get(web_port_, base + "/raw");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->status, 200);
  EXPECT_EQ(raw->header("content-disposition"),
            "attachment; filename=\"gw_build_0_step_count_log_stdio.log\"");
  EXPECT_EQ(raw->header("content-type"), "text/plain; charset=utf-8");
  std::string all;
  for (const auto& chunk : log_.chunks(streams::log("gw", 0, 0, "stdio"))) all += chunk.data;
  EXPECT_EQ(raw->body, all);
}

TEST_F(GatewayE2E, RequestsBuildsetsChangesWorkersMastersAndSchedulers) {
  ASSERT_NO_FATAL_FAILURE(run_two_builds());
  auto requests = get("/api/v2/buildrequests");
  ASSERT_EQ(requests["buildrequests"].size(), 2u) << requests;
  const auto& request = requests["buildrequests"][0];
  EXPECT_EQ(request["buildrequestid"], 1);
  EXPECT_EQ(request["claimed"], true);
  EXPECT_EQ(request["complete"], true);
  EXPECT_EQ(request["results"], 0);
  EXPECT_EQ(request["claimed_by_masterid"], 1);
  EXPECT_EQ(get("/api/v2/buildrequests/2")["buildrequests"][0]["results"], 2);
  EXPECT_EQ(get("/api/v2/builders/gw/buildrequests")["meta"]["total"], 2);

  auto buildsets = get("/api/v2/buildsets");
  ASSERT_EQ(buildsets["buildsets"].size(), 2u) << buildsets;
  EXPECT_EQ(buildsets["buildsets"][0]["bsid"], 1);
  EXPECT_EQ(buildsets["buildsets"][0]["complete"], true);
  EXPECT_EQ(buildsets["buildsets"][0]["sourcestamps"][0]["branch"], "main");
  EXPECT_EQ(buildsets["buildsets"][1]["sourcestamps"][0]["revision"], "r2");

  auto changes = get("/api/v2/changes");
  ASSERT_EQ(changes["changes"].size(), 2u) << changes;
  EXPECT_EQ(changes["changes"][0]["changeid"], 1);
  EXPECT_EQ(changes["changes"][0]["author"], "tester");
  EXPECT_EQ(changes["changes"][0]["branch"], "main");
  EXPECT_EQ(changes["changes"][1]["revision"], "r2");
  EXPECT_EQ(changes["changes"][0]["files"], json::array({"file.c"}));
  EXPECT_EQ(get("/api/v2/changes/2")["changes"][0]["branch"], "dev");

  auto workers = get("/api/v2/workers");
  ASSERT_EQ(workers["workers"].size(), 1u) << workers;
  const auto& s1 = workers["workers"][0];
  EXPECT_EQ(s1["name"], "s1");
  EXPECT_EQ(s1["connected_to"], json::array({{{"masterid", 1}}}));
  EXPECT_EQ(s1["configured_on"][0]["masterid"], 1);
  EXPECT_EQ(get("/api/v2/slaves")["slaves"][0]["name"], "s1");  // the old name
  EXPECT_EQ(get("/api/v2/workers/s1")["workers"][0]["workerid"], s1["workerid"]);

  auto masters = get("/api/v2/masters");
  ASSERT_EQ(masters["masters"].size(), 1u);
  EXPECT_EQ(masters["masters"][0]["name"], "e2e");
  EXPECT_EQ(masters["masters"][0]["active"], true);

  auto schedulers = get("/api/v2/schedulers");
  ASSERT_EQ(schedulers["schedulers"].size(), 2u) << schedulers;
  EXPECT_EQ(schedulers["schedulers"][0]["name"], "all");
  EXPECT_EQ(schedulers["schedulers"][0]["master"]["name"], "e2e");
  auto force = get("/api/v2/forceschedulers");
  ASSERT_EQ(force["forceschedulers"].size(), 1u) << force;
  EXPECT_EQ(force["forceschedulers"][0]["name"], "force");
  EXPECT_EQ(force["forceschedulers"][0]["builder_names"], json::array({"gw"}));
  EXPECT_EQ(get("/api/v2/forceschedulers/force")["forceschedulers"][0]["name"], "force");
}

TEST_F(GatewayE2E, FiltersOrderAndPagesSelectTheBuildsAsked) {
  ASSERT_NO_FATAL_FAILURE(run_two_builds());
  EXPECT_EQ(ids("/api/v2/builds?order=-number", "builds", "number"), (std::vector<int>{1, 0}));
  EXPECT_EQ(ids("/api/v2/builds?order=number", "builds", "number"), (std::vector<int>{0, 1}));
  EXPECT_EQ(ids("/api/v2/builds?results=0", "builds", "number"), (std::vector<int>{0}));
  EXPECT_EQ(ids("/api/v2/builds?results__ne=0", "builds", "number"), (std::vector<int>{1}));
  EXPECT_EQ(ids("/api/v2/builds?number__gt=0", "builds", "number"), (std::vector<int>{1}));
  EXPECT_EQ(ids("/api/v2/builds?number__lt=1", "builds", "number"), (std::vector<int>{0}));
  EXPECT_EQ(ids("/api/v2/builds?number__ge=0&number__le=0", "builds", "number"),
            (std::vector<int>{0}));
  EXPECT_EQ(ids("/api/v2/changes?branch=dev", "changes", "changeid"), (std::vector<int>{2}));
  EXPECT_EQ(ids("/api/v2/changes?comments__contains=&order=-changeid", "changes", "changeid"),
            (std::vector<int>{2, 1}));
  EXPECT_EQ(ids("/api/v2/builds?state_string__contains=failed", "builds", "number"),
            (std::vector<int>{1}));
  auto page = get("/api/v2/builds?order=-number&limit=1");
  EXPECT_EQ(page["builds"].size(), 1u);
  EXPECT_EQ(page["builds"][0]["number"], 1);
  EXPECT_EQ(page["meta"]["total"], 2);  // before paging
  auto offset = get("/api/v2/builds?order=-number&limit=1&offset=1");
  EXPECT_EQ(offset["builds"][0]["number"], 0);
  auto fields = get("/api/v2/builds?field=number&field=results&order=number");
  EXPECT_EQ(fields["builds"][0], (json{{"number", 0}, {"results", 0}}));
  // A huge limit is only a limit.
  EXPECT_EQ(get("/api/v2/builds?limit=1000000000")["builds"].size(), 2u);
}

TEST_F(GatewayE2E, ErrorsAreJsonWithTheirStatus) {
  ASSERT_NO_FATAL_FAILURE(run_two_builds());
  auto error_of = [&](const std::string& target, int status) {
    auto answer = get(target, status);
    EXPECT_TRUE(answer.contains("error")) << target << ": " << answer;
    return answer.value("error", std::string());
  };
  EXPECT_NE(error_of("/api/v2/nothing", 404).find("nothing"), std::string::npos);
  error_of("/api/v2/builds/999", 404);
  error_of("/api/v2/builds/abc", 404);
  error_of("/api/v2/builders/nope/builds", 404);
  error_of("/api/v2/builders/gw/builds/7", 404);
  error_of("/api/v2/steps/1", 404);
  error_of("/api/v2/logs/999999999", 404);
  error_of("/api/v2/changes/3", 404);
  error_of("/api/v2/builds/1/steps/9", 404);
  error_of("/not-the-api", 404);
  EXPECT_NE(error_of("/api/v2/builds?limit=-1", 400).find("limit"), std::string::npos);
  error_of("/api/v2/builds?limit=99999999999999999999999", 400);
  EXPECT_NE(error_of("/api/v2/builds?nope=1", 400).find("nope"), std::string::npos);
  error_of("/api/v2/builds?order=-nope", 400);
  error_of("/api/v2/builds?field=nope", 400);
  error_of("/api/v2/builds?a=%zz", 400);
  error_of("/api/v2/builds/1?results=0", 400);  // filters are for collections
  error_of("/api/v2/bu%zzilds", 400);

  // A POST is an action (JSON-RPC): one that is not a call is refused with a JSON error.
  auto post = http_request(web_port_, "POST", "/api/v2/builds", R"({"a": 1})");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 400);
  EXPECT_TRUE(json::parse(post->body).contains("error"));
  auto del = http_request(web_port_, "DELETE", "/api/v2/builds/1");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  EXPECT_EQ(del->header("allow"), "GET, HEAD, POST");
  // A body over the limit (64 KiB) is refused from its length; the server drops the rest
  // of it before closing, so the client reads the answer.
  auto big = http_request(web_port_, "POST", "/api/v2/builds", std::string(512 * 1024, 'x'));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_TRUE(json::parse(big->body).contains("error"));
  auto head = http_request(web_port_, "HEAD", "/api/v2/builds");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
}

TEST_F(GatewayE2E, HealthzAndMetricsNeedNoLogin) {
  ASSERT_NO_FATAL_FAILURE(run_two_builds());
  auto health = http_get(web_port_, "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
  auto metrics = http_get(web_port_, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = metrics->body;
  EXPECT_NE(text.find("eventbot_builds_running 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eventbot_builds_finished_total{result=\"success\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("eventbot_builds_finished_total{result=\"failure\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("eventbot_build_requests_pending 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eventbot_slaves_attached 1\n"), std::string::npos) << text;
}

TEST_F(GatewayE2E, BadInputGetsA4xxOrAClosedConnectionAndBuildsRunOn) {
  ASSERT_NO_FATAL_FAILURE(run_two_builds());
  // Not HTTP at all: 400, closed.
  auto garbage = http_raw(web_port_, std::string("\x16\x03\x01\x00\xff garbage\r\n\r\n", 18));
  EXPECT_TRUE(garbage.closed_by_server);
  EXPECT_NE(garbage.received.find("HTTP/1.1 400"), std::string::npos) << garbage.received;
  // Headers over the limit: 431, closed, without reading them all.
  auto huge = http_raw(web_port_, "GET /api/v2/builds HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                      std::string(64 * 1024, 'a') + "\r\n\r\n");
  EXPECT_TRUE(huge.closed_by_server);
  EXPECT_NE(huge.received.find("HTTP/1.1 431"), std::string::npos) << huge.received.substr(0, 200);
  // A declared body over the limit: 413 before the body is sent.
  auto declared = http_raw(web_port_,
                           "POST /api/v2/builds HTTP/1.1\r\nHost: x\r\nContent-Length: "
                           "1000000000\r\n\r\n");
  EXPECT_TRUE(declared.closed_by_server);
  EXPECT_NE(declared.received.find("HTTP/1.1 413"), std::string::npos) << declared.received;
  // A client that never finishes its request is closed after the deadline (10 s).
  auto started = std::chrono::steady_clock::now();
  auto slow = http_raw(web_port_, "GET /api/v2/builds HTTP/1.1\r\nHost: x\r\n", 30s);
  EXPECT_TRUE(slow.closed_by_server);
  EXPECT_EQ(slow.received, "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);

  // Connections over the cap (512) are closed at once; those within it are served.
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> held;
  boost::asio::io_context io;
  for (int i = 0; i < 512; ++i) {
    auto socket = std::make_unique<boost::asio::ip::tcp::socket>(io);
    boost::system::error_code ec;
    socket->connect({boost::asio::ip::make_address("127.0.0.1"), web_port_}, ec);
    ASSERT_FALSE(ec) << i << ": " << ec.message();
    held.push_back(std::move(socket));
  }
  bool refused = wait_for(
      [&] {
        auto over = http_raw(web_port_, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 5s);
        return over.closed_by_server && over.received.empty();
      },
      10s, false);
  EXPECT_TRUE(refused) << "a connection over the cap was served";
  held.clear();
  ASSERT_TRUE(wait_for(
      [&] {
        auto answer = http_get(web_port_, "/healthz");
        return answer && answer->status == 200;
      },
      10s, false));

  // The master went on: a third build runs and the gateway shows it.
  ASSERT_EQ(sendchange("main", "r3").exit_code, 0);
  ASSERT_TRUE(wait_for([&] { return finished("gw", 2); }));
  ASSERT_TRUE(wait_for([&] {
    auto answer = http_get(web_port_, "/api/v2/builders/gw/builds/2");
    return answer && answer->status == 200 &&
           json::parse(answer->body)["builds"][0]["complete"] == true;
  }));
}

TEST_F(GatewayE2E, ARestartedMasterAnswersTheSameIdsFromItsFold) {
  ASSERT_NO_FATAL_FAILURE(run_two_builds());
  auto before = get("/api/v2/builds?order=buildid");
  auto steps_before = get("/api/v2/builds/2/steps");
  ASSERT_NO_FATAL_FAILURE(stop_master());
  EXPECT_FALSE(http_get(web_port_, "/healthz"));  // nothing listens while it is down
  ASSERT_NO_FATAL_FAILURE(restart_master());
  ASSERT_TRUE(wait_for([&] { return master_test::can_connect(web_port_); }, 10s, false));
  auto after = get("/api/v2/builds?order=buildid");
  EXPECT_EQ(after, before);
  EXPECT_EQ(get("/api/v2/builds/2/steps"), steps_before);
  EXPECT_EQ(get("/api/v2/masters")["masters"][0]["active"], true);
}

// --- the web gateway's logins and actions: sessions, CSRF, Basic, API tokens, JSON-RPC ---

// Users admin (role admin) and dev (no role); force_build, stop_build and
// cancel_pending_build are the admins'. Builder `long` runs a step of a minute, forced
// through the force scheduler `force`. `view` (reading /api/v2) as given.
class GatewayAuthE2E : public GatewayE2E {
 protected:
  void start_auth_master(const std::string& view = "") {
    ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: force, name: force, builders: [long]}
builders:
  - name: long
    slaves: [s1]
    steps:
      - {type: shell, name: wait, command: "for i in $(seq 1 600); do echo $i; sleep 0.1; done"}
web:
  users:
    - {name: admin, password: admin-secret, roles: [admin]}
    - {name: dev, password: dev-secret}
  authz:
    force_build: [admin]
    stop_build: [admin]
    cancel_pending_build: [admin]
)" + (view.empty() ? "" : "    view: " + view + "\n")));
    start_slave("s1", "pw1");
    ASSERT_TRUE(wait_attached({"s1"}));
  }

  static std::string basic(const std::string& user, const std::string& password) {
    return basic_authorization(user, password);
  }

  HttpAnswer send(const std::string& method, const std::string& target, const std::string& body,
                  std::map<std::string, std::string> headers) {
    auto answer = http_send(web_port_, method, target, body, headers);
    EXPECT_TRUE(answer) << method << " " << target;
    return answer ? *answer : HttpAnswer{};
  }

  HttpAnswer login(const std::string& user, const std::string& password) {
    return send("POST", "/auth/login", "username=" + user + "&password=" + password,
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  }

  // A JSON-RPC call on `path` with `headers` (Content-Type added).
  HttpAnswer rpc(const std::string& path, const std::string& method, const json& params,
                 std::map<std::string, std::string> headers) {
    headers["Content-Type"] = "application/json";
    const json call = {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", 1}};
    return send("POST", "/api/v2/" + path, call.dump(), headers);
  }

  // The session cookie's "name=value" from a login's answer.
  static std::string cookie_of(const HttpAnswer& answer) {
    for (const auto& cookie : answer.set_cookies) {
      if (cookie.starts_with("eventbot_session=")) return cookie.substr(0, cookie.find(';'));
    }
    return {};
  }

  // Waits until the gateway has build `id` (its subscription is behind the log).
  bool gateway_has_build(int id, const std::string& auth) {
    return wait_for([&] {
      auto answer = http_send(web_port_, "GET", "/api/v2/builds/" + std::to_string(id), "",
                              {{"Authorization", auth}});
      return answer && answer->status == 200;
    });
  }

  // No password or token in master.log or any event.
  void expect_secrets_kept(const std::vector<std::string>& secrets) {
    const auto master_log = master_test::read_file(master_dir() / "master.log");
    log_.refresh();
    for (const auto& secret : secrets) {
      ASSERT_FALSE(secret.empty());
      EXPECT_EQ(master_log.find(secret), std::string::npos) << secret;
      for (const auto& event : log_.events()) {
        EXPECT_EQ(event.DebugString().find(secret), std::string::npos) << event.DebugString();
      }
    }
  }
};

TEST_F(GatewayAuthE2E, LoginSetsAStrictHttpOnlyCookieAndMeAndLogoutUseIt) {
  ASSERT_NO_FATAL_FAILURE(start_auth_master());
  auto logged = login("admin", "admin-secret");
  ASSERT_EQ(logged.status, 200) << logged.body;
  ASSERT_EQ(logged.set_cookies.size(), 1u);
  const auto& cookie = logged.set_cookies[0];
  EXPECT_TRUE(cookie.starts_with("eventbot_session=")) << cookie;
  for (const char* flag : {"; HttpOnly", "; SameSite=Strict", "; Path=/", "; Max-Age=28800"}) {
    EXPECT_NE(cookie.find(flag), std::string::npos) << flag << " in " << cookie;
  }
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "not TLS: " << cookie;
  // 256 random bits: 64 hex digits.
  EXPECT_EQ(cookie_of(logged).size(), std::string("eventbot_session=").size() + 64);
  const auto body = json::parse(logged.body);
  EXPECT_EQ(body["user"], "admin");
  EXPECT_EQ(body["roles"], json::array({"admin"}));
  const std::string csrf = body["csrf_token"];
  EXPECT_EQ(csrf.size(), 64u);
  EXPECT_EQ(logged.body.find("admin-secret"), std::string::npos);

  auto me = send("GET", "/auth/me", "", {{"Cookie", cookie_of(logged)}});
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(json::parse(me.body)["user"], "admin");
  EXPECT_EQ(json::parse(me.body)["csrf_token"], csrf);
  auto anonymous = json::parse(send("GET", "/auth/me", "", {}).body);
  EXPECT_TRUE(anonymous["user"].is_null());
  EXPECT_FALSE(anonymous.contains("csrf_token"));

  // Logout changes state: it needs the CSRF token too.
  EXPECT_EQ(send("POST", "/auth/logout", "", {{"Cookie", cookie_of(logged)}}).status, 403);
  auto out =
      send("POST", "/auth/logout", "", {{"Cookie", cookie_of(logged)}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(out.status, 200);
  ASSERT_EQ(out.set_cookies.size(), 1u);
  EXPECT_NE(out.set_cookies[0].find("Max-Age=0"), std::string::npos);
  EXPECT_TRUE(json::parse(send("GET", "/auth/me", "", {{"Cookie", cookie_of(logged)}}).body)["user"]
                  .is_null());
  expect_secrets_kept({"admin-secret"});
}

TEST_F(GatewayAuthE2E, AWrongPasswordIs401AndRepeatedFailuresLockTheAddressOut) {
  ASSERT_NO_FATAL_FAILURE(start_auth_master());
  for (int i = 0; i < 5; ++i) {
    auto wrong = login("admin", "guess-" + std::to_string(i));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_TRUE(wrong.set_cookies.empty());
  }
  // Locked out: even the right password (and Basic) is refused for now.
  auto locked = login("admin", "admin-secret");
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_FALSE(locked.header("retry-after").empty());
  EXPECT_TRUE(locked.set_cookies.empty());
  EXPECT_EQ(send("GET", "/auth/me", "", {{"Authorization", basic("admin", "admin-secret")}}).status,
            429);
  expect_secrets_kept({"admin-secret", "guess-0", "guess-4"});
}

TEST_F(GatewayAuthE2E, ASessionNeedsItsCsrfTokenToForceAndThenForcesABuild) {
  ASSERT_NO_FATAL_FAILURE(start_auth_master());
  auto logged = login("admin", "admin-secret");
  ASSERT_EQ(logged.status, 200) << logged.body;
  const std::string csrf = json::parse(logged.body)["csrf_token"];
  const json params = {{"reason", "from the page"}, {"builderNames", {"long"}}};
  auto missing = rpc("forceschedulers/force", "force", params, {{"Cookie", cookie_of(logged)}});
  EXPECT_EQ(missing.status, 403) << missing.body;
  auto wrong = rpc("forceschedulers/force", "force", params,
                   {{"Cookie", cookie_of(logged)}, {"X-CSRF-Token", std::string(64, '0')}});
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  log_.refresh();
  EXPECT_TRUE(select(&Envelope::has_buildset_submitted).empty());

  auto forced = rpc("forceschedulers/force", "force", params,
                    {{"Cookie", cookie_of(logged)}, {"X-CSRF-Token", csrf}});
  ASSERT_EQ(forced.status, 200) << forced.body;
  const auto answer = json::parse(forced.body);
  EXPECT_EQ(answer["jsonrpc"], "2.0");
  EXPECT_EQ(answer["id"], 1);
  EXPECT_TRUE(answer.contains("result")) << forced.body;
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_build_started).empty(); }));
  auto buildsets = select(&Envelope::has_buildset_submitted);
  ASSERT_EQ(buildsets.size(), 1u);
  EXPECT_EQ(buildsets[0].buildset_submitted().reason().find("from the page") != std::string::npos,
            true)
      << buildsets[0].DebugString();
}

TEST_F(GatewayAuthE2E, BasicForcesAndStopsABuildAndAUserWithoutTheRoleIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_auth_master());
  const auto admin = basic("admin", "admin-secret");
  const auto dev = basic("dev", "dev-secret");
  const json params = {{"reason", "scripted"}, {"builderNames", {"long"}}};

  // dev has no role: refused with a JSON-RPC error, nothing appended.
  auto refused = rpc("forceschedulers/force", "force", params, {{"Authorization", dev}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], -32001) << refused.body;
  EXPECT_NE(refused.body.find("may not force_build"), std::string::npos) << refused.body;
  auto anonymous = rpc("forceschedulers/force", "force", params, {});
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(
      rpc("forceschedulers/force", "force", params, {{"Authorization", basic("admin", "wrong")}})
          .status,
      401);
  log_.refresh();
  EXPECT_TRUE(select(&Envelope::has_buildset_submitted).empty());

  auto forced = rpc("forceschedulers/force", "force", params, {{"Authorization", admin}});
  ASSERT_EQ(forced.status, 200) << forced.body;
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_step_command_sent).empty(); }));
  ASSERT_TRUE(gateway_has_build(1, admin));

  auto dev_stop = rpc("builds/1", "stop", {{"reason", "dev says"}}, {{"Authorization", dev}});
  EXPECT_EQ(dev_stop.status, 403) << dev_stop.body;
  log_.refresh();
  EXPECT_TRUE(select(&Envelope::has_build_stop_requested).empty());
  EXPECT_EQ(rpc("builds/99", "stop", {}, {{"Authorization", admin}}).status, 404);
  EXPECT_EQ(rpc("builds/1", "explode", {}, {{"Authorization", admin}}).status, 404);

  auto stopped = rpc("builds/1", "stop", {{"reason", "enough"}}, {{"Authorization", admin}});
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  ASSERT_TRUE(wait_for([&] { return finished("long", 0); }));
  EXPECT_EQ(build("long", 0).finished->result(), events::CANCELLED);
  auto stops = select(&Envelope::has_build_stop_requested);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].build_stop_requested().who(), "admin");
  EXPECT_EQ(stops[0].build_stop_requested().reason(), "enough");
  // A finished build cannot be stopped: a JSON-RPC error, not a 200.
  ASSERT_TRUE(wait_for([&] {
    auto b = http_send(web_port_, "GET", "/api/v2/builds/1", "", {});
    return b && b->status == 200 && json::parse(b->body)["builds"][0]["complete"] == true;
  }));
  auto again = rpc("builds/1", "stop", {}, {{"Authorization", admin}});
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_EQ(json::parse(again.body)["error"]["code"], -32000);

  // rebuild: a new buildset through the force scheduler, for the same builder.
  EXPECT_EQ(rpc("builds/1", "rebuild", {}, {{"Authorization", dev}}).status, 403);
  auto rebuilt = rpc("builds/1", "rebuild", {}, {{"Authorization", admin}});
  ASSERT_EQ(rebuilt.status, 200) << rebuilt.body;
  ASSERT_TRUE(wait_for([&] { return select(&Envelope::has_buildset_submitted).size() == 2; }));
  const auto reason = select(&Envelope::has_buildset_submitted)[1].buildset_submitted().reason();
  EXPECT_NE(reason.find("rebuild of long #0"), std::string::npos) << reason;
  ASSERT_TRUE(wait_for([&] { return select(&Envelope::has_build_started).size() == 2; }));
  expect_secrets_kept({"admin-secret", "dev-secret"});
}

TEST_F(GatewayAuthE2E, ApiTokensAreStoredHashedWorkAsBearerAndStopWhenRevoked) {
  ASSERT_NO_FATAL_FAILURE(start_auth_master("authenticated"));
  auto created = run_process({eventbot(), "create-token", "admin", "-d", master_dir().string()});
  ASSERT_EQ(created.exit_code, 0) << describe(created);
  const auto token = created.out.substr(0, created.out.find('\n'));
  ASSERT_TRUE(token.starts_with("ebt_")) << token;
  const auto file = master_dir() / "api_tokens";
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(master_test::read_file(file).find(token), std::string::npos);
  auto nobody = run_process({eventbot(), "create-token", "mallory", "-d", master_dir().string()});
  EXPECT_EQ(nobody.exit_code, 1);

  // view: authenticated — reading needs a login too.
  EXPECT_EQ(send("GET", "/api/v2/builders", "", {}).status, 401);
  const auto bearer = "Bearer " + token;
  auto builders = send("GET", "/api/v2/builders", "", {{"Authorization", bearer}});
  EXPECT_EQ(builders.status, 200) << builders.body;
  auto me = json::parse(send("GET", "/auth/me", "", {{"Authorization", bearer}}).body);
  EXPECT_EQ(me["user"], "admin");
  EXPECT_EQ(me["via"], "token");
  auto forced = rpc("forceschedulers/force", "force", {{"builderNames", {"long"}}},
                    {{"Authorization", bearer}});
  ASSERT_EQ(forced.status, 200) << forced.body;
  ASSERT_TRUE(wait_for([&] { return !select(&Envelope::has_build_started).empty(); }));

  auto revoked = run_process({eventbot(), "revoke-token", "admin", "-d", master_dir().string()});
  ASSERT_EQ(revoked.exit_code, 0) << describe(revoked);
  auto refused = send("GET", "/api/v2/builders", "", {{"Authorization", bearer}});
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(rpc("builds/1", "stop", {}, {{"Authorization", bearer}}).status, 401);
  log_.refresh();
  EXPECT_TRUE(select(&Envelope::has_build_stop_requested).empty());
  expect_secrets_kept({token, token.substr(4), "admin-secret"});
}

// --- change hooks: base, GitHub and GitLab posts over a real socket ---------------------

// A POST of `body` with `headers` to the gateway; nothing if no answer came.
std::optional<HttpResponse> post_hook(
    unsigned short port, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  auto answer = http_send(port, "POST", target, body, {headers.begin(), headers.end()}, 10s);
  if (!answer) return std::nullopt;
  HttpResponse out;
  out.status = answer->status;
  out.body = answer->body;
  return out;
}

// A master whose web section enables the three hooks (GitHub's secret in a file, GitLab's
// token inline), and a builder that builds every change.
class ChangeHooksE2E : public BuildE2E {
 protected:
  static constexpr const char* kGitHubSecret = "It's a Secret to Everybody";

  void start_with_hooks() {
    fs::create_directories(master_dir());
    master_test::write_file(master_dir() / "github.secret", std::string(kGitHubSecret) + "\n");
    fs::permissions(master_dir() / "github.secret", fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [hooked]}
builders:
  - name: hooked
    slaves: [s1]
    steps:
      - {type: shell, name: show, command: "echo built %(branch)s"}
web:
  bind: 127.0.0.1
  change_hooks:
    base: true
    github: {secret_file: github.secret}
    gitlab: {secret: gl-token}
)"));
  }

  std::optional<HttpResponse> github(const std::string& event, const std::string& body,
                                     const std::string& signature) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}, {"X-GitHub-Event", event}};
    if (!signature.empty()) headers.emplace_back("X-Hub-Signature-256", signature);
    return post_hook(web_port_, "/change_hook/github", body, headers);
  }

  std::optional<HttpResponse> gitlab(const std::string& event, const std::string& body,
                                     const std::string& token) {
    return post_hook(web_port_, "/change_hook/gitlab", body,
                     {{"Content-Type", "application/json"},
                      {"X-Gitlab-Event", event},
                      {"X-Gitlab-Token", token}});
  }

  std::vector<events::ChangeAdded> changes() {
    log_.refresh();
    std::vector<events::ChangeAdded> out;
    for (const auto& e : select(&Envelope::has_change_added)) out.push_back(e.change_added());
    return out;
  }
};

TEST_F(ChangeHooksE2E, ASignedGitHubPushMakesAChangeThatBuilds) {
  ASSERT_NO_FATAL_FAILURE(start_with_hooks());
  start_slave("s1", "pw1");
  ASSERT_TRUE(wait_attached({"s1"}));
  const auto body = gateway::hooks::testing::fixture("github_push.json");

  auto ping = github("ping", gateway::hooks::testing::fixture("github_ping.json"),
                     gateway::hooks::github_signature(
                         kGitHubSecret, gateway::hooks::testing::fixture("github_ping.json")));
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->status, 200) << ping->body;
  EXPECT_EQ(json::parse(ping->body)["note"], "pong");
  EXPECT_TRUE(changes().empty());

  auto answer = github("push", body, gateway::hooks::github_signature(kGitHubSecret, body));
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  // Answered once durable: the change is in the log when the answer comes.
  auto recorded = changes();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(json::parse(answer->body)["changes"], json::array({1}));
  EXPECT_EQ(recorded[0].revision(), "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
  EXPECT_EQ(recorded[0].branch(), "changes");
  EXPECT_EQ(recorded[0].who(), "baxterthehacker <baxterthehacker@users.noreply.github.com>");
  EXPECT_EQ(recorded[0].source(), "change_hook:github");
  ASSERT_TRUE(wait_for([&] { return finished("hooked", 0); }));
  EXPECT_EQ(build("hooked", 0).finished->result(), events::SUCCESS);
  // The step ran on the change's branch.
  EXPECT_NE(log_.text(streams::log("hooked", 0, 0, "stdio")).find("built changes"),
            std::string::npos)
      << log_.text(streams::log("hooked", 0, 0, "stdio"));
  // The gateway's read side sees it too.
  ASSERT_TRUE(wait_for([&] {
    auto listed = http_get(web_port_, "/api/v2/changes");
    return listed && listed->status == 200 && json::parse(listed->body)["meta"]["total"] == 1;
  }));
}

TEST_F(ChangeHooksE2E, BadSignaturesAre403AndMalformedInput400AndNothingIsRecorded) {
  ASSERT_NO_FATAL_FAILURE(start_with_hooks());
  const auto body = gateway::hooks::testing::fixture("github_push.json");
  auto other_key = github("push", body, gateway::hooks::github_signature("guessed", body));
  ASSERT_TRUE(other_key);
  EXPECT_EQ(other_key->status, 403) << other_key->body;
  EXPECT_EQ(other_key->body.find(kGitHubSecret), std::string::npos);
  auto unsigned_push = github("push", body, "");
  ASSERT_TRUE(unsigned_push);
  EXPECT_EQ(unsigned_push->status, 403);
  // Signed for another body.
  auto tampered = github("push", body + " ", gateway::hooks::github_signature(kGitHubSecret, body));
  ASSERT_TRUE(tampered);
  EXPECT_EQ(tampered->status, 403);
  // Well signed, but not JSON; an event this hook does not read.
  const std::string broken = "{\"ref\": \"refs/heads/main\", ";
  auto malformed = github("push", broken, gateway::hooks::github_signature(kGitHubSecret, broken));
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400) << malformed->body;
  auto issues = github("issues", body, gateway::hooks::github_signature(kGitHubSecret, body));
  ASSERT_TRUE(issues);
  EXPECT_EQ(issues->status, 400);
  // A branch the master's validation patterns refuse: 400, as sendchange's refusal.
  auto bad_branch = json::parse(body);
  bad_branch["ref"] = "refs/heads/x;rm -rf";
  const auto bad_text = bad_branch.dump();
  auto refused =
      github("push", bad_text, gateway::hooks::github_signature(kGitHubSecret, bad_text));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  // Each answer came after any append it made: nothing is on its way to the log.
  EXPECT_TRUE(changes().empty());
  EXPECT_TRUE(select(&Envelope::has_buildset_submitted).empty());
}

TEST_F(ChangeHooksE2E, ABaseFormPostMakesAChangeAndUnknownHooksAre404) {
  ASSERT_NO_FATAL_FAILURE(start_with_hooks());
  auto answer = post_hook(web_port_, "/change_hook/base?project=web",
                          "author=alice&comments=fix+it&files=%5B%22a.c%22%5D&revision=abc123"
                          "&when_timestamp=1430869215&branch=main&category=manual"
                          "&properties=%7B%22owner%22%3A%22alice%22%7D&codebase=core",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->status, 200) << answer->body;
  auto recorded = changes();
  ASSERT_EQ(recorded.size(), 1u);
  const auto& c = recorded[0];
  EXPECT_EQ(c.who(), "alice");
  EXPECT_EQ(c.comments(), "fix it");
  EXPECT_EQ(std::vector<std::string>(c.files().begin(), c.files().end()),
            std::vector<std::string>{"a.c"});
  EXPECT_EQ(c.revision(), "abc123");
  EXPECT_EQ(c.when_us(), 1430869215000000);
  EXPECT_EQ(c.branch(), "main");
  EXPECT_EQ(c.category(), "manual");
  EXPECT_EQ(c.project(), "web");
  EXPECT_EQ(c.codebase(), "core");
  ASSERT_EQ(c.properties_size(), 1);
  EXPECT_EQ(c.properties(0).name(), "owner");
  EXPECT_EQ(c.properties(0).value_json(), R"("alice")");
  EXPECT_EQ(c.source(), "change_hook:base");

  auto no_author = post_hook(web_port_, "/change_hook/base", "comments=who",
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(no_author);
  EXPECT_EQ(no_author->status, 400);
  auto unknown = post_hook(web_port_, "/change_hook/bitbucket", "{}", {});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto get = http_get(web_port_, "/change_hook/base");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->header("allow"), "POST");
  EXPECT_EQ(changes().size(), 1u);
}

TEST_F(ChangeHooksE2E, GitLabsTokenIsCheckedAndItsEventsMakeChanges) {
  ASSERT_NO_FATAL_FAILURE(start_with_hooks());
  const auto push = gateway::hooks::testing::fixture("gitlab_push.json");
  auto wrong = gitlab("Push Hook", push, "not-the-token");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  auto missing = post_hook(web_port_, "/change_hook/gitlab", push,
                           {{"Content-Type", "application/json"}, {"X-Gitlab-Event", "Push Hook"}});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 403);
  EXPECT_TRUE(changes().empty());

  auto pushed = gitlab("Push Hook", push, "gl-token");
  ASSERT_TRUE(pushed);
  ASSERT_EQ(pushed->status, 200) << pushed->body;
  EXPECT_EQ(json::parse(pushed->body)["changes"], json::array({1, 2}));
  auto tagged =
      gitlab("Tag Push Hook", gateway::hooks::testing::fixture("gitlab_tag_push.json"), "gl-token");
  ASSERT_TRUE(tagged);
  ASSERT_EQ(tagged->status, 200) << tagged->body;
  auto merge = gitlab("Merge Request Hook",
                      gateway::hooks::testing::fixture("gitlab_merge_request.json"), "gl-token");
  ASSERT_TRUE(merge);
  ASSERT_EQ(merge->status, 200) << merge->body;
  auto recorded = changes();
  ASSERT_EQ(recorded.size(), 4u);
  EXPECT_EQ(recorded[0].revision(), "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327");
  EXPECT_EQ(recorded[1].revision(), "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  EXPECT_EQ(recorded[2].branch(), "v1.0.0");
  EXPECT_EQ(recorded[3].category(), "merge_request");
  for (const auto& c : recorded) EXPECT_EQ(c.source(), "change_hook:gitlab");
  auto malformed = gitlab("Push Hook", "{\"object_kind\": \"push\"", "gl-token");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(changes().size(), 4u);
}

// --- live updates: /ws (Buildbot's WebSocket protocol) and /sse/ over real sockets ----

// A master with the gateway and one slave; builder `live` runs `command` as its one step.
class LiveE2E : public GatewayE2E {
 protected:
  void start_live_master(const std::string& command) {
    ASSERT_NO_FATAL_FAILURE(start_master(R"(slaves:
  - {name: s1, password: pw1}
schedulers:
  - {type: any_branch, name: all, builders: [live]}
builders:
  - name: live
    slaves: [s1]
    steps:
      - {type: shell, name: out, command: ")" +
                                         command + R"("}
web:
  bind: 127.0.0.1
)"));
    start_slave("s1", "pw1");
    ASSERT_TRUE(wait_attached({"s1"}));
  }

  // The next message as JSON (null if none came).
  static json next(WebSocketClient& ws, std::chrono::milliseconds deadline = 30s) {
    auto text = ws.receive(deadline);
    if (!text) return json();
    return json::parse(*text, nullptr, false);
  }

  // Sends a command and returns its answer (pushes before it are skipped: none expected).
  static json command(WebSocketClient& ws, const json& cmd) {
    EXPECT_TRUE(ws.send(cmd.dump())) << ws.error;
    return next(ws, 10s);
  }

  // The one step's stdio log: its stream, its id, and all its bytes as stored.
  struct LogFacts {
    std::string stream;
    std::uint64_t logid = 0;
    std::string bytes;
  };
  LogFacts log_of_build(std::uint32_t number, std::uint64_t buildid) {
    LogFacts facts;
    for (const auto& e : log_.events()) {
      if (e.has_log_opened() && e.log_opened().build_number() == number &&
          e.log_opened().name() == "stdio") {
        facts.stream = streams::log("live", number, e.log_opened().step_index(), "stdio");
        facts.logid = (buildid << 24) | (std::uint64_t(e.log_opened().step_index()) << 8);
      }
    }
    for (const auto& chunk : log_.chunks(facts.stream)) facts.bytes += chunk.data;
    return facts;
  }

  // Puts an append's bytes at their offset; false at a gap or bytes unlike the log's.
  static bool place(std::string& assembled, const json& m, const std::string& expected) {
    const auto offset = m["offset"].get<std::uint64_t>();
    const auto& content = m["content"].get_ref<const std::string&>();
    if (offset > assembled.size()) return false;  // something was skipped
    if (expected.compare(offset, content.size(), content) != 0) return false;
    if (offset + content.size() > assembled.size()) {
      assembled += content.substr(assembled.size() - offset);
    }
    return true;
  }
};

TEST_F(LiveE2E, WebSocketSubscribersGetABuildsNewAndFinishedAsBuildbotsClientDoes) {
  ASSERT_NO_FATAL_FAILURE(start_live_master("echo hello"));
  WebSocketClient ws;
  ASSERT_TRUE(ws.connect(web_port_)) << ws.error;
  EXPECT_EQ(command(ws, {{"cmd", "startConsuming"}, {"path", "builds/*/new"}, {"_id", 1}}),
            (json{{"msg", "OK"}, {"code", 200}, {"_id", 1}}));
  EXPECT_EQ(command(ws, {{"cmd", "startConsuming"},
                         {"path", "builders/*/builds/*/finished"},
                         {"_id", 2}})["code"],
            200);
  EXPECT_EQ(command(ws, {{"cmd", "ping"}, {"_id", 3}}),
            (json{{"msg", "pong"}, {"code", 200}, {"_id", 3}}));
  auto bad = command(ws, {{"cmd", "startConsuming"}, {"path", "builds//x"}, {"_id", 4}});
  EXPECT_EQ(bad["code"], 400);
  EXPECT_EQ(bad["_id"], 4);

  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
  auto started = next(ws);
  ASSERT_EQ(started["k"], "builds/1/new") << started;
  EXPECT_EQ(started["m"]["buildid"], 1);
  EXPECT_EQ(started["m"]["number"], 0);
  EXPECT_EQ(started["m"]["builderid"], 1);
  auto finished = next(ws);
  ASSERT_EQ(finished["k"], "builders/1/builds/1/finished") << finished;
  EXPECT_EQ(finished["m"]["complete"], true);
  EXPECT_EQ(finished["m"]["results"], 0);
  // The message is the entity as /api/v2 gives it.
  EXPECT_EQ(finished["m"], get("/api/v2/builds/1")["builds"][0]);

  // stopConsuming: the next build's `new` no longer comes, its `finished` still does.
  EXPECT_EQ(command(ws, {{"cmd", "stopConsuming"}, {"path", "builds/*/new"}, {"_id", 5}})["code"],
            200);
  ASSERT_EQ(sendchange("main", "r2").exit_code, 0);
  EXPECT_EQ(next(ws)["k"], "builders/1/builds/2/finished");
}

TEST_F(LiveE2E, AStepStreamingOutputReachesAClientCoalescedAndWhole) {
  ASSERT_NO_FATAL_FAILURE(start_live_master(
      "i=1; while [ $i -le 400 ]; do echo line $i; i=$((i+1)); sleep 0.005; done"));
  WebSocketClient ws;
  ASSERT_TRUE(ws.connect(web_port_)) << ws.error;
  ASSERT_EQ(command(ws, {{"cmd", "startConsuming"}, {"path", "logs/*/append"}, {"_id", 1}})["code"],
            200);
  ASSERT_EQ(
      command(ws, {{"cmd", "startConsuming"}, {"path", "builds/*/finished"}, {"_id", 2}})["code"],
      200);
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
  std::map<std::uint64_t, std::vector<json>> appends;  // by logid
  std::optional<std::chrono::steady_clock::time_point> first;
  for (;;) {
    auto message = next(ws);
    ASSERT_TRUE(message.is_object()) << ws.error;
    if (message["k"] == "builds/1/finished") break;
    ASSERT_TRUE(message["k"].get<std::string>().ends_with("/append")) << message;
    if (!first) first = std::chrono::steady_clock::now();
    appends[message["m"]["logid"].get<std::uint64_t>()].push_back(message["m"]);
  }
  const auto elapsed = std::chrono::steady_clock::now() - *first;
  ASSERT_TRUE(wait_for([&] { return finished("live", 0); }));
  const auto facts = log_of_build(0, 1);
  ASSERT_TRUE(appends.count(facts.logid));
  const auto& received = appends[facts.logid];
  std::string assembled;
  for (const auto& m : received) ASSERT_TRUE(place(assembled, m, facts.bytes));
  EXPECT_EQ(assembled, facts.bytes);
  EXPECT_NE(assembled.find("line 400\n"), std::string::npos);
  // At most one message per 100 ms flush (and a few at the edges), however many chunks.
  const auto chunks = log_.chunks(facts.stream).size();
  const auto bound =
      static_cast<std::size_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 100) +
      3;
  EXPECT_LE(received.size(), bound) << chunks << " chunks";
  EXPECT_LE(received.size(), chunks);
  std::cerr << "[ info ] " << chunks << " chunks came as " << received.size() << " messages in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";
}

TEST_F(LiveE2E, AClientThatStopsReadingIsToldItsSequenceAndResumesWithNothingSkipped) {
  // About 6 MB of output, far more than a client's queue (1 MiB) and socket buffers hold.
  ASSERT_NO_FATAL_FAILURE(
      start_live_master("yes 0123456789012345678901234567890123456789 | head -n 150000"));
  WebSocketClient slow;
  ASSERT_TRUE(slow.connect(web_port_, "/ws", 4096)) << slow.error;
  ASSERT_EQ(
      command(slow, {{"cmd", "startConsuming"}, {"path", "logs/*/append"}, {"_id", 1}})["code"],
      200);
  // Another client, reading, is not held up by the slow one.
  WebSocketClient other;
  ASSERT_TRUE(other.connect(web_port_)) << other.error;
  ASSERT_EQ(command(other,
                    {{"cmd", "startConsuming"}, {"path", "builds/*/finished"}, {"_id", 1}})["code"],
            200);
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
  auto done = next(other, 120s);
  ASSERT_EQ(done["k"], "builds/1/finished") << done;
  ASSERT_TRUE(wait_for([&] { return finished("live", 0); }));
  const auto facts = log_of_build(0, 1);
  ASSERT_GT(facts.bytes.size(), 5'000'000u);

  // Now it reads: what was queued, then where it fell behind.
  std::string assembled;
  std::optional<std::uint64_t> behind;
  while (!behind) {
    auto message = next(slow);
    ASSERT_TRUE(message.is_object()) << slow.error;
    if (message["k"] == "_behind") {
      behind = message["m"]["seq"].get<std::uint64_t>();
      break;
    }
    ASSERT_EQ(message["m"]["logid"], facts.logid);
    ASSERT_TRUE(place(assembled, message["m"], facts.bytes)) << "a gap at " << assembled.size();
  }
  ASSERT_LT(assembled.size(), facts.bytes.size());  // it did fall behind
  ASSERT_GT(*behind, 0u);
  // Resuming from the sequence replays the log after it: every byte, none skipped.
  auto resumed = command(
      slow, {{"cmd", "startConsuming"}, {"path", "logs/*/append"}, {"_id", 2}, {"from", *behind}});
  ASSERT_EQ(resumed, (json{{"msg", "OK"}, {"code", 200}, {"_id", 2}}));
  while (assembled.size() < facts.bytes.size()) {
    auto message = next(slow);
    ASSERT_TRUE(message.is_object()) << slow.error << " at " << assembled.size();
    ASSERT_NE(message["k"], "_behind") << "behind again while reading";
    ASSERT_TRUE(place(assembled, message["m"], facts.bytes)) << "a gap at " << assembled.size();
  }
  EXPECT_EQ(assembled, facts.bytes);
  // Live again: the next build's output comes as it is made.
  ASSERT_EQ(sendchange("main", "r2").exit_code, 0);
  auto live = next(slow, 120s);
  ASSERT_TRUE(live.is_object()) << slow.error;
  // The test's own view of the log may trail the gateway's: wait for the log's opening.
  LogFacts next_log;
  ASSERT_TRUE(wait_for([&] {
    next_log = log_of_build(1, 2);
    return next_log.logid != 0;
  }));
  EXPECT_EQ(live["m"]["logid"], next_log.logid);
}

TEST_F(LiveE2E, CurlGetsServerSentEventsReplayedFromLastEventId) {
  ASSERT_NO_FATAL_FAILURE(start_live_master("echo hello"));
  const auto url = "http://127.0.0.1:" + std::to_string(web_port_) + "/sse/builds/*/finished";
  ASSERT_EQ(sendchange("main", "r1").exit_code, 0);
  ASSERT_TRUE(wait_for([&] { return finished("live", 0); }));
  ASSERT_TRUE(wait_for([&] {
    auto answer = http_get(web_port_, "/api/v2/builds/1");
    return answer && answer->status == 200 &&
           json::parse(answer->body)["builds"][0]["complete"] == true;
  }));

  // Last-Event-ID: the events after it are replayed from the log (here, from just before
  // the build started: its `finished` comes again, once).
  const auto started = build("live", 0).started_seq;
  auto resumed = run_process({"/usr/bin/curl", "-N", "-s", "--max-time", "3", "-H",
                              "Last-Event-ID: " + std::to_string(started - 1), url});
  EXPECT_EQ(resumed.exit_code, 28) << describe(resumed);  // ended by --max-time: still open
  EXPECT_EQ(std::count(resumed.out.begin(), resumed.out.end(), '\n') > 0, true);
  auto first = resumed.out.find("event: builds/1/finished\n");
  ASSERT_NE(first, std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.out.find("event: builds/1/finished\n", first + 1), std::string::npos);
  const auto data = resumed.out.find("data: ", first);
  ASSERT_NE(data, std::string::npos) << resumed.out;
  const auto line = resumed.out.substr(data + 6, resumed.out.find('\n', data) - data - 6);
  EXPECT_EQ(json::parse(line), get("/api/v2/builds/1")["builds"][0]);
  EXPECT_NE(resumed.out.find("id: "), std::string::npos);
  // A path that is no pattern, and a bad Last-Event-ID, are 400s.
  auto bad = http_get(web_port_, "/sse/builds//new");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto plain = http_get(web_port_, "/ws");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 400);
}

TEST_F(GatewayE2E, EventsGivesTheLogAndWhyGivesTheReplayToolsChain) {
  ASSERT_NO_FATAL_FAILURE(run_two_builds());
  auto page = get("/api/v2/events?from=2&limit=5");
  ASSERT_EQ(page["events"].size(), 5u);
  EXPECT_EQ(page["events"][0]["sequence"], "2");  // protobuf's JSON mapping: 64-bit as text
  EXPECT_EQ(page["events"][4]["sequence"], "6");
  EXPECT_EQ(page["meta"]["next"], 7);
  EXPECT_EQ(page["meta"]["total"], 5);
  auto all = get("/api/v2/events?limit=1000");
  log_.refresh();
  EXPECT_GE(all["events"].size(), 20u);
  EXPECT_EQ(all["events"][0]["sequence"], "1");
  EXPECT_EQ(all["events"][0]["stream"], log_.events()[0].stream());
  EXPECT_TRUE(get("/api/v2/events?from=999999")["events"].empty());
  get("/api/v2/events?limit=0", 400);
  get("/api/v2/events?limit=1001", 400);
  get("/api/v2/events?from=x", 400);
  get("/api/v2/events?order=-sequence", 400);

  auto why = run_process(
      {binary_dir() + "/eventbot-replay", master_dir().string(), "why", "gw", "1", "--json"});
  ASSERT_EQ(why.exit_code, 0) << describe(why);
  const auto chain = json::parse(why.out);
  EXPECT_EQ(get("/api/v2/builds/2/why"), chain);
  EXPECT_EQ(get("/api/v2/builders/gw/builds/1/why"), chain);
  EXPECT_EQ(get("/api/v2/builders/1/builds/1/why"), chain);
  EXPECT_EQ(chain["build"]["number"], 1) << why.out;
  get("/api/v2/builds/99/why", 404);
  get("/api/v2/builders/gw/builds/7/why", 404);
}

}  // namespace
}  // namespace eventbot::testing
