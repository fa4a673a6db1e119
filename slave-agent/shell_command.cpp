#include "slave-agent/shell_command.hpp"

#include <signal.h>

#include <array>
#include <cctype>
#include <charconv>
#include <utility>

extern char** environ;

namespace eventbot::slave {
namespace {

std::string join_path_list(const std::vector<std::string>& list) {
  std::string joined;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) joined += ':';
    joined += list[i];
  }
  return joined;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Buildbot's substitution: `${NAME}` with NAME of [0-9a-zA-Z_]*, from the slave's
// environment, "" if undefined. Anything else (`$NAME`, `${A-b}`) stays as written.
std::string expand(const std::string& value, const Environment& slave_env) {
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    if (value[i] == '$' && i + 1 < value.size() && value[i + 1] == '{') {
      std::size_t end = i + 2;
      while (end < value.size() && is_name_char(value[end])) ++end;
      if (end < value.size() && value[end] == '}') {
        auto found = slave_env.find(value.substr(i + 2, end - i - 2));
        if (found != slave_env.end()) out += found->second;
        i = end + 1;
        continue;
      }
    }
    out += value[i++];
  }
  return out;
}

}  // namespace

Environment build_environment(const Environment& slave_env,
                              const std::map<std::string, EnvValue>& env) {
  Environment result = slave_env;
  for (const auto& [name, entry] : env) {
    if (entry.is_unset()) {
      result.erase(name);
      continue;
    }
    std::string raw;
    if (const auto* text = std::get_if<std::string>(&entry.value())) {
      raw = *text;
    } else {
      raw = join_path_list(std::get<std::vector<std::string>>(entry.value()));
    }
    if (name == "PYTHONPATH") {
      // Buildbot appends ":${PYTHONPATH}"; we leave out the ':' when the slave has no
      // PYTHONPATH, since a trailing empty element would put the cwd on Python's path.
      auto existing = slave_env.find("PYTHONPATH");
      if (existing != slave_env.end() && !existing->second.empty()) raw += ":${PYTHONPATH}";
    }
    result[name] = expand(raw, slave_env);
  }
  return result;
}

Environment current_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

std::optional<int> signal_from_name(std::string_view name) {
  int number = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), number);
  if (ec == std::errc() && end == name.data() + name.size()) {
    if (number > 0 && number < NSIG) return number;
    return std::nullopt;
  }
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.rfind("SIG", 0) == 0) upper.erase(0, 3);
  static constexpr std::array<std::pair<std::string_view, int>, 16> kSignals{{
      {"HUP", SIGHUP},
      {"INT", SIGINT},
      {"QUIT", SIGQUIT},
      {"ABRT", SIGABRT},
      {"KILL", SIGKILL},
      {"USR1", SIGUSR1},
      {"USR2", SIGUSR2},
      {"PIPE", SIGPIPE},
      {"ALRM", SIGALRM},
      {"TERM", SIGTERM},
      {"CONT", SIGCONT},
      {"STOP", SIGSTOP},
      {"TSTP", SIGTSTP},
      {"TTIN", SIGTTIN},
      {"TTOU", SIGTTOU},
      {"XCPU", SIGXCPU},
  }};
  for (const auto& [known, number_of] : kSignals) {
    if (upper == known) return number_of;
  }
  return std::nullopt;
}

bool is_secret_name(std::string_view name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::string_view word : {"PASSWORD", "PASSWD", "TOKEN", "SECRET", "CREDENTIAL"}) {
    if (upper.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace eventbot::slave
