#include "common/daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace eventbot::daemon {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kStartTimeout = 120s;
constexpr auto kStopTimeout = 60s;

constexpr auto kDyingHolderWait = 10s;

// Whether the process is running. A killed multi-threaded process shows its main thread
// as a zombie while the other threads still exit (and still hold its files, the pid
// file's lock among them): that process is dying, not running.
bool exists(int pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

bool alive(int pid) {
  if (!exists(pid)) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;  // no /proc: trust kill()
  auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() ||
         (line[close + 2] != 'Z' && line[close + 2] != 'X');
}

std::optional<int> recorded_pid(const DaemonFiles& files) {
  std::ifstream in(files.pid_file);
  int pid = 0;
  if (!(in >> pid)) return std::nullopt;
  return pid;
}

// Whether some process holds DIR's pid file locked, as a running daemon does. A pid
// file nobody holds is stale (a daemon killed, a reboot): its pid may name anyone.
bool pid_file_held(const DaemonFiles& files) {
  int fd = ::open(files.pid_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // and with it the shared lock, if this probe got it
  return held;
}

// Holds the pid file locked for the life of the daemon, so a second one on the same
// directory is refused even if a stale pid file names a reused pid.
class PidFileLock {
 public:
  static std::optional<PidFileLock> acquire(const DaemonFiles& files, std::string& why) {
    int fd = ::open(files.pid_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      why = "cannot open " + files.pid_file.string() + ": " + std::strerror(errno);
      return std::nullopt;
    }
    // A holder that is dying (killed a moment ago) lets go within moments: wait for
    // it rather than refusing a restart that follows a kill -9.
    auto deadline = std::chrono::steady_clock::now() + kDyingHolderWait;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      auto holder = recorded_pid(files);
      if ((!holder || !alive(*holder)) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
        continue;
      }
      ::close(fd);
      auto pid = running_pid(files);
      why = "a " + files.what + " is already running in " + files.dir.string() +
            (pid ? " (pid " + std::to_string(*pid) + ")" : "");
      return std::nullopt;
    }
    auto text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) < 0) {
      why = "cannot write " + files.pid_file.string();
      ::close(fd);
      return std::nullopt;
    }
    return PidFileLock(fd, files.pid_file);
  }
  PidFileLock(PidFileLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
    other.fd_ = -1;
  }
  ~PidFileLock() {
    if (fd_ >= 0) {
      std::error_code ec;
      fs::remove(path_, ec);
      ::close(fd_);
    }
  }

 private:
  PidFileLock(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  fs::path path_;
};

}  // namespace

std::optional<int> running_pid(const DaemonFiles& files) {
  auto pid = recorded_pid(files);
  if (!pid || !alive(*pid) || !pid_file_held(files)) return std::nullopt;
  return pid;
}

int run_foreground(const DaemonFiles& files, const DaemonMain& main) {
  std::string why;
  auto lock = PidFileLock::acquire(files, why);
  if (!lock) {
    std::cerr << files.program << ": " << why << "\n";
    return 1;
  }
  return main([](bool ok, const std::string& message) {
    (ok ? std::cout : std::cerr) << message << std::endl;
  });
}

int start_daemon(const DaemonFiles& files, const DaemonMain& main) {
  if (auto pid = running_pid(files)) {
    std::cerr << files.program << ": a " << files.what << " is already running in "
              << files.dir.string() << " (pid " << *pid << ")\n";
    return 1;
  }
  int ready_pipe[2];
  if (::pipe2(ready_pipe, O_CLOEXEC) != 0) {
    std::cerr << files.program << ": cannot make a pipe: " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cout.flush();
  std::cerr.flush();
  pid_t child = ::fork();
  if (child < 0) {
    std::cerr << files.program << ": cannot fork: " << std::strerror(errno) << "\n";
    return 1;
  }
  if (child == 0) {
    ::close(ready_pipe[0]);
    ::setsid();
    int null_fd = ::open("/dev/null", O_RDONLY);
    int log_fd = ::open(files.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    int report_fd = ready_pipe[1];
    // Nothing inherited from the starting process but 0, 1, 2 and the report pipe
    // (a socket left open here would outlive its owner).
    if (report_fd > 3) ::close_range(3, static_cast<unsigned>(report_fd) - 1, 0);
    ::close_range(static_cast<unsigned>(report_fd) + 1, ~0U, 0);
    std::string why;
    auto lock = PidFileLock::acquire(files, why);
    if (!lock) {
      auto text = "0" + why;
      (void)!::write(report_fd, text.data(), text.size());
      ::_exit(1);
    }
    bool reported = false;
    int code = main([&](bool ok, const std::string& message) {
      if (reported) return;
      reported = true;
      auto text = (ok ? "1" : "0") + message;
      (void)!::write(report_fd, text.data(), text.size());
      ::close(report_fd);
    });
    std::fflush(nullptr);
    lock.reset();  // _exit runs no destructors: remove the pid file here
    ::_exit(code);
  }

  ::close(ready_pipe[1]);
  std::string report;
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd fd{ready_pipe[0], POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::read(ready_pipe[0], buffer, sizeof buffer);
    if (n <= 0) break;
    report.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(ready_pipe[0]);
  if (report.empty()) {
    std::cerr << files.program << ": the " << files.what << " did not report start-up; see "
              << files.log_file.string() << "\n";
    return 1;
  }
  if (report[0] != '1') {
    std::cerr << files.program << ": the " << files.what << " failed to start: " << report.substr(1)
              << "\n";
    return 1;
  }
  std::cout << report.substr(1) << std::endl;
  return 0;
}

int stop_daemon(const DaemonFiles& files) {
  auto pid = running_pid(files);
  if (!pid) {
    std::cerr << files.program << ": no " << files.what << " is running in " << files.dir.string()
              << "\n";
    return 1;
  }
  if (::kill(*pid, SIGTERM) != 0) {
    std::cerr << files.program << ": cannot signal pid " << *pid << ": " << std::strerror(errno)
              << "\n";
    return 1;
  }
  auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (exists(*pid)) {  // until reaped: its files, the store among them, are closed
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << files.program << ": the " << files.what << " (pid " << *pid
                << ") did not stop within " << kStopTimeout.count() << " s\n";
      return 1;
    }
    std::this_thread::sleep_for(20ms);
  }
  std::cout << files.program << " " << files.what << " stopped (pid " << *pid << ")" << std::endl;
  return 0;
}

}  // namespace eventbot::daemon
