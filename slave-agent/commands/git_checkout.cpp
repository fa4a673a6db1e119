// The `git` command: Buildbot's (master-side, 0.8.5) Git source step, run on the slave.
// Every git invocation is a CommandRunner process (its command line and output in the
// log, its own process group, the step's timeout, interruptible). The sequence of git
// commands for each mode/method is Buildbot's buildbot/steps/source/git.py:
//   incremental     clone if missing; else `cat-file -e REV` and `reset --hard REV`, or
//                   `fetch -t URL BRANCH` + `reset --hard REV|FETCH_HEAD`
//   full/clobber    rm -rf + clone (+ reset --hard REV)
//   full/fresh      `clean -f -f -d -x` + fetch/reset (clobber + clone if clean fails)
//   full/clean      `clean -f -f -d` + fetch/reset
//   full/copy       rm -rf workdir; incremental in `source` beside it; cp -R source workdir
// then `rev-parse HEAD` -> values["got_revision"].
#include <algorithm>
#include <cctype>

#include "slave-agent/commands/command_support.hpp"

namespace eventbot::slave::commands {
namespace {

namespace fs = std::filesystem;

// A git command failed and the step fails with this result.
struct StepFailed {
  wire::CommandResult result;
};

class GitCheckout {
 public:
  GitCheckout(wire::GitCheckoutArgs args, fs::path workdir, fs::path srcdir)
      : args_(std::move(args)),
        workdir_(std::move(workdir)),
        srcdir_(std::move(srcdir)),
        branch_(args_.branch().empty() ? "HEAD" : args_.branch()),
        env_(env_from_wire(args_.env())) {}

