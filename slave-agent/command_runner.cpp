#include "slave-agent/command_runner.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>
#include <vector>

namespace eventbot::slave {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kReadSize = 64 * 1024;
// How often the I/O loop looks again when it has nothing to wait on (no pidfd, or
// processes of a killed group that may still be exiting).
constexpr milliseconds kTick{20};

std::string errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Keeps our descriptors away from 0..2 (a daemonised slave may have closed them), so the
// child's dup2 onto 0..2 never overwrites one it still needs.
int raise_fd(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int raised = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return raised;
}

void set_cloexec(int fd) {
  ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
}
void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// 1200 -> "1200", 0.5 s -> "0.5".
std::string format_seconds(milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000);
  std::array<char, 32> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                                 static_cast<double>(d.count()) / 1000.0);
  return std::string(buffer.data(), end);
}

std::string format_secs_unit(milliseconds d) {
  return format_seconds(d) + (d == std::chrono::seconds(1) ? " sec" : " secs");
}

// Quotes one argument so that a POSIX shell reads it back unchanged.
std::string shell_quote(const std::string& word) {
  if (word.empty()) return "\"\"";
  bool safe = std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("@%+=:,./-_").find(c) != std::string_view::npos;
  });
  if (safe) return word;
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\"'\"'";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// Python's repr of a str, as Buildbot's header shows lists and dicts.
std::string py_repr(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// Whether any process other than `leader` (our unreaped zombie) is still alive in the
// process group: scans /proc. Zombies do not count (a non-reaping init may keep them).
// nullopt when /proc cannot be read.
std::optional<bool> group_has_live_members(pid_t pgid, pid_t leader) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return std::nullopt;
  bool alive = false;
  while (dirent* entry = ::readdir(proc)) {
    const char* name = entry->d_name;
    pid_t pid = 0;
    auto [end, ec] = std::from_chars(name, name + std::strlen(name), pid);
    if (ec != std::errc() || *end != '\0' || pid == leader) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    FILE* file = std::fopen(path, "re");
    if (file == nullptr) continue;
    char buffer[1024];
    std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, file);
    std::fclose(file);
    buffer[n] = '\0';
    // "pid (comm) state ppid pgrp ...": comm may contain anything, so parse after the last ')'.
    const char* close = std::strrchr(buffer, ')');
    if (close == nullptr) continue;
    char state = 0;
    int ppid = 0;
    int pgrp = 0;
    if (std::sscanf(close + 1, " %c %d %d", &state, &ppid, &pgrp) != 3) continue;
    if (pgrp == pgid && state != 'Z' && state != 'X') {
      alive = true;
      break;
    }
  }
  ::closedir(proc);
  return alive;
}

// What the child reports through its close-on-exec pipe when it cannot exec.
struct ChildError {
  int stage;
  int err;
};
enum ChildStage { kStageSetsid = 1, kStageTty, kStageDup, kStageChdir, kStageExec };

const char* stage_text(int stage) {
  switch (stage) {
    case kStageSetsid:
      return "setsid";
    case kStageTty:
      return "cannot make the pty the controlling terminal";
    case kStageDup:
      return "dup2";
    case kStageChdir:
      return "chdir";
    default:
      return "exec";
  }
}

// Everything the child needs, prepared before fork: after fork only async-signal-safe
// calls are allowed.
struct ChildPlan {
  std::vector<std::string> exec_candidates;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::string workdir;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int controlling_tty = -1;  // the pty slave, or -1
  int error_fd = -1;
};

[[noreturn]] void child_fail(int error_fd, int stage, int err) {
  ChildError report{stage, err};
  ssize_t ignored = ::write(error_fd, &report, sizeof report);
  (void)ignored;
  ::_exit(127);
}

void close_other_fds(int keep) {
  // close_range(2) (Linux 5.9); else one close() per possible descriptor.
  bool done =
      keep > 3 ? ::syscall(SYS_close_range, 3u, static_cast<unsigned>(keep - 1), 0u) == 0 : true;
  done = done && ::syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0u, 0u) == 0;
  if (done) return;
  rlimit limit{};
  int max_fd = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                   ? static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 1 << 20))
                   : 1 << 16;
  for (int fd = 3; fd < max_fd; ++fd) {
    if (fd != keep) ::close(fd);
  }
}

