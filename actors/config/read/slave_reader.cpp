// slaves: Buildbot's BuildSlave(name, password, max_builds, ...).
#include "actors/config/read/sections.hpp"
#include "actors/config/read/value_formats.hpp"

namespace eventbot::config::detail {
namespace {

std::optional<SlaveConfig> read_slave(const Value& element, NameTable& names) {
  auto reader = read_map_element(
      element, KeyRules::only({"name", "password", "password_hash", "password_file", "password_env",
                               "max_builds", "properties", "notify_on_missing", "missing_timeout",
                               "keepalive_interval"}));
  if (!reader) return std::nullopt;
  SlaveConfig slave;
  Value name = reader->required("name");
  if (auto text = name.non_empty_string()) {
    slave.name = *text;
    names.define(NameKind::slave, slave.name, name);
  }
  read_credentials(*reader, slave.password, slave.password_hash, slave.password_from);
  if (auto n = reader->get("max_builds").integer(0)) slave.max_builds = static_cast<int>(*n);
  if (auto properties = reader->get("properties").property_map()) slave.properties = *properties;
  Value notify = reader->get("notify_on_missing");
  if (auto addresses = notify.string_list()) {
    slave.notify_on_missing = *addresses;
    // A lone string is a list of one.
    std::vector<Value> each = notify.is_list() ? notify.elements() : std::vector<Value>{notify};
    for (const Value& address : each) {
      auto text = address.string();
      if (text && !looks_like_mail_address(*text)) {
        address.error("\"" + *text + "\" is not a mail address");
      }
    }
  }
  if (auto seconds = reader->get("missing_timeout").duration()) slave.missing_timeout = *seconds;
  if (auto seconds = reader->get("keepalive_interval").duration()) {
    slave.keepalive_interval = *seconds;
  }
  return slave;
}

}  // namespace

std::vector<SlaveConfig> read_slaves(const Value& list, NameTable& names) {
  std::vector<SlaveConfig> slaves;
  for (const Value& element : list.elements()) {
    if (auto slave = read_slave(element, names)) slaves.push_back(std::move(*slave));
  }
  return slaves;
}

}  // namespace eventbot::config::detail
