#include "slave-agent/session/slave_config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "actors/port/port_client.hpp"

namespace eventbot::slave {
namespace fs = std::filesystem;

fs::path config_file(const fs::path& dir) {
  return dir / "slave.yaml";
}
fs::path slave_pid_file(const fs::path& dir) {
  return dir / "slave.pid";
}
fs::path slave_log_file(const fs::path& dir) {
  return dir / "slave.log";
}

std::string allow_shutdown_name(AllowShutdown mode) {
  switch (mode) {
    case AllowShutdown::signal:
      return "signal";
    case AllowShutdown::file:
      return "file";
    default:
      return "none";
  }
}

std::optional<AllowShutdown> parse_allow_shutdown(const std::string& text) {
  if (text == "none" || text.empty()) return AllowShutdown::none;
  if (text == "signal") return AllowShutdown::signal;
  if (text == "file") return AllowShutdown::file;
  return std::nullopt;
}

std::optional<unsigned> parse_umask(const std::string& text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    value = value * 8 + static_cast<unsigned>(c - '0');
  }
  return value;
}

namespace {

std::string umask_text(unsigned value) {
  std::ostringstream out;
  out.fill('0');
  out.width(3);
  out << std::oct << value;
  return out.str();
}

}  // namespace

Expected<SlaveConfig, std::string> read_slave_config(const fs::path& dir) {
  auto path = config_file(dir);
  if (!fs::exists(path)) {
    return unexpected(path.string() + " does not exist (create the slave with create-slave)");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception& error) {
    return unexpected(path.string() + ": " + error.what());
  }
  if (!root.IsMap()) return unexpected(path.string() + ": expected a mapping");
  SlaveConfig config;
  std::string key;
  try {
    key = "master";
    if (!root["master"]) return unexpected(path.string() + ": 'master' (HOST:PORT) is missing");
    auto host_port = port::parse_host_port(root["master"].as<std::string>());
    if (!host_port) return unexpected(path.string() + ": master: " + host_port.error());
    config.master_host = host_port->first;
    config.master_port = host_port->second;
    key = "name";
    if (!root["name"]) return unexpected(path.string() + ": 'name' is missing");
    config.name = root["name"].as<std::string>();
    key = "password";
    if (!root["password"]) return unexpected(path.string() + ": 'password' is missing");
    config.password = root["password"].as<std::string>();
    key = "tls";
    if (root[key]) config.tls = root[key].as<bool>();
    key = "ca";
    if (root[key] && !root[key].IsNull()) {
      fs::path ca = root[key].as<std::string>();
      if (ca.is_relative()) ca = dir / ca;
      if (!fs::is_regular_file(ca)) {
        return unexpected(path.string() + ": ca: " + ca.string() + " is not a file");
      }
      config.ca_file = ca.string();
      config.tls = true;
    }
    key = "keepalive";
    if (root[key]) config.keepalive_s = root[key].as<unsigned>();
    key = "umask";
    if (root[key] && !root[key].IsNull()) {
      auto value = parse_umask(root[key].as<std::string>());
      if (!value) return unexpected(path.string() + ": umask: expected octal digits like 022");
      config.umask = value;
    }
    key = "maxdelay";
    if (root[key]) config.maxdelay_s = root[key].as<unsigned>();
    key = "usepty";
    if (root[key]) config.usepty = root[key].as<bool>();
    key = "allow_shutdown";
    if (root[key] && !root[key].IsNull()) {
      auto mode = parse_allow_shutdown(root[key].as<std::string>());
      if (!mode)
        return unexpected(path.string() + ": allow_shutdown: expected none, signal or file");
      config.allow_shutdown = *mode;
    }
    key = "log_size";
    if (root[key]) config.log_size = root[key].as<std::uint64_t>();
    key = "log_count";
    if (root[key]) config.log_count = root[key].as<unsigned>();
    key = "retry_initial";
    if (root[key]) config.retry_initial_s = root[key].as<double>();
    key = "resume_timeout";
    if (root[key]) config.resume_timeout_s = root[key].as<unsigned>();
    key = "connect_timeout";
    if (root[key]) config.connect_timeout_s = root[key].as<double>();
    key = "start_timeout";
    if (root[key]) config.start_timeout_s = root[key].as<double>();
  } catch (const YAML::Exception&) {
    return unexpected(path.string() + ": bad value for '" + key + "'");
  }
  if (config.name.empty()) return unexpected(path.string() + ": 'name' is empty");
  if (config.maxdelay_s == 0) return unexpected(path.string() + ": maxdelay must be at least 1");
  if (config.log_size == 0) return unexpected(path.string() + ": log_size must be positive");
  if (config.retry_initial_s <= 0)
    return unexpected(path.string() + ": retry_initial must be positive");
  if (config.connect_timeout_s <= 0) {
    return unexpected(path.string() + ": connect_timeout must be positive");
  }
  // `start` itself gives up after 120 s (common/daemon.cpp).
  if (config.start_timeout_s < 0 || config.start_timeout_s > 100) {
    return unexpected(path.string() + ": start_timeout must be between 0 and 100 seconds");
  }
  return config;
}

Expected<Ok, std::string> write_slave_config(const fs::path& dir, const SlaveConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "master" << YAML::Value
      << config.master_host + ":" + std::to_string(config.master_port);
  out << YAML::Key << "name" << YAML::Value << config.name;
  out << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted << config.password;
  out << YAML::Key << "tls" << YAML::Value << (config.tls || !config.ca_file.empty());
  if (!config.ca_file.empty()) out << YAML::Key << "ca" << YAML::Value << config.ca_file;
  out << YAML::Key << "keepalive" << YAML::Value << config.keepalive_s;
  out << YAML::Key << "umask" << YAML::Value;
  if (config.umask) {
    out << YAML::DoubleQuoted << umask_text(*config.umask);
  } else {
    out << YAML::Null;
  }
  out << YAML::Key << "maxdelay" << YAML::Value << config.maxdelay_s;
  out << YAML::Key << "usepty" << YAML::Value << config.usepty;
  out << YAML::Key << "allow_shutdown" << YAML::Value << allow_shutdown_name(config.allow_shutdown);
  out << YAML::Key << "log_size" << YAML::Value << config.log_size;
  out << YAML::Key << "log_count" << YAML::Value << config.log_count;
  out << YAML::EndMap;
  std::string text =
      "# The eventbot-slave configuration, written by `eventbot-slave create-slave`.\n"
      "# It holds the slave's password: keep it readable by the slave's account only.\n";
  text += out.c_str();
  text += "\n";

  auto path = config_file(dir);
  auto temp = path;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return unexpected("cannot write " + temp.string() + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  std::error_code ec;
  if (ok) fs::rename(temp, path, ec);
  if (!ok || ec) {
    fs::remove(temp, ec);
    return unexpected("cannot write " + path.string());
  }
  return Ok{};
}

}  // namespace eventbot::slave