[[noreturn]] void run_child(const ChildPlan& plan) {
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Ignored signals stay ignored across exec: the slave may ignore SIGPIPE, its commands
  // must not.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &default_action, nullptr);
  }
  if (::setsid() < 0) child_fail(plan.error_fd, kStageSetsid, errno);
  if (plan.controlling_tty >= 0 && ::ioctl(plan.controlling_tty, TIOCSCTTY, 0) < 0) {
    child_fail(plan.error_fd, kStageTty, errno);
  }
  if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 ||
      ::dup2(plan.stderr_fd, 2) < 0) {
    child_fail(plan.error_fd, kStageDup, errno);
  }
  if (::chdir(plan.workdir.c_str()) < 0) child_fail(plan.error_fd, kStageChdir, errno);
  close_other_fds(plan.error_fd);
  // execvp's rules, but searching the command's PATH rather than the slave's.
  int err = ENOENT;
  bool saw_eacces = false;
  for (const auto& candidate : plan.exec_candidates) {
    ::execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
    err = errno;
    if (err == EACCES) {
      saw_eacces = true;
    } else if (err != ENOENT && err != ENOTDIR && err != ESTALE && err != ENODEV &&
               err != ETIMEDOUT) {
      break;
    }
  }
  if (saw_eacces && (err == ENOENT || err == ENOTDIR)) err = EACCES;
  child_fail(plan.error_fd, kStageExec, err);
}

struct StatKey {
  timespec ctime{};
  timespec mtime{};
  off_t size = 0;
  bool operator==(const StatKey& o) const {
    return ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec &&
           mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec && size == o.size;
  }
};

std::optional<StatKey> stat_key(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return StatKey{st.st_ctim, st.st_mtim, st.st_size};
}

}  // namespace

// The I/O thread's state: one instance for the life of io_main().
struct CommandRunner::Impl {
  enum class KillStage { none, term_sent, signal_sent, kill_sent };

  struct Channel {
    int fd = -1;
    Update::Kind kind = Update::Kind::stdout_data;
    bool wanted = true;
  };

  struct Watcher {
    std::string name;
    std::filesystem::path path;
    bool follow = false;
    std::optional<StatKey> initial;  // the file as it was before the command started
    int fd = -1;
    bool more = false;  // stopped reading for lack of room: read again soon
  };

  CommandRunner& runner;
  const ShellCommandSpec& spec;

  pid_t pid = -1;
  int pidfd = -1;
  bool leader_exited = false;
  Clock::time_point start_time = Clock::now();

  Channel out;
  Channel err;
  bool closing_outputs = false;  // the group is dead: read what is left, then close
  int stdin_fd = -1;
  std::size_t stdin_offset = 0;

  std::vector<Update> batch;
  std::size_t batch_bytes = 0;
  std::optional<Clock::time_point> batch_started;

  Clock::time_point last_output = Clock::now();
  std::optional<Clock::time_point> max_time_at;
  bool throttled = false;

  Completion::Outcome kill_outcome = Completion::Outcome::finished;
  std::string kill_reason;
  KillStage kill_stage = KillStage::none;
  std::optional<Clock::time_point> kill_next_at;
  bool gave_up = false;

  std::vector<Watcher> watchers;
  Clock::time_point next_logfile_poll = Clock::now();

  std::vector<char> read_buffer = std::vector<char>(kReadSize);

  Impl(CommandRunner& r, const ShellCommandSpec& s) : runner(r), spec(s) {}

  ~Impl() {
    close_fd(pidfd);
    close_fd(out.fd);
    close_fd(err.fd);
    close_fd(stdin_fd);
    for (auto& w : watchers) close_fd(w.fd);
  }

  // Zero disables, as in Buildbot (`if self.timeout:`).
  std::optional<milliseconds> timeout() const {
    return spec.timeout && spec.timeout->count() > 0 ? spec.timeout : std::nullopt;
  }
  std::optional<milliseconds> max_time() const {
    return spec.max_time && spec.max_time->count() > 0 ? spec.max_time : std::nullopt;
  }

  std::size_t chunk() const { return std::max<std::size_t>(spec.chunk_bytes, 1); }

