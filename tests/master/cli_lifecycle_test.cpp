// The real `eventbot` binary, end to end: create-master, checkconfig, start (daemon),
// sendchange, reconfig, stop, restart, with the log read back by the real
// `eventbot-replay`. Every master runs on 127.0.0.1 with its store on disk in a
// temporary directory; a test that fails stops the master it started.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/regex.hpp"
#include "tests/master/master_test_support.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using master_test::can_connect;
using master_test::free_port;
using master_test::read_file;
using master_test::write_file;
using testing::ProcessResult;
using testing::run_process;
using testing::TempDir;
using testing::wait_until;

// Whether the whole of `text` matches `pattern` (RE2).
bool matches(std::string_view pattern, std::string_view text) {
  auto compiled = Regex::compile(pattern);
  return compiled && compiled->full_match(text);
}

std::string eventbot_binary() {
  return testing::binary_dir() + "/eventbot";
}
std::string replay_binary() {
  return testing::binary_dir() + "/eventbot-replay";
}

ProcessResult eventbot(std::vector<std::string> args) {
  args.insert(args.begin(), eventbot_binary());
  return run_process(args);
}

std::string describe(const ProcessResult& result) {
  return "exit " + std::to_string(result.exit_code) + "\nstdout:\n" + result.out + "\nstderr:\n" +
         result.err;
}

bool alive(int pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The name of an event's body in the JSON mapping ("change_added", ...).
std::string body_of(const json& event) {
  static const std::vector<std::string> kEnvelopeKeys = {
      "sequence",       "time_us",        "master_id",   "stream",
      "stream_version", "correlation_id", "causation_id"};
  for (const auto& [key, value] : event.items()) {
    if (std::find(kEnvelopeKeys.begin(), kEnvelopeKeys.end(), key) == kEnvelopeKeys.end()) {
      return key;
    }
  }
  return {};
}

class CliLifecycle : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- " << (dir_ / "master.log").string() << " ----\n"
                << read_file(dir_ / "master.log") << "---- end ----\n";
    }
    // Stop what this test started: by the pid in its own pid file, never by name, and
    // only if that pid runs `eventbot ... DIR` (a pid file may be stale).
    auto pid = pid_in_file();
    if (pid && alive(*pid) && is_our_master(*pid)) {
      eventbot({"stop", dir_.path().string()});
      if (alive(*pid)) ::kill(*pid, SIGKILL);
    }
  }

  std::string dir() const { return dir_.path().string(); }
  std::string store() const { return (dir_ / "events").string(); }

  bool is_our_master(int pid) const {
    auto cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    return cmdline.find(eventbot_binary()) != std::string::npos &&
           cmdline.find(dir()) != std::string::npos;
  }

  std::optional<int> pid_in_file() const {
    std::istringstream in(read_file(dir_ / "eventbot.pid"));
    int pid = 0;
    if (!(in >> pid)) return std::nullopt;
    return pid;
  }

  // Every event of the master's log, as `eventbot-replay DIR/events list --json` shows it.
  std::vector<json> events() {
    auto result = run_process({replay_binary(), store(), "list", "--json"});
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    std::vector<json> out;
    for (const auto& line : lines_of(result.out)) out.push_back(json::parse(line));
    return out;
  }

  std::vector<json> events_of(const std::string& body) {
    std::vector<json> out;
    for (auto& event : events()) {
      if (body_of(event) == body) out.push_back(std::move(event));
    }
    return out;
  }

  std::uint64_t head() {
    auto all = events();
    return all.empty() ? 0 : std::stoull(all.back()["sequence"].get<std::string>());
  }

  // The BuildsetSubmitted whose sourcestamp holds change `id`, if the log has one.
  std::optional<json> buildset_for_change(std::uint64_t id) {
    for (auto& event : events_of("buildset_submitted")) {
      for (const auto& ss : event["buildset_submitted"]["sourcestamps"]) {
        for (const auto& change : ss["change_ids"]) {
          if (change.get<std::string>() == std::to_string(id)) return event;
        }
      }
    }
    return std::nullopt;
  }

  ProcessResult sendchange(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"sendchange", "--master",
                                     "127.0.0.1:" + std::to_string(port_)};
    args.insert(args.end(), extra.begin(), extra.end());
    return eventbot(args);
  }

  void create_and_start() {
    port_ = free_port();
    ASSERT_NE(port_, 0);
    auto created = eventbot({"create-master", dir(), "--slave-port", std::to_string(port_),
                             "--web-port", std::to_string(free_port())});
    ASSERT_EQ(created.exit_code, 0) << describe(created);
    auto started = eventbot({"start", dir()});
    ASSERT_EQ(started.exit_code, 0) << describe(started);
    ASSERT_TRUE(can_connect(port_));
  }

  TempDir dir_{"master-cli"};
  unsigned short port_ = 0;
};

