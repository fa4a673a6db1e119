// The file and directory commands: mkdir, rmdir, cpdir, stat, glob, listdir, rmfile
// (Buildbot's buildslave/commands/fs.py). rmdir and cpdir run `rm`/`chmod`/`cp` as
// processes, as Buildbot's slave does, so they get process groups, timeouts, interrupts
// and their output in the log; the others are system calls on the command's thread.
#include <glob.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "slave-agent/commands/command_support.hpp"

namespace eventbot::slave::commands {
namespace {

namespace fs = std::filesystem;

// The resolved paths of a PathArgs; empty with `error` set if there are none or one is "".
std::vector<fs::path> resolve_paths(const std::string& name, const wire::PathArgs& args,
                                    const CommandContext& context, std::string& error) {
  std::vector<fs::path> paths;
  if (args.paths_size() == 0) {
    error = name + ": no paths given";
    return {};
  }
  fs::path base = workdir_path(context, args.workdir());
  for (const auto& path : args.paths()) {
    if (path.empty()) {
      error = name + ": an empty path";
      return {};
    }
    paths.push_back(resolve(base, path));
  }
  return paths;
}

wire::CommandResult do_mkdir(Job& job, const std::vector<fs::path>& paths) {
  std::string reason;
  for (const auto& path : paths) {
    if (job.interrupted()) return interrupted_result(job);
    std::error_code ec;
    if (fs::is_directory(path, ec)) continue;
    fs::create_directories(path, ec);
    if (ec) {
      std::string line = "mkdir: cannot create " + path.string() + ": " + ec.message();
      job.header(line);
      if (reason.empty()) reason = line;
    }
  }
  return reason.empty() ? finished_result() : failed_result(1, reason);
}

}  // namespace

// Buildbot's RemoveDirectory: `rm -rf`; if that fails (a read-only subdirectory),
// `chmod -Rf u+rwx` and `rm -rf` once more.
wire::CommandResult remove_trees(Job& job, const std::vector<fs::path>& paths) {
  wire::CommandResult failure;
  bool failed = false;
  for (const auto& path : paths) {
    std::string p = path.string();
    Completion done = job.run(helper_spec({"rm", "-rf", p}, job.context().builder_dir));
    if (!succeeded(done) && done.outcome == Completion::Outcome::finished) {
      job.header("rm -rf failed; making " + p + " writable and trying again");
      Completion chmod =
          job.run(helper_spec({"chmod", "-Rf", "u+rwx", p}, job.context().builder_dir));
      if (chmod.outcome == Completion::Outcome::finished) {
        done = job.run(helper_spec({"rm", "-rf", p}, job.context().builder_dir));
      } else {
        done = chmod;
      }
    }
    if (done.outcome != Completion::Outcome::finished) return result_from(done);
    if (!succeeded(done) && !failed) {
      failed = true;
      failure = process_result(done, "rm -rf " + p);
    }
  }
  return failed ? failure : finished_result();
}

// `cp -R -P -p -v FROM/. TO`: TO becomes a copy of FROM's contents (created if missing,
// merged into if present), symlinks copied as links, modes and times kept.
wire::CommandResult copy_tree(Job& job, const fs::path& from, const fs::path& to,
                              std::optional<std::chrono::milliseconds> timeout,
                              std::optional<std::chrono::milliseconds> max_time) {
  std::error_code ec;
  if (!fs::is_directory(from, ec)) {
    std::string line = "cpdir: " + from.string() + " is not a directory";
    job.header(line);
    return failed_result(1, line);
  }
  if (to.has_parent_path()) fs::create_directories(to.parent_path(), ec);
  ShellCommandSpec spec =
      helper_spec({"cp", "-R", "-P", "-p", "-v", (from / ".").string(), to.string()},
                  job.context().builder_dir);
  spec.timeout = timeout;
  spec.max_time = max_time;
  return process_result(job.run(std::move(spec)), "cp");
}

namespace {

// Buildbot's StatFile: os.stat (following symlinks); a path that cannot be stat'ed -> rc 1.
wire::CommandResult do_stat(Job& job, const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    std::string line = "stat: " + path.string() + ": " + errno_text(errno);
    job.header(line);
    return failed_result(1, line);
  }
  struct stat lst {};
  bool is_link = ::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode);
  wire::CommandResult result = finished_result();
  auto& values = *result.mutable_values();
  char perm[16];
  std::snprintf(perm, sizeof perm, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  values["mode"] = std::to_string(st.st_mode);
  values["perm"] = perm;
  values["ino"] = std::to_string(st.st_ino);
  values["dev"] = std::to_string(st.st_dev);
  values["nlink"] = std::to_string(st.st_nlink);
  values["uid"] = std::to_string(st.st_uid);
  values["gid"] = std::to_string(st.st_gid);
  values["size"] = std::to_string(st.st_size);
  values["atime"] = seconds_text(st.st_atim);
  values["mtime"] = seconds_text(st.st_mtim);
  values["ctime"] = seconds_text(st.st_ctim);
  values["isfile"] = S_ISREG(st.st_mode) ? "true" : "false";
  values["isdir"] = S_ISDIR(st.st_mode) ? "true" : "false";
  values["islink"] = is_link ? "true" : "false";
  return result;
}

// Buildbot's GlobPath: glob(workdir/pattern); the matches as absolute paths, sorted. No
// match is rc 0 with no files.
wire::CommandResult do_glob(Job& job, const fs::path& pattern) {
  glob_t matches{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
  wire::CommandResult result = finished_result();
  if (rc == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) result.add_files(matches.gl_pathv[i]);
  } else if (rc != GLOB_NOMATCH) {
    std::string line = "glob: " + pattern.string() + ": " +
                       (rc == GLOB_NOSPACE ? std::string("out of memory") : "read error");
    job.header(line);
    result = failed_result(1, line);
  }
  ::globfree(&matches);
  return result;
}

// Buildbot's ListDir: the names in a directory (sorted here); a missing one -> rc 1.
wire::CommandResult do_listdir(Job& job, const fs::path& path) {
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) {
    std::string line = "listdir: " + path.string() + ": " + ec.message();
    job.header(line);
    return failed_result(1, line);
  }
  std::sort(names.begin(), names.end());
  wire::CommandResult result = finished_result();
  for (auto& name : names) result.add_files(std::move(name));
  return result;
}