  // How much more may be read before 2 * chunk_bytes are waiting for the sink.
  std::size_t room() const {
    std::size_t limit = 2 * chunk();
    std::size_t buffered = runner.buffered_.load();
    return buffered >= limit ? 0 : std::min(limit - buffered, kReadSize);
  }

  // --- batching -------------------------------------------------------------------------

  void add(Update::Kind kind, const std::string& name, std::string_view data) {
    if (data.empty()) return;
    std::size_t pos = 0;
    while (pos < data.size()) {
      if (batch.empty() || batch.back().kind != kind || batch.back().log_name != name ||
          batch.back().data.size() >= chunk()) {
        batch.push_back(Update{kind, name, {}});
      }
      std::size_t take = std::min(data.size() - pos, chunk() - batch.back().data.size());
      batch.back().data.append(data.substr(pos, take));
      pos += take;
    }
    batch_bytes += data.size();
    runner.add_buffered(data.size());
    if (!batch_started) batch_started = Clock::now();
    if (batch_bytes >= chunk()) flush(/*full_chunks_only=*/true);
  }

  void header(std::string_view text) { add(Update::Kind::header, {}, text); }

  // Hands the batch to the delivery thread. full_chunks_only (a flush for size): a last,
  // partly filled update stays to gather more, so a steady stream makes full updates.
  void flush(bool full_chunks_only = false) {
    std::optional<Update> keep;
    if (full_chunks_only && !batch.empty() && batch.back().data.size() < chunk()) {
      keep = std::move(batch.back());
      batch.pop_back();
    }
    for (auto& update : batch) {
      std::size_t size = update.data.size();
      runner.enqueue(std::move(update), size);
    }
    batch.clear();
    batch_bytes = 0;
    batch_started.reset();
    if (keep) {
      batch_bytes = keep->data.size();
      batch_started = Clock::now();
      batch.push_back(std::move(*keep));
    }
  }

  // --- starting ---------------------------------------------------------------------------

  std::string display_command() const {
    if (const auto* text = std::get_if<std::string>(&spec.command)) return *text;
    std::string display;
    for (const auto& word : std::get<std::vector<std::string>>(spec.command)) {
      if (!display.empty()) display += ' ';
      display += shell_quote(word);
    }
    return display;
  }

  std::string argv_repr() const {
    if (const auto* text = std::get_if<std::string>(&spec.command)) return *text;
    std::string repr = "[";
    for (const auto& word : std::get<std::vector<std::string>>(spec.command)) {
      if (repr.size() > 1) repr += ", ";
      repr += py_repr(word);
    }
    return repr + "]";
  }

  std::string logfiles_repr() const {
    std::string repr = "{";
    for (const auto& [name, file] : spec.logfiles) {
      if (repr.size() > 1) repr += ", ";
      repr += py_repr(name) + ": ";
      if (file.follow) {
        repr += "{'filename': " + py_repr(file.path.string()) + ", 'follow': True}";
      } else {
        repr += py_repr(file.path.string());
      }
    }
    return repr + "}";
  }

  void write_start_header(const std::filesystem::path& workdir, const Environment& env,
                          bool use_pty) {
    header(display_command() + "\n");
    std::string dir_line = " in dir " + workdir.string();
    if (timeout()) dir_line += " (timeout " + format_secs_unit(*timeout()) + ")";
    if (max_time()) dir_line += " (maxTime " + format_secs_unit(*max_time()) + ")";
    header(dir_line + "\n");
    header(" watching logfiles " + logfiles_repr() + "\n");
    header(" argv: " + argv_repr() + "\n");
    if (spec.log_environ) {
      std::string text = " environment:\n";
      for (const auto& [name, value] : env) {
        text += "  " + name + "=" + (is_secret_name(name) ? std::string("***") : value) + "\n";
      }
      header(text);
    }
    if (spec.initial_stdin && !spec.initial_stdin->empty()) {
      header(" writing " + std::to_string(spec.initial_stdin->size()) + " bytes to stdin\n");
    }
    header(std::string(" using PTY: ") + (use_pty ? "True" : "False") + "\n");
  }