TEST_F(CliLifecycle, CreateStartSendchangeReconfigStopRestart) {
  // create-master writes master.yaml with the port asked for; checkconfig likes it.
  port_ = free_port();
  ASSERT_NE(port_, 0);
  auto created = eventbot({"create-master", dir(), "--slave-port", std::to_string(port_),
                           "--web-port", std::to_string(free_port())});
  ASSERT_EQ(created.exit_code, 0) << describe(created);
  const auto yaml = read_file(dir_ / "master.yaml");
  EXPECT_NE(yaml.find("slave_port: " + std::to_string(port_) + "\n"), std::string::npos) << yaml;
  auto checked = eventbot({"checkconfig", dir()});
  EXPECT_EQ(checked.exit_code, 0) << describe(checked);
  EXPECT_EQ(checked.out, "Config file is good!\n");
  // A second create-master does not overwrite the file.
  EXPECT_NE(eventbot({"create-master", dir()}).exit_code, 0);

  // start returns once the port accepts connections, and says where it is.
  auto started = eventbot({"start", dir()});
  ASSERT_EQ(started.exit_code, 0) << describe(started);
  EXPECT_TRUE(can_connect(port_)) << "start returned before the port accepted connections";
  EXPECT_NE(started.out.find("127.0.0.1:" + std::to_string(port_)), std::string::npos)
      << started.out;
  const auto first_pid = pid_in_file();
  ASSERT_TRUE(first_pid);
  EXPECT_TRUE(alive(*first_pid));

  // A second start on the same directory is refused.
  auto again = eventbot({"start", dir()});
  EXPECT_NE(again.exit_code, 0) << describe(again);
  EXPECT_NE(again.err.find("already running"), std::string::npos) << describe(again);
  EXPECT_EQ(pid_in_file(), first_pid);

  // sendchange records change 1, and the template's every-change scheduler builds it.
  auto sent = sendchange({"--who", "alice", "--branch", "main", "-c", "msg", "a.c"});
  ASSERT_EQ(sent.exit_code, 0) << describe(sent);
  EXPECT_EQ(sent.out, "change 1 recorded\n");
  auto changes = events_of("change_added");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0]["change_added"]["who"], "alice");
  EXPECT_EQ(changes[0]["change_added"]["branch"], "main");
  EXPECT_EQ(changes[0]["change_added"]["comments"], "msg");
  EXPECT_EQ(changes[0]["change_added"]["files"], json::array({"a.c"}));
  std::optional<json> buildset;
  ASSERT_TRUE(wait_until([&] { return (buildset = buildset_for_change(1)).has_value(); }))
      << "no buildset for change 1";
  EXPECT_EQ((*buildset)["buildset_submitted"]["scheduler"], "all");
  EXPECT_EQ((*buildset)["buildset_submitted"]["builder_names"], json::array({"runtests"}));
  const auto buildset_id = (*buildset)["buildset_submitted"]["buildset_id"].get<std::string>();
  auto requests = events_of("build_request_submitted");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["build_request_submitted"]["builder"], "runtests");
  EXPECT_EQ(requests[0]["build_request_submitted"]["buildset_id"].get<std::string>(), buildset_id);
  auto sequence = [](const json& event) {
    return std::stoull(event["sequence"].get<std::string>());
  };
  EXPECT_LT(sequence(changes[0]), sequence(*buildset));
  EXPECT_LT(sequence(*buildset), sequence(requests[0]));

  // A wrong password is refused and records nothing.
  const auto head_before_refusal = head();
  auto refused = sendchange({"--auth", "change:wrong", "--who", "mallory", "b.c"});
  EXPECT_NE(refused.exit_code, 0) << describe(refused);
  EXPECT_NE(refused.err.find("refused"), std::string::npos) << describe(refused);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(head(), head_before_refusal);

  // A reconfig with a changed, valid file is done and recorded.
  ASSERT_EQ(events_of("config_loaded").size(), 1u);
  auto edited = yaml;
  const std::string title = "title: Example project";
  ASSERT_NE(edited.find(title), std::string::npos);
  edited.replace(edited.find(title), title.size(), "title: Edited project");
  write_file(dir_ / "master.yaml", edited);
  auto reconfigured = eventbot({"reconfig", dir()});
  EXPECT_EQ(reconfigured.exit_code, 0) << describe(reconfigured);
  EXPECT_NE(reconfigured.out.find("reconfig done"), std::string::npos) << describe(reconfigured);
  auto loaded = events_of("config_loaded");
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_NE(loaded[1]["config_loaded"]["content"].get<std::string>().find("Edited project"),
            std::string::npos);

  // A broken file (an unknown key, and a new sendchange password) is rejected: the
  // master keeps running with the old configuration, so the old password still works.
  auto broken = edited;
  const std::string password = "password: changepw";
  ASSERT_NE(broken.find(password), std::string::npos);
  broken.replace(broken.find(password), password.size(), "password: newpw");
  broken += "bogus_key: 1\n";
  write_file(dir_ / "master.yaml", broken);
  auto rejected = eventbot({"reconfig", dir()});
  EXPECT_NE(rejected.exit_code, 0) << describe(rejected);
  EXPECT_NE(rejected.err.find("bogus_key"), std::string::npos) << describe(rejected);
  EXPECT_TRUE(Regex::compile(R"(master\.yaml:\d+:\d+: )")->search(rejected.err))
      << describe(rejected);
  EXPECT_EQ(events_of("config_loaded").size(), 2u);
  EXPECT_TRUE(alive(*first_pid));
  EXPECT_TRUE(can_connect(port_));
  auto after = sendchange({"--who", "bob", "--branch", "main", "c.c"});
  EXPECT_EQ(after.exit_code, 0) << describe(after);
  EXPECT_EQ(after.out, "change 2 recorded\n");
  EXPECT_TRUE(wait_until([&] { return buildset_for_change(2).has_value(); }))
      << "no buildset for change 2";
  EXPECT_NE(sendchange({"--auth", "change:newpw", "--who", "bob", "d.c"}).exit_code, 0);

  // stop returns once the process is gone; MasterStopped is the last event.
  auto stopped = eventbot({"stop", dir()});
  EXPECT_EQ(stopped.exit_code, 0) << describe(stopped);
  EXPECT_FALSE(alive(*first_pid)) << "stop returned while pid " << *first_pid << " lives";
  EXPECT_FALSE(fs::exists(dir_ / "eventbot.pid")) << "stop left the pid file behind";
  EXPECT_FALSE(can_connect(port_));
  auto all = events();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(body_of(all.back()), "master_stopped") << all.back().dump();
  EXPECT_NE(eventbot({"stop", dir()}).exit_code, 0) << "stop with no master running";

  // The broken file keeps the master from starting, and start says why.
  auto refused_start = eventbot({"start", dir()});
  EXPECT_NE(refused_start.exit_code, 0) << describe(refused_start);
  EXPECT_NE(refused_start.err.find("bogus_key"), std::string::npos) << describe(refused_start);
  EXPECT_FALSE(can_connect(port_));

  // restart with nothing running starts; restart while running stops, then starts.
  write_file(dir_ / "master.yaml", edited);
  const auto starts_before = events_of("master_started").size();
  auto restarted = eventbot({"restart", dir()});
  ASSERT_EQ(restarted.exit_code, 0) << describe(restarted);
  EXPECT_TRUE(can_connect(port_));
  const auto second_pid = pid_in_file();
  ASSERT_TRUE(second_pid);
  EXPECT_TRUE(alive(*second_pid));
  auto restarted_again = eventbot({"restart", dir()});
  ASSERT_EQ(restarted_again.exit_code, 0) << describe(restarted_again);
  EXPECT_TRUE(can_connect(port_));
  const auto third_pid = pid_in_file();
  ASSERT_TRUE(third_pid);
  EXPECT_NE(*third_pid, *second_pid);
  EXPECT_FALSE(alive(*second_pid));
  EXPECT_EQ(events_of("master_started").size(), starts_before + 2);
  EXPECT_EQ(events_of("master_stopped").size(), 2u);  // the stop above and this restart's
  // The log survives restarts: change 3 follows change 2.
  auto third = sendchange({"--who", "carol", "--branch", "main", "e.c"});
  EXPECT_EQ(third.exit_code, 0) << describe(third);
  EXPECT_EQ(third.out, "change 3 recorded\n");

  auto final_stop = eventbot({"stop", dir()});
  EXPECT_EQ(final_stop.exit_code, 0) << describe(final_stop);
  EXPECT_FALSE(alive(*third_pid));
}

