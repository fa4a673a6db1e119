#include "actors/builds/steps/shell.hpp"

#include <set>
#include <sstream>

namespace eventbot::builds {
namespace {

const std::set<std::string> kSignals = {"KILL", "TERM", "INT", "HUP", "QUIT", "USR1", "USR2"};

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

void read_logfiles(StepParams& params, wire::ShellArgs& args) {
  const auto* value = params.json("logfiles");
  if (!value || value->is_null()) return;
  if (!value->is_object()) {
    params.error("logfiles", "must be a map of log names to files");
    return;
  }
  for (const auto& [name, element] : value->items()) {
    std::string file;
    bool follow = false;
    if (element.is_string()) {
      file = element.get<std::string>();
    } else if (element.is_object() && element.contains("filename") &&
               element["filename"].is_string()) {
      file = element["filename"].get<std::string>();
      if (element.contains("follow")) {
        if (!element["follow"].is_boolean()) {
          params.error("logfiles." + name, "follow must be true or false");
        } else {
          follow = element["follow"].get<bool>();
        }
      }
      for (const auto& [option, ignored] : element.items()) {
        if (option != "filename" && option != "follow") {
          params.error("logfiles." + name,
                       "\"" + option + "\" is not an option (filename, follow)");
        }
      }
    } else {
      params.error("logfiles." + name, "must be a file name or {filename, follow}");
      continue;
    }
    if (name == "stdio") params.error("logfiles", "\"stdio\" is the command's own log's name");
    (*args.mutable_logfiles())[name] = params.render("logfiles", file);
    if (follow) args.add_follow_logfiles(name);
  }
}

// The builder's env, then the step's over it.
std::vector<wire::EnvEntry> merged_env(const StepContext& context,
                                       std::vector<wire::EnvEntry> step_env) {
  std::vector<wire::EnvEntry> out;
  for (const auto& [name, value] : context.builder_env) {
    bool overridden = false;
    for (const auto& entry : step_env) overridden = overridden || entry.name() == name;
    if (overridden) continue;
    wire::EnvEntry entry;
    entry.set_name(name);
    entry.add_values(value);
    out.push_back(std::move(entry));
  }
  for (auto& entry : step_env) out.push_back(std::move(entry));
  return out;
}

}  // namespace

std::vector<std::string> describe_command(const CommandLine& command) {
  std::vector<std::string> words = command.argv.empty() ? split_words(command.shell) : command.argv;
  if (words.empty()) return {"running"};
  if (words.size() == 1) return {"'" + words[0] + "'"};
  if (words.size() == 2) return {"'" + words[0], words[1] + "'"};
  return {"'" + words[0], words[1], "...'"};
}

DecodeRc read_decode_rc(StepParams& params) {
  const auto* value = params.json("decode_rc");
  if (!value || value->is_null()) return default_decode_rc();
  if (!value->is_object()) {
    params.error("decode_rc", "must be a map of exit codes to results ({\"0\": \"SUCCESS\"})");
    return default_decode_rc();
  }
  DecodeRc out;
  for (const auto& [code, result] : value->items()) {
    int rc = 0;
    try {
      std::size_t used = 0;
      rc = std::stoi(code, &used);
      if (used != code.size()) throw std::invalid_argument(code);
    } catch (const std::exception&) {
      params.error("decode_rc", "\"" + code + "\" is not an exit code");
      continue;
    }
    auto parsed = result.is_string() ? parse_result(result.get<std::string>()) : std::nullopt;
    if (!parsed) {
      params.error("decode_rc",
                   "the result for " + code +
                       " must be SUCCESS, WARNINGS, FAILURE, SKIPPED, EXCEPTION, RETRY or "
                       "CANCELLED");
      continue;
    }
    out[rc] = *parsed;
  }
  return out;
}

void read_shell(StepParams& params, const StepContext& context,
                const std::vector<std::string>& default_command, PreparedStep& step) {
  wire::StartCommand command;
  command.set_builder(context.builder);
  wire::ShellArgs& args = *command.mutable_shell();
  CommandLine line;
  if (auto given = params.command("command")) {
    line = *given;
  } else if (!default_command.empty()) {
    line.argv = default_command;
  } else if (!params.has("command")) {
    params.require("command");
  }
  for (const auto& arg : line.argv) args.add_argv(arg);
  args.set_shell(line.shell);
  args.set_workdir(params.string("workdir").value_or("build"));
  if (args.workdir().empty()) params.error("workdir", "is empty");
  for (auto& entry : merged_env(context, params.env("env").value_or(std::vector<wire::EnvEntry>{})))
    *args.add_env() = std::move(entry);
  args.set_want_stdout(params.boolean("want_stdout").value_or(true));
  args.set_want_stderr(params.boolean("want_stderr").value_or(true));
  read_logfiles(params, args);
  step.plan.lazy_logfiles = params.boolean("lazy_logfiles").value_or(false);
  args.set_use_pty(params.boolean("use_pty").value_or(false));
  const auto* timeout = params.json("timeout");
  if (timeout && timeout->is_null()) {
    args.set_timeout_s(0);
  } else {
    args.set_timeout_s(static_cast<std::uint32_t>(
        params.integer("timeout", 1, UINT32_MAX).value_or(kDefaultTimeout)));
  }
  const auto* max_time = params.json("max_time");
  if (max_time && !max_time->is_null()) {
    args.set_max_time_s(
        static_cast<std::uint32_t>(params.integer("max_time", 1, UINT32_MAX).value_or(0)));
  }
  std::string signal = params.raw_string("interrupt_signal").value_or("KILL");
  if (signal.rfind("SIG", 0) == 0) signal = signal.substr(3);
  const bool numeric =
      !signal.empty() && signal.find_first_not_of("0123456789") == std::string::npos;
  if (!numeric && !kSignals.count(signal)) {
    params.error("interrupt_signal", "\"" + signal +
                                         "\" is not a signal (KILL, TERM, INT, HUP, QUIT, USR1, "
                                         "USR2 or a number)");
  }
  args.set_interrupt_signal(signal);
  const auto* sigterm = params.json("sigterm_time");
  if (sigterm && !sigterm->is_null()) {
    args.set_sigterm_time_s(
        static_cast<std::uint32_t>(params.integer("sigterm_time", 1, UINT32_MAX).value_or(0)));
  }
  args.set_log_environ(params.boolean("log_environ").value_or(true));
  step.interpreter->decode_rc = read_decode_rc(params);
  step.plan.kind = StepPlan::Kind::remote;
  step.plan.remote = std::move(command);
  if (step.common.description.empty()) step.common.description = describe_command(line);
  if (step.common.description_done.empty()) step.common.description_done = describe_command(line);
}

void prepare_shell(StepParams& params, const StepContext& context, PreparedStep& step) {
  read_shell(params, context, {}, step);
}

void prepare_configure(StepParams& params, const StepContext& context, PreparedStep& step) {
  if (step.common.description.empty()) step.common.description = {"configuring"};
  if (step.common.description_done.empty()) step.common.description_done = {"configure"};
  read_shell(params, context, {"./configure"}, step);
}

}  // namespace eventbot::builds