  // Starts the child. On failure returns the text after "cannot start: ".
  std::optional<std::string> spawn() {
    std::error_code ec;
    std::filesystem::path workdir = spec.workdir.empty()
                                        ? std::filesystem::current_path(ec)
                                        : std::filesystem::absolute(spec.workdir, ec);
    if (ec) return "workdir " + spec.workdir.string() + ": " + ec.message();
    workdir = workdir.lexically_normal();

    Environment env = build_environment(runner.slave_env_, spec.env);
    env["PWD"] = workdir.string();

    bool use_pty = spec.use_pty && !spec.initial_stdin;
    if (spec.use_pty && spec.initial_stdin) {
      header("WARNING: disabling usePTY for this command\n");
    }
    write_start_header(workdir, env, use_pty);

    for (const auto& [name, file] : spec.logfiles) {
      Watcher w;
      w.name = name;
      w.path = file.path.is_absolute() ? file.path : workdir / file.path;
      w.follow = file.follow;
      w.initial = stat_key(w.path);
      watchers.push_back(std::move(w));
    }

    // Buildbot creates a missing workdir.
    if (!std::filesystem::is_directory(workdir, ec)) {
      std::filesystem::create_directories(workdir, ec);
      if (ec) return "cannot create workdir " + workdir.string() + ": " + ec.message();
    }

    std::vector<std::string> argv;
    if (const auto* text = std::get_if<std::string>(&spec.command)) {
      argv = {"/bin/sh", "-c", *text};
    } else {
      argv = std::get<std::vector<std::string>>(spec.command);
    }
    if (argv.empty()) return std::string("empty command");

    ChildPlan plan;
    if (argv[0].find('/') != std::string::npos) {
      plan.exec_candidates.push_back(argv[0]);
    } else {
      auto path_var = env.find("PATH");
      std::string path = path_var != env.end() ? path_var->second : "/bin:/usr/bin";
      std::size_t begin = 0;
      while (true) {
        std::size_t colon = path.find(':', begin);
        std::string dir = path.substr(begin, colon == std::string::npos ? colon : colon - begin);
        plan.exec_candidates.push_back((dir.empty() ? std::string(".") : dir) + "/" + argv[0]);
        if (colon == std::string::npos) break;
        begin = colon + 1;
      }
    }
    std::vector<std::string> env_strings;
    for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
    for (auto& a : argv) plan.argv.push_back(a.data());
    plan.argv.push_back(nullptr);
    for (auto& e : env_strings) plan.envp.push_back(e.data());
    plan.envp.push_back(nullptr);
    plan.workdir = workdir.string();

    // The child's ends, closed in the parent once it has forked.
    std::vector<int> child_ends;
    auto fail = [&](const std::string& what) {
      int saved = errno;
      for (int& fd : child_ends) close_fd(fd);
      return what + ": " + errno_text(saved);
    };
    if (use_pty) {
      int master = -1;
      int slave = -1;
      winsize size{};
      size.ws_row = 24;
      size.ws_col = 80;
      if (::openpty(&master, &slave, nullptr, nullptr, &size) != 0) return fail("openpty");
      set_cloexec(master);
      set_cloexec(slave);
      out.fd = raise_fd(master);
      slave = raise_fd(slave);
      child_ends.push_back(slave);
      plan.stdin_fd = plan.stdout_fd = plan.stderr_fd = plan.controlling_tty = slave;
    } else {
      int out_pipe[2];
      int err_pipe[2];
      if (::pipe2(out_pipe, O_CLOEXEC) != 0) return fail("pipe");
      out.fd = raise_fd(out_pipe[0]);
      child_ends.push_back(raise_fd(out_pipe[1]));
      plan.stdout_fd = child_ends.back();
      if (::pipe2(err_pipe, O_CLOEXEC) != 0) return fail("pipe");
      err.fd = raise_fd(err_pipe[0]);
      child_ends.push_back(raise_fd(err_pipe[1]));
      plan.stderr_fd = child_ends.back();
      if (spec.initial_stdin) {
        int in_pipe[2];
        if (::pipe2(in_pipe, O_CLOEXEC) != 0) return fail("pipe");
        child_ends.push_back(raise_fd(in_pipe[0]));
        stdin_fd = raise_fd(in_pipe[1]);
        set_nonblocking(stdin_fd);
      } else {
        int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd < 0) return fail("/dev/null");
        child_ends.push_back(raise_fd(null_fd));
      }
      plan.stdin_fd = child_ends.back();
    }
    out.kind = Update::Kind::stdout_data;
    out.wanted = spec.want_stdout;
    err.kind = Update::Kind::stderr_data;
    err.wanted = spec.want_stderr;
    set_nonblocking(out.fd);
    if (err.fd >= 0) set_nonblocking(err.fd);

