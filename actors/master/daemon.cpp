#include "actors/master/daemon.hpp"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "actors/messages/defaults.hpp"
#include "common/daemon.hpp"

namespace eventbot::master {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

daemon::DaemonFiles master_files(const fs::path& dir) {
  return {"eventbot", "master", dir, pid_file(dir), log_file(dir)};
}

std::uintmax_t file_size_or_zero(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

}  // namespace

fs::path pid_file(const fs::path& dir) {
  return dir / "eventbot.pid";
}
fs::path log_file(const fs::path& dir) {
  return dir / "master.log";
}

std::optional<int> running_pid(const fs::path& dir) {
  return daemon::running_pid(master_files(dir));
}

int run_foreground(const fs::path& dir, const MasterMain& main) {
  return daemon::run_foreground(master_files(dir), main);
}

int start_daemon(const fs::path& dir, const MasterMain& main) {
  return daemon::start_daemon(master_files(dir), main);
}

int stop_daemon(const fs::path& dir) {
  return daemon::stop_daemon(master_files(dir));
}

int reconfig_daemon(const fs::path& dir) {
  auto pid = running_pid(dir);
  if (!pid) {
    std::cerr << "eventbot: no master is running in " << dir.string() << "\n";
    return 1;
  }
  auto log = log_file(dir);
  auto offset = file_size_or_zero(log);
  if (::kill(*pid, SIGHUP) != 0) {
    std::cerr << "eventbot: cannot signal pid " << *pid << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  // Longer than the master waits itself: the answer always comes before this gives up.
  auto deadline = std::chrono::steady_clock::now() + defaults::kReconfigWait;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(log);
    in.seekg(static_cast<std::streamoff>(offset));
    std::stringstream tail;
    tail << in.rdbuf();
    auto text = tail.str();
    if (text.find(kReconfigOk) != std::string::npos) {
      std::cout << "eventbot: reconfig done" << std::endl;
      return 0;
    }
    if (auto at = text.find(kReconfigFailed); at != std::string::npos) {
      std::cerr << "eventbot: reconfig failed; the old configuration keeps running:\n"
                << text.substr(at) << std::flush;
      return 1;
    }
    std::this_thread::sleep_for(50ms);
  }
  std::cerr << "eventbot: no reconfig result in " << log.string() << " after "
            << defaults::kReconfigWait.count() << " s\n";
  return 1;
}

}  // namespace eventbot::master
