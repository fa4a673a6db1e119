// The master-wide settings: title, title_url, buildbot_url, master, properties,
// horizons, logs, validation.
#include <charconv>

#include "actors/config/read/sections.hpp"

namespace eventbot::config::detail {
namespace {

// master.port_limits: what the slave port allows strangers (docs/CONFIGURATION.md).
void read_port_limits(const Value& section, port::PortLimits& limits) {
  MapReader reader(section,
                   KeyRules::only({"max_connections", "max_pending", "max_pending_per_address",
                                   "max_login_frame", "login_timeout"}));
  if (auto n = reader.get("max_connections").integer(1, 1'000'000)) {
    limits.max_connections = static_cast<std::size_t>(*n);
  }
  if (auto n = reader.get("max_pending").integer(1, 1'000'000)) {
    limits.max_pending = static_cast<std::size_t>(*n);
  }
  if (auto n = reader.get("max_pending_per_address").integer(1, 1'000'000)) {
    limits.max_pending_per_address = static_cast<std::size_t>(*n);
  }
  Value frame = reader.get("max_login_frame");
  if (auto bytes = frame.byte_size()) {
    // Below 1 KiB a login itself would not fit; above the frame limit it means nothing.
    if (*bytes < 1024 || *bytes > static_cast<std::int64_t>(16 * 1024 * 1024)) {
      frame.error("must be between 1KiB and 16MiB, got " + std::to_string(*bytes) + " bytes");
    } else {
      limits.max_login_frame = static_cast<std::size_t>(*bytes);
    }
  }
  Value timeout = reader.get("login_timeout");
  if (auto seconds = timeout.duration(1)) {
    if (*seconds > 3600) {
      timeout.error("must be at most 3600 seconds, got " + std::to_string(*seconds));
    } else {
      limits.login_timeout = std::chrono::seconds(*seconds);
    }
  }
}

void read_master_section(const Value& section, MasterConfig& config) {
  MapReader master(section, KeyRules::only({"id", "slave_port", "bind", "durability",
                                            "collapse_requests", "log_server", "heartbeat_interval",
                                            "dead_after", "reattach_grace", "tls", "port_limits"}));
  if (auto s = master.get("heartbeat_interval").integer(1, 3600)) {
    config.heartbeat_interval = static_cast<int>(*s);
  }
  Value dead_after = master.get("dead_after");
  if (auto s = dead_after.integer(1, 86400)) {
    config.dead_after = static_cast<int>(*s);
    if (config.dead_after <= config.heartbeat_interval) {
      dead_after.error("must be longer than heartbeat_interval (" +
                       std::to_string(config.heartbeat_interval) + " s)");
    }
  }
  if (auto s = master.get("reattach_grace").integer(0, 86400)) {
    config.reattach_grace = static_cast<int>(*s);
  }
  if (auto id = master.get("id").non_empty_string()) config.master_id = *id;
  if (auto port = master.get("slave_port").integer(0, 65535)) {
    config.slave_port = static_cast<int>(*port);
  }
  if (auto bind = master.get("bind").non_empty_string()) config.slave_bind = *bind;
  read_port_limits(master.get("port_limits"), config.port_limits);
  Value tls = master.get("tls");
  if (tls.present()) {
    MapReader files(tls, KeyRules::only({"certificate", "key"}));
    auto certificate = files.required("certificate").non_empty_string();
    auto key = files.required("key").non_empty_string();
    if (certificate && key) config.tls = TlsFiles{*certificate, *key};
  }
  if (auto durability =
          master.get("durability").choice({"sync", "group", "nosync"}, "durability")) {
    config.durability = *durability;
  }
  if (auto collapse = master.get("collapse_requests").boolean()) {
    config.collapse_requests = *collapse;
  }
  Value log_server = master.get("log_server");
  if (auto address = log_server.string()) {
    auto colon = address->rfind(':');
    int port = 0;
    auto digits = colon == std::string::npos ? std::string_view()
                                             : std::string_view(*address).substr(colon + 1);
    auto [end, problem] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (colon == 0 || digits.empty() || problem != std::errc() ||
        end != digits.data() + digits.size()) {
      log_server.error("expected \"host:port\", got \"" + *address + "\"");
    } else {
      config.log_server = *address;
    }
  }
}

void read_horizons(const Value& section, Horizons& horizons) {
  MapReader reader(section, KeyRules::only({"changes", "builds", "logs", "log_days"}));
  if (auto n = reader.get("changes").integer(0)) horizons.changes = *n;
  if (auto n = reader.get("builds").integer(0)) horizons.builds = *n;
  Value logs = reader.get("logs");
  if (auto n = logs.integer(0)) horizons.logs = *n;
  if (auto n = reader.get("log_days").integer(0)) horizons.log_days = *n;
  // Buildbot's rule: a build whose logs are kept must itself be kept.
  if (horizons.logs > 0 && horizons.builds > 0 && horizons.logs > horizons.builds) {
    logs.error("keeps the logs of " + std::to_string(horizons.logs) +
               " builds, but builds keeps only " + std::to_string(horizons.builds));
  }
}

void read_log_limits(const Value& section, LogLimits& limits) {
  MapReader reader(section, KeyRules::only({"max_size", "max_tail_size"}));
  if (auto bytes = reader.get("max_size").byte_size()) limits.max_size = *bytes;
  Value tail = reader.get("max_tail_size");
  if (auto bytes = tail.byte_size()) limits.max_tail_size = *bytes;
  if (limits.max_tail_size > 0 && limits.max_size == 0) {
    tail.error("keeps a tail only of logs cut at max_size; set max_size too");
  }
}

void read_validation(const Value& section, InputValidation& validation) {
  MapReader reader(section,
                   KeyRules::only({"branch", "revision", "property_name", "property_value"}));
  if (auto regex = reader.get("branch").regex()) validation.branch = *regex;
  if (auto regex = reader.get("revision").regex()) validation.revision = *regex;
  if (auto regex = reader.get("property_name").regex()) validation.property_name = *regex;
  if (auto regex = reader.get("property_value").regex()) validation.property_value = *regex;
}

}  // namespace

void read_settings(const MapReader& top, MasterConfig& config) {
  if (auto title = top.get("title").string()) config.title = *title;
  if (auto url = top.get("title_url").string()) config.title_url = *url;
  if (auto url = top.get("buildbot_url").string()) {
    // Links are made by appending paths, so the manual asks for a trailing '/'.
    config.buildbot_url = url->empty() || url->ends_with('/') ? *url : *url + "/";
  }
  read_master_section(top.get("master"), config);
  if (auto properties = top.get("properties").property_map()) config.properties = *properties;
  read_horizons(top.get("horizons"), config.horizons);
  read_log_limits(top.get("logs"), config.logs);
  read_validation(top.get("validation"), config.validation);
}

}  // namespace eventbot::config::detail