    int error_pipe[2];
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) return fail("pipe");
    int error_read = raise_fd(error_pipe[0]);
    plan.error_fd = raise_fd(error_pipe[1]);

    start_time = Clock::now();
    pid_t child = ::fork();
    if (child < 0) {
      close_fd(error_read);
      close_fd(plan.error_fd);
      return fail("fork");
    }
    if (child == 0) run_child(plan);

    for (int& fd : child_ends) close_fd(fd);
    close_fd(plan.error_fd);
    // Wait for exec (the pipe closes) or the child's report: once this returns, the child
    // is in its own session and process group, so the group can be signalled.
    ChildError report{};
    std::size_t got = 0;
    while (got < sizeof report) {
      ssize_t n = ::read(error_read, reinterpret_cast<char*>(&report) + got, sizeof report - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    close_fd(error_read);
    pid = child;
    if (got == sizeof report) {
      int status = 0;
      while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
      }
      pid = -1;
      std::string what = report.stage == kStageExec    ? argv[0]
                         : report.stage == kStageChdir ? "chdir " + workdir.string()
                                                       : stage_text(report.stage);
      return what + ": " + errno_text(report.err);
    }
    runner.pid_.store(child);
    pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    if (pidfd >= 0) pidfd = raise_fd(pidfd);
    last_output = Clock::now();
    if (max_time()) max_time_at = start_time + *max_time();
    return std::nullopt;
  }

  // --- the running command ----------------------------------------------------------------

  void check_leader() {
    if (leader_exited || pid <= 0) return;
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      leader_exited = true;
      close_fd(pidfd);
      close_fd(stdin_fd);
    }
  }

  void signal_group(int sig) {
    // The leader is not reaped before the runner is done with it, so its pid (the group id)
    // cannot have been reused.
    header("sending " + signal_name(sig) + " to process group " + std::to_string(pid) + "\n");
    ::kill(-pid, sig);
    // A stopped process (SIGTSTP, SIGTTIN) only acts on TERM or INT once continued.
    if (sig != SIGKILL && sig != SIGCONT) ::kill(-pid, SIGCONT);
  }

  void begin_kill(Completion::Outcome outcome, std::string reason, const std::string& message) {
    if (kill_stage != KillStage::none || pid <= 0) return;
    kill_outcome = outcome;
    kill_reason = std::move(reason);
    header("\n" + message + ", attempting to kill\n");
    auto now = Clock::now();
    if (spec.sigterm_time) {
      signal_group(SIGTERM);
      kill_stage = KillStage::term_sent;
      kill_next_at = now + *spec.sigterm_time;
    } else {
      send_interrupt_signal(now);
    }
  }

  void send_interrupt_signal(Clock::time_point now) {
    signal_group(spec.interrupt_signal);
    kill_stage = spec.interrupt_signal == SIGKILL ? KillStage::kill_sent : KillStage::signal_sent;
    kill_next_at = now + spec.kill_grace;
  }

  void advance_kill(Clock::time_point now) {
    if (!kill_next_at || now < *kill_next_at) return;
    switch (kill_stage) {
      case KillStage::term_sent:
        if (group_alive()) {
          send_interrupt_signal(now);
        } else {
          kill_next_at.reset();
        }
        break;
      case KillStage::signal_sent:
        if (group_alive()) {
          header("process group still alive " + format_seconds(spec.kill_grace) + " s after " +
                 signal_name(spec.interrupt_signal) + "\n");
          signal_group(SIGKILL);
          kill_stage = KillStage::kill_sent;
          kill_next_at = now + spec.kill_grace;
        } else {
          kill_next_at.reset();
        }
        break;
      case KillStage::kill_sent:
        if (!leader_exited || group_alive()) {
          header("SIGKILL failed to kill process\n");
          gave_up = true;
        }
        kill_next_at.reset();
        break;
      case KillStage::none:
        break;
    }
  }

  bool group_alive() const {
    if (!leader_exited) return true;
    return group_has_live_members(pid, pid).value_or(true);
  }

  void check_interrupt() {
    std::optional<std::string> why;
    {
      std::lock_guard lock(runner.mutex_);
      why = runner.interrupt_why_;
    }
    if (why && kill_stage == KillStage::none) {
      begin_kill(Completion::Outcome::interrupted, "interrupted: " + *why,
                 "command interrupted: " + *why);
    }
  }

  void check_timers(Clock::time_point now) {
    if (kill_stage != KillStage::none) {
      advance_kill(now);
      return;
    }
    // Waiting on the sink is not the command's silence.
    if (throttled) last_output = now;
    if (timeout() && now - last_output >= *timeout()) {
      auto t = format_seconds(*timeout());
      begin_kill(Completion::Outcome::timeout, "timeout: no output for " + t + " s",
                 "command timed out: " + t + " seconds without output");
    } else if (max_time_at && now >= *max_time_at) {
      auto t = format_seconds(*max_time());
      begin_kill(Completion::Outcome::max_time, "max_time: " + t + " s exceeded",
                 "command timed out: " + t + " seconds elapsed");
    }
  }

  // Reads what one output channel has; closes it at EOF (or, once the group is dead, when
  // nothing more is there: a process that left the group may keep the pipe open).
  void read_channel(Channel& ch) {
    while (ch.fd >= 0) {
      std::size_t want = ch.wanted ? room() : kReadSize;
      if (want == 0) return;
      ssize_t n = ::read(ch.fd, read_buffer.data(), want);
      if (n > 0) {
        last_output = Clock::now();
        if (ch.wanted) add(ch.kind, {}, std::string_view(read_buffer.data(), n));
        if (static_cast<std::size_t>(n) < want) continue;
        return;  // let the other channel and the timers have their turn
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        if (closing_outputs) close_fd(ch.fd);
        return;
      }
      close_fd(ch.fd);  // EOF, or EIO from a pty whose last slave is closed
    }
  }

  void write_stdin() {
    if (stdin_fd < 0) return;
    const std::string& data = *spec.initial_stdin;
    while (stdin_offset < data.size()) {
      ssize_t n = ::write(stdin_fd, data.data() + stdin_offset, data.size() - stdin_offset);
      if (n > 0) {
        stdin_offset += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n < 0 && errno == EPIPE) {
        // The command closed its stdin: discard the SIGPIPE this thread has blocked.
        sigset_t pipe_set;
        ::sigemptyset(&pipe_set);
        ::sigaddset(&pipe_set, SIGPIPE);
        timespec zero{};
        while (::sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
        }
      }
      break;
    }
    close_fd(stdin_fd);
  }

  // Reads new content of the log files, within the room left for buffering.
  void poll_logfiles(bool final_poll) {
    for (auto& w : watchers) {
      w.more = false;
      if (w.fd < 0) {
        auto now_stat = stat_key(w.path);
        if (now_stat == w.initial) continue;  // not started yet
        if (!now_stat) {
          // It was there and is gone: the command deleted it to write a new one.
          w.initial.reset();
          continue;
        }
        w.fd = ::open(w.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (w.fd < 0) continue;
        w.fd = raise_fd(w.fd);
        if (w.follow && w.initial) ::lseek(w.fd, w.initial->size, SEEK_SET);
      }
      while (true) {
        std::size_t want = room();
        if (want == 0) {
          w.more = true;
          break;
        }
        ssize_t n = ::read(w.fd, read_buffer.data(), want);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (!final_poll) last_output = Clock::now();
        add(Update::Kind::logfile_data, w.name, std::string_view(read_buffer.data(), n));
      }
    }
  }

  bool logfiles_have_more() const {
    return std::any_of(watchers.begin(), watchers.end(), [](const Watcher& w) { return w.more; });
  }

  // Waits until the sink has taken something (or `deadline`).
  void wait_for_wake(int timeout_ms) {
    pollfd wake{runner.wake_fds_[0], POLLIN, 0};
    ::poll(&wake, 1, timeout_ms);
    drain_wake();
  }

  void drain_wake() {
    char buffer[256];
    while (::read(runner.wake_fds_[0], buffer, sizeof buffer) > 0) {
    }
  }

  void run_loop() {
    while (true) {
      auto now = Clock::now();
      check_interrupt();
      check_leader();
      check_timers(now);
      if (gave_up) return;
      if (!watchers.empty() && (now >= next_logfile_poll || logfiles_have_more())) {
        poll_logfiles(false);
        next_logfile_poll = now + spec.logfile_poll_interval;
      }
      if (batch_started && now - *batch_started >= spec.flush_interval) flush();

      if (leader_exited) {
        if (kill_stage == KillStage::none) {
          if (out.fd < 0 && err.fd < 0) return;
        } else if (!closing_outputs && !group_alive()) {
          closing_outputs = true;
        }
        if (closing_outputs) {
          read_channel(out);
          read_channel(err);
          if (out.fd < 0 && err.fd < 0) return;
        }
      }

      std::size_t space = room();
      std::vector<pollfd> fds;
      fds.push_back({runner.wake_fds_[0], POLLIN, 0});
      if (pidfd >= 0) fds.push_back({pidfd, POLLIN, 0});
      bool waiting_on_output = false;
      for (Channel* ch : {&out, &err}) {
        if (ch->fd < 0) continue;
        if (!ch->wanted || space > 0) {
          fds.push_back({ch->fd, POLLIN, 0});
        } else {
          waiting_on_output = true;
        }
      }
      throttled = waiting_on_output || (logfiles_have_more() && space == 0);
      if (stdin_fd >= 0) fds.push_back({stdin_fd, POLLOUT, 0});

      std::optional<Clock::time_point> wake_at;
      auto earliest = [&](std::optional<Clock::time_point> t) {
        if (t && (!wake_at || *t < *wake_at)) wake_at = t;
      };
      if (batch_started) earliest(*batch_started + spec.flush_interval);
      if (kill_stage == KillStage::none) {
        if (timeout()) earliest(last_output + *timeout());
        earliest(max_time_at);
      } else {
        earliest(kill_next_at);
        if (leader_exited) earliest(now + kTick);  // the rest of the group may be exiting
      }
      if (!watchers.empty()) {
        earliest(logfiles_have_more() && space > 0 ? now : next_logfile_poll);
      }
      if (pidfd < 0 && !leader_exited) earliest(now + kTick);
      int timeout_ms = -1;
      if (wake_at) {
        auto left = std::chrono::ceil<milliseconds>(*wake_at - Clock::now()).count();
        timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 60'000));
      }
      if (::poll(fds.data(), fds.size(), timeout_ms) < 0) continue;  // EINTR: look again
      drain_wake();
      for (const auto& p : fds) {
        if (p.revents == 0) continue;
        if (p.fd == out.fd) read_channel(out);
        if (p.fd == err.fd) read_channel(err);
        if (p.fd == stdin_fd) write_stdin();
      }
    }
  }

  // After the loop: the last log file content, the exit status, the trailer, completion.
  Completion finish(std::optional<std::string> cannot_start) {
    Completion completion;
    // Like Buildbot: until the process has ended and its output is closed.
    completion.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start_time).count();
    if (cannot_start) {
      completion.outcome = Completion::Outcome::cannot_start;
      completion.failure_reason = "cannot start: " + *cannot_start;
      header(completion.failure_reason + "\n");
    } else if (pid > 0) {
      close_fd(out.fd);
      close_fd(err.fd);
      close_fd(stdin_fd);
      // The rest of the log files, as Buildbot's final poll.
      while (true) {
        poll_logfiles(true);
        if (!logfiles_have_more()) break;
        wait_for_wake(100);
      }
      if (leader_exited) {
        siginfo_t info{};
        while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED) < 0 && errno == EINTR) {
        }
        if (info.si_code == CLD_EXITED) {
          completion.rc = info.si_status;
        } else {
          completion.signal = info.si_status;
          completion.rc = -1;
        }
      } else {
        // SIGKILL did not take (a process stuck in the kernel): reap it whenever it ends.
        std::thread([child = pid] {
          int status = 0;
          while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
          }
        }).detach();
        header("using fake rc=-1\n");
        completion.rc = -1;
      }
      if (kill_stage != KillStage::none) {
        completion.outcome = kill_outcome;
        completion.failure_reason = kill_reason;
        // Killed, yet exited 0: Buildbot fakes a failure.
        if (completion.rc == 0) completion.rc = -1;
      }
      if (completion.signal) {
        header("process killed by signal " + std::to_string(*completion.signal) + "\n");
      }
    }
    header("program finished with exit code " + std::to_string(completion.rc) + "\n");
    std::array<char, 64> elapsed{};
    std::snprintf(elapsed.data(), elapsed.size(), "elapsedTime=%0.6f\n",
                  completion.elapsed_seconds);
    header(elapsed.data());
    flush();
    return completion;
  }
};

