#pragma once
// The real agent as a child process: `eventbot-slave start --foreground DIR`, with
// extra environment variables, stopped with SIGTERM (and reaped) at the end of scope.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_process.hpp"
#include "tests/support/wait_until.hpp"

extern char** environ;

namespace eventbot::testing {

inline std::string slave_binary() {
  return binary_dir() + "/eventbot-slave";
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// create-slave through the CLI, then extra lines appended to slave.yaml (test knobs).
inline ProcessResult create_slave(const std::filesystem::path& dir, unsigned short port,
                                  const std::string& name, const std::string& password,
                                  const std::string& extra_yaml = "",
                                  std::vector<std::string> options = {}) {
  std::vector<std::string> argv{slave_binary(), "create-slave",
                                dir.string(),   "127.0.0.1:" + std::to_string(port),
                                name,           password};
  argv.insert(argv.end(), options.begin(), options.end());
  auto result = run_process(argv);
  if (result.exit_code == 0 && !extra_yaml.empty()) {
    std::ofstream out(dir / "slave.yaml", std::ios::app);
    out << extra_yaml;
  }
  return result;
}

class AgentProcess {
 public:
  AgentProcess(const std::filesystem::path& dir, std::map<std::string, std::string> env = {})
      : dir_(dir) {
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
    for (auto& [name, value] : env) environment.push_back(name + "=" + value);
    std::vector<std::string> argv{slave_binary(), "start", "--foreground", dir.string()};
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open((dir / "agent.stdout").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(out, 1);
      ::dup2(out, 2);
      // Not the test's sockets (the test master's listening port above all): the agent
      // would keep them open after the test master closed them.
      ::close_range(3, ~0U, 0);
      std::vector<char*> args, envp;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      for (auto& e : environment) envp.push_back(e.data());
      envp.push_back(nullptr);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
  }
  ~AgentProcess() { stop(); }

  // SIGTERM, then waits (SIGKILL after 30 s, so a hung agent fails its test instead of
  // hanging it); returns the exit status (-1 if it was not a normal exit).
  int stop() {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGTERM);
    if (!wait_until([&] { return exited(); }, std::chrono::seconds(30))) ::kill(pid_, SIGKILL);
    return wait_exit();
  }
  int wait_exit() {
    if (pid_ <= 0) return exit_code_;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }
  // True once the process has exited by itself (reaps it).
  bool exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return true;
  }
  void signal(int number) { ::kill(pid_, number); }
  int pid() const { return pid_; }
  std::string log() const { return read_file(dir_ / "slave.log"); }
  bool log_has(const std::string& text) const { return log().find(text) != std::string::npos; }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

}  // namespace eventbot::testing
