#include "actors/changes/git_repository.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <set>
#include <system_error>

#include "actors/changes/git_poller_core.hpp"
#include "common/url_credentials.hpp"
#include "common/utf8.hpp"

extern char** environ;

namespace eventbot::changes {
namespace fs = std::filesystem;

namespace {

// Variables that point git at one particular repository (`git rev-parse
// --local-env-vars`): inherited from a hook or a shell, they would redirect every command.
const std::set<std::string, std::less<>> kLocalGitVariables = {
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
};

std::vector<std::string> git_environment() {
  std::vector<std::string> env;
  bool has_ssh = false;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view var(*entry);
    auto name = var.substr(0, var.find('='));
    if (kLocalGitVariables.count(name) || name == "LC_ALL" || name == "GIT_TERMINAL_PROMPT") {
      continue;
    }
    if (name == "GIT_SSH" || name == "GIT_SSH_COMMAND") has_ssh = true;
    env.emplace_back(var);
  }
  env.emplace_back("GIT_TERMINAL_PROMPT=0");
  env.emplace_back("LC_ALL=C");
  // ssh must not ask for a password or a host key confirmation on the master's terminal.
  if (!has_ssh) env.emplace_back("GIT_SSH_COMMAND=ssh -o BatchMode=yes");
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string describe(const std::vector<std::string>& args) {
  std::string out = "git";
  for (const auto& arg : args) out += " " + redact_url_credentials(arg);
  return out;
}

std::string trim_right(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// A revision as git prints it; anything else is refused before it reaches an argv.
bool is_hex_revision(std::string_view revision) {
  if (revision.size() < 4 || revision.size() > 64) return false;
  for (char c : revision) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto end = text.find(separator);
    if (end == std::string_view::npos) end = text.size();
    if (end > 0) out.emplace_back(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

// git's complaint on one line: its non-empty stderr lines joined by "; ".
std::string reason_of(const GitOutput& output) {
  std::string reason;
  for (const auto& line : split(output.err, '\n')) {
    auto trimmed = trim_right(line);
    if (trimmed.empty()) continue;
    if (!reason.empty()) reason += "; ";
    reason += trimmed;
  }
  return reason.empty() ? "exit code " + std::to_string(output.exit_code) : reason;
}

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return fds_[0] >= 0; }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close(fds_[0]); }
  void close_write() { close(fds_[1]); }

 private:
  static void close(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int fds_[2];
};

class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
};

}  // namespace

Expected<GitOutput, std::string> run_git(const std::vector<std::string>& args,
                                         std::chrono::seconds timeout) {
  const auto command = describe(args);
  Pipe out, err;
  if (!out.ok() || !err.ok()) {
    return unexpected(command + ": cannot make a pipe: " + std::strerror(errno));
  }
  std::vector<std::string> argv_strings{"git"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto argv = pointers(argv_strings);
  auto env_strings = git_environment();
  auto envp = pointers(env_strings);

  // The child: stdin from /dev/null, stdout and stderr into the pipes, no signal blocked
  // (the master blocks SIGTERM and friends in every thread), default SIGPIPE, and a
  // process group of its own so that a time-out kills git's helpers (ssh, remote-https).
  SpawnSetup setup;
  ::posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&setup.actions, out.write_end(), 1);
  ::posix_spawn_file_actions_adddup2(&setup.actions, err.write_end(), 2);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int signal : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&defaults, signal);
  ::posix_spawnattr_setsigmask(&setup.attr, &none);
  ::posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  ::posix_spawnattr_setpgroup(&setup.attr, 0);
  ::posix_spawnattr_setflags(
      &setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  if (int rc = ::posix_spawnp(&pid, "git", &setup.actions, &setup.attr, argv.data(), envp.data());
      rc != 0) {
    return unexpected(command + ": cannot run git: " + std::strerror(rc));
  }
  out.close_write();
  err.close_write();

  GitOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  std::array<pollfd, 2> fds{{{out.read_end(), POLLIN, 0}, {err.read_end(), POLLIN, 0}}};
  int open = 2;
  std::array<char, 65536> buffer;
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    int ready = ::poll(fds.data(), fds.size(),
                       static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      ::kill(-pid, SIGKILL);
      result.err += std::string("poll failed: ") + std::strerror(errno);
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? result.out : result.err).append(buffer.data(), static_cast<std::size_t>(n));
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return unexpected(command + ": no answer after " + std::to_string(timeout.count()) +
                      " s; stopped");
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

GitRepository::GitRepository(std::string url, fs::path workdir)
    : url_(std::move(url)), workdir_(std::move(workdir)) {}

Expected<GitOutput, std::string> GitRepository::git(std::vector<std::string> args,
                                                    std::chrono::seconds timeout) {
  const auto command = describe(args);
  // Settings of the user's ~/.gitconfig that would change what the parsers read.
  std::vector<std::string> full{"--git-dir=" + workdir_.string(), "-c", "color.ui=false", "-c",
                                "log.showSignature=false"};
  full.insert(full.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  auto ran = run_git(full, timeout);
  if (!ran) return ran;
  if (ran->exit_code != 0) {
    // git may quote the URL it fetched from, credentials and all.
    return unexpected(command + " (in " + workdir_.string() +
                      ") failed: " + redact_url_credentials(reason_of(*ran)));
  }
  return ran;
}

Expected<Ok, std::string> GitRepository::ensure_mirror() {
  std::error_code ec;
  if (!fs::exists(workdir_, ec) || fs::is_empty(workdir_, ec)) {
    fs::create_directories(workdir_, ec);
    if (ec) return unexpected("cannot create " + workdir_.string() + ": " + ec.message());
    auto init = run_git({"init", "--bare", "--quiet", workdir_.string()}, command_timeout);
    if (!init) return unexpected(init.error());
    if (init->exit_code != 0) {
      return unexpected("git init --bare " + workdir_.string() + " failed: " + reason_of(*init));
    }
    return Ok{};
  }
  auto bare = run_git({"--git-dir=" + workdir_.string(), "rev-parse", "--is-bare-repository"},
                      command_timeout);
  if (!bare) return unexpected(bare.error());
  if (bare->exit_code != 0 || trim_right(bare->out) != "true") {
    return unexpected("the workdir " + workdir_.string() +
                      " is not empty and is not a bare git repository; remove it or name another "
                      "workdir");
  }
  return Ok{};
}

Expected<Ok, std::string> GitRepository::fetch() {
  if (url_.empty()) return unexpected(std::string("no repository to poll"));
  if (url_.front() == '-')
    return unexpected("refusing repository '" + redact_url_credentials(url_) +
                      "': starts with '-'");
  if (auto mirror = ensure_mirror(); !mirror) return mirror;
  auto fetched =
      git({"fetch", "--prune", "--no-tags", "--quiet", url_, "+refs/heads/*:refs/heads/*"},
          fetch_timeout);
  if (!fetched) return unexpected(fetched.error());
  return Ok{};
}

Expected<std::map<std::string, std::string>, std::string> GitRepository::branch_heads() {
  auto listed =
      git({"for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/"}, command_timeout);
  if (!listed) return unexpected(listed.error());
  std::map<std::string, std::string> heads;
  constexpr std::string_view kPrefix = "refs/heads/";
  for (const auto& line : split(listed->out, '\n')) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string_view ref(line);
    ref.remove_prefix(space + 1);
    if (!ref.starts_with(kPrefix)) continue;
    ref.remove_prefix(kPrefix.size());
    heads.emplace(to_valid_utf8(ref), line.substr(0, space));
  }
  return heads;
}

Expected<bool, std::string> GitRepository::has_commit(std::string_view revision) {
  if (!is_hex_revision(revision)) return false;
  auto ran = run_git(
      {"--git-dir=" + workdir_.string(), "cat-file", "-e", std::string(revision) + "^{commit}"},
      command_timeout);
  if (!ran) return unexpected(ran.error());
  return ran->exit_code == 0;
}

Expected<bool, std::string> GitRepository::related(std::string_view a, std::string_view b) {
  if (!is_hex_revision(a) || !is_hex_revision(b)) return false;
  auto ran =
      run_git({"--git-dir=" + workdir_.string(), "merge-base", std::string(a), std::string(b)},
              command_timeout);
  if (!ran) return unexpected(ran.error());
  if (ran->exit_code == 0) return true;
  if (ran->exit_code == 1) return false;  // no common ancestor
  return unexpected("git merge-base " + std::string(a) + " " + std::string(b) + " (in " +
                    workdir_.string() + ") failed: " + reason_of(*ran));
}

Expected<std::vector<std::string>, std::string> GitRepository::commits_between(
    std::string_view since, std::string_view head) {
  if (!is_hex_revision(since) || !is_hex_revision(head)) {
    return unexpected("not a revision: '" + std::string(is_hex_revision(since) ? head : since) +
                      "'");
  }
  auto listed = git(
      {"rev-list", "--reverse", "--topo-order", std::string(head), "^" + std::string(since), "--"},
      command_timeout);
  if (!listed) return unexpected(listed.error());
  return split(listed->out, '\n');
}

Expected<GitCommit, std::string> GitRepository::read_commit(std::string_view revision) {
  if (!is_hex_revision(revision)) {
    return unexpected("not a revision: '" + std::string(revision) + "'");
  }
  auto shown = git({"log", "-1", "--no-walk", "--encoding=UTF-8",
                    "--format=%H%x00%aN <%aE>%x00%ct%x00%P%x00%B", std::string(revision), "--"},
                   command_timeout);
  if (!shown) return unexpected(shown.error());
  std::string_view text(shown->out);
  std::array<std::string_view, 4> fields;
  for (auto& field : fields) {
    auto end = text.find('\0');
    if (end == std::string_view::npos) {
      return unexpected("git log " + std::string(revision) + ": unexpected output");
    }
    field = text.substr(0, end);
    text.remove_prefix(end + 1);
  }
  GitCommit commit;
  commit.revision = std::string(fields[0]);
  commit.author = to_valid_utf8(fields[1]);
  try {
    commit.when_us = std::stoll(std::string(fields[2])) * 1'000'000;
  } catch (const std::exception&) {
    return unexpected("git log " + std::string(revision) + ": no commit time");
  }
  commit.parents = split(fields[3], ' ');
  commit.comments = to_valid_utf8(trim_right(std::string(text)));

  // Files against the first parent; a root commit against the empty tree.
  std::vector<std::string> diff{"diff-tree", "-r", "-z", "--name-only", "--no-renames"};
  if (commit.parents.empty()) {
    diff.insert(diff.end(), {"--root", "--no-commit-id", commit.revision});
  } else {
    diff.insert(diff.end(), {commit.parents.front(), commit.revision});
  }
  diff.emplace_back("--");
  auto files = git(std::move(diff), command_timeout);
  if (!files) return unexpected(files.error());
  for (auto& file : split(files->out, '\0')) commit.files.push_back(to_valid_utf8(file));
  return commit;
}

}  // namespace eventbot::changes
