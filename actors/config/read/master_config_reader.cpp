// The whole document: every section, then the checks that span sections.
#include <unistd.h>

#include <climits>

#include "actors/config/read/sections.hpp"

namespace eventbot::config::detail {
namespace {

KeyRules top_level_keys() {
  KeyRules rules = KeyRules::only({"title", "title_url", "buildbot_url", "master", "web",
                                   "properties", "horizons", "logs", "validation", "slaves",
                                   "locks", "change_sources", "schedulers", "builders", "status"});
  rules.ignore_x_keys = true;
  return rules;
}

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// Both listeners on one port cannot both start. Only ports read without error count:
// a wrong slave_port must not be blamed on the web's port.
void check_ports_differ(const MapReader& top) {
  Value web_port = MapReader(top.get("web"), KeyRules::any()).get("port");
  Value slave_port = MapReader(top.get("master"), KeyRules::any()).get("slave_port");
  auto web = web_port.present() ? web_port.integer(0, 65535) : kDefaultWebPort;
  auto slave = slave_port.present() ? slave_port.integer(0, 65535) : kDefaultSlavePort;
  if (!web || !slave || *web == 0 || *web != *slave) return;
  (web_port.present() ? web_port : slave_port)
      .error("the web and the slaves cannot share port " + std::to_string(*web));
}

}  // namespace

MasterConfig read_master_config(const Value& root) {
  MasterConfig config;
  MapReader top(root, top_level_keys());
  NameTable names(root.context().errors);
  read_settings(top, config);
  config.web = read_web(top.get("web"), names);
  config.slaves = read_slaves(top.get("slaves"), names);
  config.locks = read_locks(top.get("locks"), names);
  config.change_sources = read_change_sources(top.get("change_sources"), names);
  config.builders = read_builders(top.get("builders"), names);
  config.schedulers = read_schedulers(top.get("schedulers"), names);
  config.status = read_status_targets(top.get("status"), names);
  names.check_references();
  check_ports_differ(top);
  if (config.master_id.empty()) config.master_id = host_name();
  return config;
}

}  // namespace eventbot::config::detail