CommandRunner::CommandRunner(ShellCommandSpec spec, UpdateSink& sink,
                             std::optional<Environment> slave_env)
    : spec_(std::move(spec)),
      sink_(sink),
      slave_env_(slave_env ? std::move(*slave_env) : current_environment()) {
  if (::pipe2(wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) wake_fds_[0] = wake_fds_[1] = -1;
  wake_fds_[0] = raise_fd(wake_fds_[0]);
  wake_fds_[1] = raise_fd(wake_fds_[1]);
}

CommandRunner::~CommandRunner() {
  bool running = false;
  {
    std::lock_guard lock(mutex_);
    running = started_ && !done_;
  }
  if (running) interrupt("runner destroyed");
  if (io_thread_.joinable()) io_thread_.join();
  if (delivery_thread_.joinable()) delivery_thread_.join();
  close_fd(wake_fds_[0]);
  close_fd(wake_fds_[1]);
}

void CommandRunner::start() {
  {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
  }
  delivery_thread_ = std::thread([this] { delivery_main(); });
  io_thread_ = std::thread([this] { io_main(); });
}

bool CommandRunner::interrupt(std::string why) {
  {
    std::lock_guard lock(mutex_);
    if (ending_ || done_ || interrupt_why_) return false;
    interrupt_why_ = std::move(why);
  }
  wake_io();
  return true;
}

void CommandRunner::wait() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return done_; });
}

