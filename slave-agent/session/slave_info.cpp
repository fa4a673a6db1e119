#include "slave-agent/session/slave_info.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/utf8.hpp"
#include "slave-agent/shell_command.hpp"

extern char** environ;

namespace eventbot::slave {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream text;
  text << in.rdbuf();
  auto value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

}  // namespace

std::string agent_version() {
  return "0.1.0";
}

std::string os_description() {
  struct utsname names {};
  if (::uname(&names) != 0) return "unknown";
  return std::string(names.sysname) + " " + names.release + " " + names.machine;
}

std::map<std::string, std::string> masked_environment(char** envp) {
  std::map<std::string, std::string> result;
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    auto equals = text.find('=');
    if (equals == std::string::npos) continue;
    // The frame's strings must be UTF-8 or the master cannot read them.
    auto name = to_valid_utf8(text.substr(0, equals));
    result[name] = is_secret_name(name) ? "***" : to_valid_utf8(text.substr(equals + 1));
  }
  return result;
}

wire::SlaveInfo describe_slave(const fs::path& basedir, bool allow_shutdown) {
  wire::SlaveInfo info;
  // The files are the admin's free text; the frame's strings must be UTF-8.
  info.set_admin(to_valid_utf8(read_text(basedir / "info" / "admin")));
  info.set_host(to_valid_utf8(read_text(basedir / "info" / "host")));
  info.set_os(to_valid_utf8(os_description()));
  info.set_cpus(std::max(1u, std::thread::hardware_concurrency()));
  info.set_version(agent_version());
  for (auto& [name, value] : masked_environment(environ)) (*info.mutable_environ())[name] = value;
  std::error_code ec;
  auto absolute = fs::absolute(basedir, ec);
  info.set_basedir(to_valid_utf8(ec ? basedir.string() : absolute.lexically_normal().string()));
  info.set_allow_shutdown(allow_shutdown);
  return info;
}

std::string admin_template() {
  return "Your Name Here <admin@youraddress.invalid>\n";
}

std::string host_template() {
  return "Please put a description of this build host here (OS, version, memory size, CPU "
         "speed, versions of relevant libraries installed)\n";
}

}  // namespace eventbot::slave