// A pid file left behind by a master that did not stop cleanly (killed, a reboot) may
// name a pid that now belongs to another process: that must not block a start, nor may
// stop signal that process.
// sendchange's command line: `--property N:V FILE...` swallowed the files as more
// properties, and a sendchange without --who exited 106. Files stay files, the author is
// the login name, and text the master could not record is refused by the command itself,
// naming the field, with nothing recorded; a value the validation patterns refuse is
// refused by the master, naming the pattern.
TEST_F(CliLifecycle, SendchangeKeepsFilesDefaultsTheAuthorAndRefusesBadValues) {
  ASSERT_NO_FATAL_FAILURE(create_and_start());
  auto sent = sendchange({"--branch", "main", "--property", "flavor:debug", "a.c", "b.c"});
  ASSERT_EQ(sent.exit_code, 0) << describe(sent);
  auto changes = events_of("change_added");
  ASSERT_EQ(changes.size(), 1u);
  const auto& change = changes[0]["change_added"];
  EXPECT_EQ(change["files"], json::array({"a.c", "b.c"}));
  ASSERT_EQ(change["properties"].size(), 1u);
  EXPECT_EQ(change["properties"][0]["name"], "flavor");
  EXPECT_EQ(change["properties"][0]["value_json"], "\"debug\"");
  const passwd* login = ::getpwuid(::getuid());  // the login name, as `id -un` prints it
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(change["who"], login->pw_name);

  const auto before = head();
  struct Refusal {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Refusal> refusals = {
      {{"--branch", "caf\xE9"}, "branch is not valid UTF-8 (byte 3 of 4)"},
      {{"--who", "J\xF6rg"}, "who is not valid UTF-8 (byte 1 of 4)"},
      {{"--branch", std::string(30'000, 'a')},
       "branch is 30000 bytes long; at most 1024 are accepted"},
      {{"--property", "p:\xFF"}, "the value of --property p is not valid UTF-8 (byte 0 of 1)"},
      {{"--branch", "x; rm -rf ~"},
       R"(branch 'x; rm -rf ~' does not match validation.branch ^[\w.+/~-]*$)"},
  };
  for (const auto& refusal : refusals) {
    auto args = refusal.args;
    args.push_back("c.c");
    auto refused = sendchange(args);
    EXPECT_EQ(refused.exit_code, 1) << refusal.message << "\n" << describe(refused);
    EXPECT_NE(refused.err.find(refusal.message), std::string::npos) << refusal.message << "\n"
                                                                    << describe(refused);
  }
  EXPECT_EQ(head(), before);
  auto help = eventbot({"sendchange", "--help"});
  EXPECT_NE(help.out.find("login name"), std::string::npos) << help.out;
}

TEST_F(CliLifecycle, AStalePidFileNamingAnotherProcessDoesNotBlockStart) {
  port_ = free_port();
  ASSERT_NE(port_, 0);
  auto created = eventbot({"create-master", dir(), "--slave-port", std::to_string(port_),
                           "--web-port", std::to_string(free_port())});
  ASSERT_EQ(created.exit_code, 0) << describe(created);
  // A live process that is not a master: a child of this test, waiting for a signal.
  const pid_t bystander = ::fork();
  ASSERT_GE(bystander, 0);
  if (bystander == 0) {
    for (;;) ::pause();
  }
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reaper{bystander};
  write_file(dir_ / "eventbot.pid", std::to_string(bystander) + "\n");

  auto stop = eventbot({"stop", dir()});
  EXPECT_NE(stop.exit_code, 0) << describe(stop);
  int status = 0;
  EXPECT_EQ(::waitpid(bystander, &status, WNOHANG), 0)
      << "stop signalled pid " << bystander << ", which is not a master";
  auto reconfig = eventbot({"reconfig", dir()});
  EXPECT_NE(reconfig.exit_code, 0) << describe(reconfig);
  EXPECT_EQ(::waitpid(bystander, &status, WNOHANG), 0) << "reconfig signalled pid " << bystander;

  auto started = eventbot({"start", dir()});
  ASSERT_EQ(started.exit_code, 0) << describe(started);
  EXPECT_TRUE(can_connect(port_));
  auto pid = pid_in_file();
  ASSERT_TRUE(pid);
  EXPECT_NE(*pid, bystander);
  auto stopped = eventbot({"stop", dir()});
  EXPECT_EQ(stopped.exit_code, 0) << describe(stopped);
  EXPECT_FALSE(alive(*pid));
  EXPECT_EQ(::waitpid(bystander, &status, WNOHANG), 0);
}

// kill -9 then an immediate start, as an operator or a supervisor does: the killed
// master's threads may still hold the pid file's lock for a moment after its main thread
// is a zombie; start waits for that dying holder instead of refusing.
TEST_F(CliLifecycle, StartRightAfterKillNineIsNotRefused) {
  port_ = free_port();
  ASSERT_NE(port_, 0);
  auto created = eventbot({"create-master", dir(), "--slave-port", std::to_string(port_),
                           "--web-port", std::to_string(free_port())});
  ASSERT_EQ(created.exit_code, 0) << describe(created);
  for (int round = 0; round < 5; ++round) {
    auto started = eventbot({"start", dir()});
    ASSERT_EQ(started.exit_code, 0) << "round " << round << ": " << describe(started);
    auto pid = pid_in_file();
    ASSERT_TRUE(pid);
    ASSERT_EQ(::kill(*pid, SIGKILL), 0);
  }
  auto started = eventbot({"start", dir()});
  ASSERT_EQ(started.exit_code, 0) << describe(started);
  EXPECT_TRUE(can_connect(port_));
  auto stopped = eventbot({"stop", dir()});
  EXPECT_EQ(stopped.exit_code, 0) << describe(stopped);
}

// A new master's first day: the template's force scheduler is open to anyone, so
// `eventbot force` needs no login; its web user admin has a random password in a file
// readable by its owner alone, and stop-build logs in with that file.
TEST_F(CliLifecycle, TheTemplateForcesWithoutLoginAndItsWebUserGivesCommands) {
  ASSERT_NO_FATAL_FAILURE(create_and_start());
  const auto password_file = dir_ / "web-admin.password";
  ASSERT_TRUE(fs::exists(password_file));
  EXPECT_EQ(fs::status(password_file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const auto password = read_file(password_file);
  EXPECT_GE(password.size(), 17u);  // 18 random bytes in base64, and a newline
  EXPECT_EQ(read_file(dir_ / "master.yaml").find(password.substr(0, password.size() - 1)),
            std::string::npos);
  const auto where = "127.0.0.1:" + std::to_string(port_);

  auto forced = eventbot({"force", "-m", where, "force", "--reason", "first try"});
  EXPECT_EQ(forced.exit_code, 0) << describe(forced);
  EXPECT_NE(forced.out.find("build forced through scheduler force"), std::string::npos)
      << describe(forced);
  EXPECT_TRUE(wait_until([&] { return !events_of("buildset_submitted").empty(); }));

  auto anonymous_stop = eventbot({"stop-build", "-m", where, "runtests", "0"});
  EXPECT_EQ(anonymous_stop.exit_code, 1);
  EXPECT_NE(anonymous_stop.err.find("anonymous users may not stop_build"), std::string::npos)
      << describe(anonymous_stop);
  // Logged in as admin (role admin may stop_build): the answer is about the build.
  auto admin_stop = eventbot({"stop-build", "-m", where, "--auth", "admin", "--auth-file",
                              password_file.string(), "runtests", "99"});
  EXPECT_EQ(admin_stop.exit_code, 1);
  EXPECT_NE(admin_stop.err.find("no build runtests #99"), std::string::npos)
      << describe(admin_stop);
  // --help says where else the login may come from.
  auto help = eventbot({"stop-build", "--help"});
  EXPECT_NE(help.out.find("--auth-file"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("EVENTBOT_AUTH"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("shows the password to every user of the machine (ps)"),
            std::string::npos)
      << help.out;
}

// hash-password prints a SCRAM verifier; with --web, the two lines a web user takes
// (argon2id for the web pages, SCRAM for the port), which checkconfig accepts as they are.
TEST_F(CliLifecycle, HashPasswordPrintsVerifiersThatCheckconfigAccepts) {
  auto hash = [&](const std::string& options) {
    return run_process(
        {"/bin/sh", "-c", "printf 'pw\\n' | '" + eventbot_binary() + "' hash-password " + options});
  };
  auto plain = hash("s1");
  ASSERT_EQ(plain.exit_code, 0) << describe(plain);
  EXPECT_TRUE(matches(
      R"(SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}\n)", plain.out))
      << plain.out;
  auto web = hash("--web admin");
  ASSERT_EQ(web.exit_code, 0) << describe(web);
  auto lines = lines_of(web.out);
  ASSERT_EQ(lines.size(), 2u) << web.out;
  EXPECT_EQ(lines[0].rfind("password_hash: \"$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << web.out;
  EXPECT_EQ(lines[1].rfind("port_password_hash: \"SCRAM-SHA-256$4096:", 0), 0u) << web.out;
  write_file(dir_ / "master.yaml", "slaves:\n  - name: s1\n    password_hash: \"" +
                                       plain.out.substr(0, plain.out.size() - 1) +
                                       "\"\nweb:\n  users:\n    - name: admin\n      " + lines[0] +
                                       "\n      " + lines[1] + "\n");
  // Hashes are secrets too: the file is its owner's alone, as create-master writes it.
  fs::permissions(dir_ / "master.yaml", fs::perms::owner_read | fs::perms::owner_write);
  auto checked = eventbot({"checkconfig", dir()});
  EXPECT_EQ(checked.exit_code, 0) << describe(checked);
  EXPECT_EQ(checked.err, "") << describe(checked);  // nothing to warn about
}

TEST_F(CliLifecycle, ForegroundStartIsRefusedWhileADaemonRuns) {
  ASSERT_NO_FATAL_FAILURE(create_and_start());
  auto foreground = eventbot({"start", "--foreground", dir()});
  EXPECT_NE(foreground.exit_code, 0) << describe(foreground);
  EXPECT_NE(foreground.err.find("already running"), std::string::npos) << describe(foreground);
  EXPECT_TRUE(can_connect(port_));
}

// create-master's master.yaml holds the template's passwords: only its owner may read
// it, and checkconfig has nothing to warn about.
TEST_F(CliLifecycle, CreateMasterWritesMasterYamlForItsOwnerOnly) {
  auto created = eventbot({"create-master", dir()});
  ASSERT_EQ(created.exit_code, 0) << describe(created);
  struct stat info {};
  ASSERT_EQ(::stat((dir_ / "master.yaml").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u) << std::oct << (info.st_mode & 07777);
  auto checked = eventbot({"checkconfig", dir()});
  EXPECT_EQ(checked.exit_code, 0) << describe(checked);
  EXPECT_EQ(checked.err, "") << describe(checked);
  // The existing file is still never overwritten.
  auto again = eventbot({"create-master", dir()});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("exists; not overwriting it"), std::string::npos) << describe(again);
}

// A byte that is not UTF-8 in a builder's description: the reconfig is refused with the
// position, the master keeps its configuration and keeps working, and its log still
// reads (nothing with the bad byte was recorded). start refuses the file the same way.
TEST_F(CliLifecycle, AReconfigWithTextThatIsNotUtf8KeepsTheOldConfigurationAndTheLog) {
  ASSERT_NO_FATAL_FAILURE(create_and_start());
  const auto good = read_file(dir_ / "master.yaml");
  const std::string builder = "  - name: runtests\n";
  const auto at = good.find(builder);
  ASSERT_NE(at, std::string::npos);
  const auto line = std::count(good.begin(), good.begin() + static_cast<long>(at), '\n') + 2;
  auto bad = good;
  bad.insert(at + builder.size(), "    description: caf\xFF\n");
  write_file(dir_ / "master.yaml", bad);
  const auto position = "master.yaml:" + std::to_string(line) + ":21: not UTF-8: byte 0xFF";

  auto rejected = eventbot({"reconfig", dir()});
  EXPECT_NE(rejected.exit_code, 0) << describe(rejected);
  EXPECT_NE(rejected.err.find(position), std::string::npos) << describe(rejected);
  EXPECT_EQ(events_of("config_loaded").size(), 1u);  // events() fails if the log won't read
  // Still reacting: a change is recorded and built by the old configuration.
  auto sent = sendchange({"--who", "alice", "--branch", "main", "a.c"});
  ASSERT_EQ(sent.exit_code, 0) << describe(sent);
  EXPECT_TRUE(wait_until([&] { return buildset_for_change(1).has_value(); }));

  ASSERT_EQ(eventbot({"stop", dir()}).exit_code, 0);
  auto refused_start = eventbot({"start", dir()});
  EXPECT_NE(refused_start.exit_code, 0) << describe(refused_start);
  EXPECT_NE(refused_start.err.find(position), std::string::npos) << describe(refused_start);
  write_file(dir_ / "master.yaml", good);
  auto started = eventbot({"start", dir()});
  EXPECT_EQ(started.exit_code, 0) << describe(started);
}

// A git poller whose URL carries a token: the token is in no line of master.log, not in
// the recorded configuration (nor anywhere in the log as replay prints it), and not in
// the name of the mirror's directory, which is a hash.
TEST_F(CliLifecycle, AGitPollerTokenIsNeitherLoggedNorRecordedNorADirectoryName) {
  port_ = free_port();
  ASSERT_NE(port_, 0);
  auto created = eventbot({"create-master", dir(), "--slave-port", std::to_string(port_),
                           "--web-port", std::to_string(free_port())});
  ASSERT_EQ(created.exit_code, 0) << describe(created);
  // Nothing listens on `closed`: every fetch fails, and says so in master.log.
  const auto closed = free_port();
  const std::string token = "SECRET-TOKEN-8842";
  const std::string url = "https://" + token + "@127.0.0.1:" + std::to_string(closed) + "/r.git";
  auto yaml = read_file(dir_ / "master.yaml");
  const std::string sources = "change_sources:\n";
  ASSERT_NE(yaml.find(sources), std::string::npos);
  yaml.insert(yaml.find(sources) + sources.size(),
              "  - {type: git_poller, repository: \"" + url + "\", poll_interval: 1}\n");
  write_file(dir_ / "master.yaml", yaml);
  auto started = eventbot({"start", dir()});
  ASSERT_EQ(started.exit_code, 0) << describe(started);
  const std::string redacted = "https://***@127.0.0.1:" + std::to_string(closed) + "/r.git";
  EXPECT_TRUE(wait_until([&] {
    const auto log = read_file(dir_ / "master.log");
    return log.find("git poller " + redacted + ": git fetch") != std::string::npos;
  })) << "no failed fetch in master.log";

  const auto log = read_file(dir_ / "master.log");
  EXPECT_EQ(log.find(token), std::string::npos) << log;
  EXPECT_NE(log.find("polls " + redacted), std::string::npos) << log;
  auto loaded = events_of("config_loaded");
  ASSERT_EQ(loaded.size(), 1u);
  const auto content = loaded[0]["config_loaded"]["content"].get<std::string>();
  EXPECT_EQ(content.find(token), std::string::npos) << content;
  EXPECT_NE(content.find(redacted), std::string::npos) << content;
  auto listed = run_process({replay_binary(), store(), "list", "--json"});
  EXPECT_EQ(listed.out.find(token), std::string::npos);
  int mirrors = 0;
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    const auto name = entry.path().filename().string();
    EXPECT_EQ(name.find(token), std::string::npos) << name;
    if (matches("gitpoller-[0-9a-f]{16}", name)) ++mirrors;
  }
  EXPECT_EQ(mirrors, 1);
}

// A master directory that does not exist is named in a clear message by every command
// that takes one, never a complaint about the command line.
TEST(CliMissingDirectory, EveryCommandNamesTheMissingDirectory) {
  TempDir dir("master-cli-missing");
  const auto missing = (dir / "no-such-master").string();
  for (const char* command : {"start", "stop", "restart", "reconfig", "checkconfig"}) {
    auto result = eventbot({command, missing});
    EXPECT_NE(result.exit_code, 0) << command << "\n" << describe(result);
    EXPECT_NE(result.err.find(missing), std::string::npos) << command << "\n" << describe(result);
    EXPECT_NE(result.err.find("does not exist"), std::string::npos) << command << "\n"
                                                                    << describe(result);
    EXPECT_EQ(result.err.find("subcommand"), std::string::npos) << command << "\n"
                                                                << describe(result);
  }
  // The command forgotten (`eventbot DIR`), and `eventbot-replay DIR` without one: the
  // missing path is the news, not CLI11's "A subcommand is required".
  for (auto args : {std::vector<std::string>{eventbot_binary(), missing},
                    std::vector<std::string>{replay_binary(), missing}}) {
    auto result = run_process(args);
    EXPECT_NE(result.exit_code, 0) << describe(result);
    EXPECT_NE(result.err.find(missing + " does not exist"), std::string::npos) << describe(result);
    EXPECT_EQ(result.err.find("subcommand is required"), std::string::npos) << describe(result);
  }
  // An existing directory given without a command says which command to use.
  auto forgotten = eventbot({dir.path().string()});
  EXPECT_NE(forgotten.exit_code, 0);
  EXPECT_NE(forgotten.err.find("eventbot start " + dir.path().string()), std::string::npos)
      << describe(forgotten);
  EXPECT_FALSE(fs::exists(missing)) << "a command created the missing directory";
}

// checkconfig on a file with several errors prints each with file:line:col and fails.
TEST(Checkconfig, ABrokenFilePrintsEveryErrorWithItsPosition) {
  TempDir dir("master-checkconfig");
  const auto path = (dir / "master.yaml").string();
  write_file(path, R"(titel: x
slaves:
  - {name: s, password: p}
builders:
  - {name: runtests, slaves: [t]}
schedulers:
  - {type: force, name: f, builders: [runtest]}
  - {type: single_branch, name: g, builders: [runtests], treeStableTimer: 5}
)");
  auto result = eventbot({"checkconfig", dir.path().string()});
  EXPECT_EQ(result.exit_code, 1) << describe(result);
  EXPECT_EQ(result.out, "");
  auto lines = lines_of(result.err);
  ASSERT_EQ(lines.size(), 4u) << result.err;
  const Regex positioned = *Regex::compile(R"((\d+):(\d+): .+)");  // after "PATH:"
  // Each error once, at its position: the key's line and column.
  std::map<std::string, std::string> position_of;  // what the line names -> "line:col"
  for (const auto& line : lines) {
    ASSERT_TRUE(line.starts_with(path + ":")) << line;
    auto match = positioned.full_match_groups(std::string_view(line).substr(path.size() + 1));
    ASSERT_TRUE(match.has_value()) << line;
    for (const char* what :
         {"\"titel\"", "no slave named \"t\"", "\"runtest\"", "\"treeStableTimer\""}) {
      if (line.find(what) != std::string::npos) {
        EXPECT_EQ(position_of.count(what), 0u) << line;
        position_of[what] = std::string(*(*match)[1]) + ":" + std::string(*(*match)[2]);
      }
    }
  }
  EXPECT_EQ(position_of["\"titel\""], "1:1");
  EXPECT_EQ(position_of["no slave named \"t\""], "5:31");
  EXPECT_EQ(position_of["\"runtest\""], "7:39");
  EXPECT_EQ(position_of["\"treeStableTimer\""].substr(0, 2), "8:");

  // The same file named directly; and a missing one.
  EXPECT_EQ(eventbot({"checkconfig", path}).exit_code, 1);
  auto missing = eventbot({"checkconfig", (dir / "nothing.yaml").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nothing.yaml"), std::string::npos) << describe(missing);
}

}  // namespace
}  // namespace eventbot