bool CommandRunner::wait_for(std::chrono::milliseconds deadline) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, deadline, [this] { return done_; });
}

bool CommandRunner::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

void CommandRunner::io_main() {
  // Writing to a stdin pipe the command has closed must not kill the slave.
  sigset_t pipe_set;
  ::sigemptyset(&pipe_set);
  ::sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);

  Impl impl(*this, spec_);
  std::optional<std::string> cannot_start;
  std::optional<std::string> early_interrupt;
  {
    std::lock_guard lock(mutex_);
    early_interrupt = interrupt_why_;
  }
  bool interrupted_before_start = early_interrupt.has_value();
  if (interrupted_before_start) {
    impl.header(impl.display_command() + "\n");
    impl.header("\ncommand interrupted before it started: " + *early_interrupt + "\n");
    impl.kill_reason = "interrupted: " + *early_interrupt;
  } else {
    cannot_start = impl.spawn();
    if (!cannot_start) impl.run_loop();
  }
  {
    std::lock_guard lock(mutex_);
    ending_ = true;
  }
  Completion completion = impl.finish(cannot_start);
  if (interrupted_before_start) {
    completion.outcome = Completion::Outcome::interrupted;
    completion.failure_reason = impl.kill_reason;
  }
  enqueue(std::move(completion), 0);
}