// Buildbot's RemoveFile: os.remove; a missing file or a directory -> rc 1.
wire::CommandResult do_rmfile(Job& job, const std::vector<fs::path>& paths) {
  std::string reason;
  for (const auto& path : paths) {
    if (job.interrupted()) return interrupted_result(job);
    struct stat st {};
    int error = 0;
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      error = EISDIR;
    } else if (::unlink(path.c_str()) != 0) {
      error = errno;
    }
    if (error != 0) {
      std::string line = "rmfile: cannot remove " + path.string() + ": " + errno_text(error);
      job.header(line);
      if (reason.empty()) reason = line;
    }
  }
  return reason.empty() ? finished_result() : failed_result(1, reason);
}

}  // namespace

std::unique_ptr<Command> make_file_command(const wire::StartCommand& start,
                                           const CommandContext& context, CommandOutput& output,
                                           std::string& error) {
  using Body = ThreadedCommand::Body;
  Body body;
  switch (start.args_case()) {
    case wire::StartCommand::kMkdir: {
      auto paths = resolve_paths("mkdir", start.mkdir(), context, error);
      if (paths.empty()) return nullptr;
      body = [paths](Job& job) { return do_mkdir(job, paths); };
      break;
    }
    case wire::StartCommand::kRmdir: {
      auto paths = resolve_paths("rmdir", start.rmdir(), context, error);
      if (paths.empty()) return nullptr;
      body = [paths](Job& job) { return remove_trees(job, paths); };
      break;
    }
    case wire::StartCommand::kRmfile: {
      auto paths = resolve_paths("rmfile", start.rmfile(), context, error);
      if (paths.empty()) return nullptr;
      body = [paths](Job& job) { return do_rmfile(job, paths); };
      break;
    }
    case wire::StartCommand::kStat:
    case wire::StartCommand::kListdir: {
      bool is_stat = start.args_case() == wire::StartCommand::kStat;
      const auto& args = is_stat ? start.stat() : start.listdir();
      std::string name = is_stat ? "stat" : "listdir";
      auto paths = resolve_paths(name, args, context, error);
      if (paths.empty()) return nullptr;
      if (paths.size() != 1) {
        error = name + ": exactly one path expected";
        return nullptr;
      }
      fs::path path = paths.front();
      if (is_stat) {
        body = [path](Job& job) { return do_stat(job, path); };
      } else {
        body = [path](Job& job) { return do_listdir(job, path); };
      }
      break;
    }
    case wire::StartCommand::kGlob: {
      if (start.glob().pattern().empty()) {
        error = "glob: no pattern given";
        return nullptr;
      }
      fs::path pattern =
          resolve(workdir_path(context, start.glob().workdir()), start.glob().pattern());
      body = [pattern](Job& job) { return do_glob(job, pattern); };
      break;
    }
    case wire::StartCommand::kCpdir: {
      const auto& args = start.cpdir();
      if (args.from_path().empty() || args.to_path().empty()) {
        error = "cpdir: from_path and to_path are required";
        return nullptr;
      }
      fs::path base = workdir_path(context, args.workdir());
      fs::path from = resolve(base, args.from_path());
      fs::path to = resolve(base, args.to_path());
      auto timeout = seconds_or_none(args.timeout_s());
      auto max_time = seconds_or_none(args.max_time_s());
      body = [from, to, timeout, max_time](Job& job) {
        return copy_tree(job, from, to, timeout, max_time);
      };
      break;
    }
    default:
      error = "not a file command";
      return nullptr;
  }
  return std::make_unique<ThreadedCommand>(context, output, std::move(body));
}

}  // namespace eventbot::slave::commands