  wire::CommandResult run(Job& job) {
    job_ = &job;
    try {
      const std::string& mode = args_.mode();
      if (mode == "full" && method() == "copy") {
        check(remove_trees(job, {workdir_}));
        incremental(srcdir_);
        check(copy_tree(job, srcdir_, workdir_, seconds_or_none(args_.timeout_s()), std::nullopt));
      } else if (mode == "full") {
        full(workdir_);
      } else {
        incremental(workdir_);
      }
      ForwardingSink sink(job.output());
      sink.collect_stdout = true;
      git(workdir_, {"rev-parse", "HEAD"}, true, &sink);
      std::string revision = sink.collected_stdout();
      while (!revision.empty() && std::isspace(static_cast<unsigned char>(revision.back()))) {
        revision.pop_back();
      }
      bool hex = std::all_of(revision.begin(), revision.end(),
                             [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
      if (!hex || (revision.size() != 40 && revision.size() != 64)) {
        return failed_result(1, "git rev-parse HEAD gave no revision: '" + revision + "'");
      }
      wire::CommandResult result = finished_result();
      (*result.mutable_values())["got_revision"] = revision;
      return result;
    } catch (const StepFailed& failed) {
      return failed.result;
    }
  }

 private:
  std::string method() const { return args_.method().empty() ? "fresh" : args_.method(); }

  void check(const wire::CommandResult& result) {
    if (result.outcome() != wire::FINISHED || result.rc() != 0) throw StepFailed{result};
  }

  // `git ARGS` in dir. A git that was killed (timeout, interrupt) or could not start always
  // fails the step; a non-zero exit fails it if `abandon_on_failure`.
  Completion git(const fs::path& dir, std::vector<std::string> args, bool abandon_on_failure,
                 ForwardingSink* sink = nullptr) {
    args.insert(args.begin(), "git");
    std::string what = quote_argv(args);
    ShellCommandSpec spec = helper_spec(std::move(args), dir);
    spec.env = env_;
    spec.timeout = seconds_or_none(args_.timeout_s());
    Completion done =
        sink != nullptr ? job_->run(std::move(spec), *sink) : job_->run(std::move(spec));
    if (done.outcome != Completion::Outcome::finished || (abandon_on_failure && done.rc != 0)) {
      throw StepFailed{process_result(done, what)};
    }
    return done;
  }

  void pause_before_retry(const std::string& what, unsigned left) {
    job_->header(what + " failed; trying again in 2 seconds (" + std::to_string(left) +
                 " more attempt" + (left == 1 ? "" : "s") + ")");
    if (!job_->sleep_for(std::chrono::seconds(2))) throw StepFailed{interrupted_result(*job_)};
  }

  enum class Action { clone, update, clobber };
  // Buildbot's _sourcedirIsUpdatable: missing or empty -> clone; has .git -> update;
  // anything else -> clobber.
  Action updatable(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec) || (fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
      return Action::clone;
    }
    if (fs::exists(dir / ".git", ec)) return Action::update;
    return Action::clobber;
  }

  void clone(const fs::path& dir) {
    std::vector<std::string> args = {"clone"};
    bool switch_to_branch = false;
    if (branch_ != "HEAD") {
      if (branch_.rfind("refs/", 0) == 0) {
        // git clone cannot check out a ref; fetch it afterwards.
        switch_to_branch = true;
        args.push_back("--no-checkout");
      } else {
        args.insert(args.end(), {"--branch", branch_});
      }
    }
    // The manual: shallow is ignored when a revision is asked for.
    if (args_.shallow() && args_.revision().empty()) args.insert(args.end(), {"--depth", "1"});
    args.insert(args.end(), {args_.repourl(), "."});
    for (unsigned attempt = 0;; ++attempt) {
      Completion done = git(dir, args, false);
      if (done.rc == 0) break;
      unsigned left = args_.retry_count() - attempt;
      if (attempt >= args_.retry_count()) {
        throw StepFailed{process_result(done, quote_argv({"git", "clone"}))};
      }
      pause_before_retry("git clone", left);
      check(remove_trees(*job_, {dir}));
    }
    if (switch_to_branch) fetch(dir);
  }

  void full_clone(const fs::path& dir) {
    clone(dir);
    if (!args_.revision().empty()) git(dir, {"reset", "--hard", args_.revision(), "--"}, true);
    if (args_.submodules()) git(dir, {"submodule", "update", "--init", "--recursive"}, true);
  }

  void clobber(const fs::path& dir) {
    check(remove_trees(*job_, {dir}));
    full_clone(dir);
  }

  void fetch(const fs::path& dir) {
    for (unsigned attempt = 0;; ++attempt) {
      Completion done = git(dir, {"fetch", "-t", args_.repourl(), branch_}, false);
      if (done.rc == 0) break;
      if (attempt >= args_.retry_count()) {
        throw StepFailed{process_result(done, quote_argv({"git", "fetch"}))};
      }
      pause_before_retry("git fetch", args_.retry_count() - attempt);
    }
    std::string revision = args_.revision().empty() ? "FETCH_HEAD" : args_.revision();
    git(dir, {"reset", "--hard", revision, "--"}, true);
    rename_branch(dir);
  }

  void rename_branch(const fs::path& dir) {
    if (branch_ != "HEAD" && branch_.rfind("refs/", 0) != 0) {
      git(dir, {"branch", "-M", branch_}, false);
    }
  }

  void update_submodules(const fs::path& dir, bool clean, bool clean_ignored) {
    if (!args_.submodules()) return;
    git(dir, {"submodule", "sync"}, true);
    git(dir, {"submodule", "update", "--init", "--recursive", "--force"}, true);
    if (clean) {
      std::vector<std::string> args = {"submodule", "foreach", "git", "clean", "-f", "-f", "-d"};
      if (clean_ignored) args.push_back("-x");
      git(dir, args, true);
    }
  }

  void incremental(const fs::path& dir) {
    switch (updatable(dir)) {
      case Action::clobber:
        clobber(dir);
        return;
      case Action::clone:
        full_clone(dir);
        return;
      case Action::update:
        break;
    }
    bool have_revision = false;
    if (!args_.revision().empty()) {
      have_revision = git(dir, {"cat-file", "-e", args_.revision()}, false).rc == 0;
    }
    if (have_revision) {
      git(dir, {"reset", "--hard", args_.revision(), "--"}, true);
      rename_branch(dir);
    } else {
      fetch(dir);
    }
    update_submodules(dir, false, false);
  }

  void full(const fs::path& dir) {
    if (method() == "clobber") {
      clobber(dir);
      return;
    }
    switch (updatable(dir)) {
      case Action::clobber:
        clobber(dir);
        return;
      case Action::clone:
        full_clone(dir);
        return;
      case Action::update:
        break;
    }
    if (method() == "fresh") {
      if (git(dir, {"clean", "-f", "-f", "-d", "-x"}, false).rc == 0) {
        fetch(dir);
      } else {
        clobber(dir);
      }
      update_submodules(dir, true, true);
    } else {  // clean
      git(dir, {"clean", "-f", "-f", "-d"}, true);
      fetch(dir);
      update_submodules(dir, true, false);
    }
  }

  wire::GitCheckoutArgs args_;
  fs::path workdir_;
  fs::path srcdir_;
  std::string branch_;
  std::map<std::string, EnvValue> env_;
  Job* job_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_git_checkout(const wire::GitCheckoutArgs& args,
                                           const CommandContext& context, CommandOutput& output,
                                           std::string& error) {
  if (args.repourl().empty()) {
    error = "git: no repourl given";
    return nullptr;
  }
  if (!args.mode().empty() && args.mode() != "full" && args.mode() != "incremental") {
    error = "git: mode must be 'full' or 'incremental', not '" + args.mode() + "'";
    return nullptr;
  }
  if (args.mode() == "full" && !args.method().empty() && args.method() != "clobber" &&
      args.method() != "fresh" && args.method() != "clean" && args.method() != "copy") {
    error =
        "git: method must be 'clobber', 'fresh', 'clean' or 'copy', not '" + args.method() + "'";
    return nullptr;
  }
  // Buildbot's Source steps default to workdir 'build'.
  fs::path workdir = workdir_path(context, args.workdir().empty() ? "build" : args.workdir());
  fs::path srcdir = workdir.parent_path() / "source";
  if (args.mode() == "full" && args.method() == "copy" && srcdir == workdir) {
    error = "git: method 'copy' needs a workdir other than 'source'";
    return nullptr;
  }
  GitCheckout checkout(args, workdir, srcdir);
  return std::make_unique<ThreadedCommand>(
      context, output, [checkout](Job& job) mutable { return checkout.run(job); });
}

}  // namespace eventbot::slave::commands