void CommandRunner::delivery_main() {
  while (true) {
    Item item;
    std::size_t bytes = 0;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return !queue_.empty(); });
      item = std::move(queue_.front());
      bytes = sizes_.front();
      queue_.pop_front();
      sizes_.pop_front();
    }
    if (auto* completion = std::get_if<Completion>(&item)) {
      sink_.complete(std::move(*completion));
      {
        std::lock_guard lock(mutex_);
        done_ = true;
      }
      cv_.notify_all();
      return;
    }
    sink_.deliver(std::move(std::get<Update>(item)));
    buffered_.fetch_sub(bytes);
    wake_io();
  }
}

void CommandRunner::enqueue(Item item, std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(item));
    sizes_.push_back(bytes);
  }
  cv_.notify_all();
}

void CommandRunner::add_buffered(std::size_t bytes) {
  std::size_t now = buffered_.fetch_add(bytes) + bytes;
  std::size_t peak = peak_buffered_.load();
  while (now > peak && !peak_buffered_.compare_exchange_weak(peak, now)) {
  }
}

void CommandRunner::wake_io() {
  if (wake_fds_[1] < 0) return;
  char byte = 1;
  ssize_t ignored = ::write(wake_fds_[1], &byte, 1);
  (void)ignored;
}

}  // namespace eventbot::slave
