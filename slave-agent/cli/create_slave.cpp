#include "slave-agent/cli/create_slave.hpp"

#include <fstream>
#include <iostream>

#include "slave-agent/session/slave_info.hpp"

namespace eventbot::slave {
namespace fs = std::filesystem;

namespace {

bool write_if_missing(const fs::path& path, const std::string& text) {
  if (fs::exists(path)) return true;
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int create_slave(const fs::path& dir, const SlaveConfig& config, bool force) {
  std::error_code ec;
  fs::create_directories(dir / "info", ec);
  if (ec) {
    std::cerr << "eventbot-slave: cannot create " << (dir / "info").string() << ": " << ec.message()
              << "\n";
    return 1;
  }
  if (fs::exists(config_file(dir)) && !force) {
    std::cerr << "eventbot-slave: " << config_file(dir).string()
              << " exists: a slave is already there (use --force to overwrite it)\n";
    return 1;
  }
  if (auto written = write_slave_config(dir, config); !written) {
    std::cerr << "eventbot-slave: " << written.error() << "\n";
    return 1;
  }
  if (!write_if_missing(dir / "info" / "admin", admin_template()) ||
      !write_if_missing(dir / "info" / "host", host_template())) {
    std::cerr << "eventbot-slave: cannot write the info files in " << (dir / "info").string()
              << "\n";
    return 1;
  }
  std::cout << "slave '" << config.name << "' created in " << dir.string() << " for the master at "
            << config.master_host << ":" << config.master_port << "\n"
            << "edit " << (dir / "info" / "admin").string() << " and "
            << (dir / "info" / "host").string() << ", then: eventbot-slave start " << dir.string()
            << std::endl;
  return 0;
}

}  // namespace eventbot::slave
