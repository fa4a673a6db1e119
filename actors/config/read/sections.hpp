#pragma once
// One reader per part of master.yaml. Each fills its part of the MasterConfig, reports
// what is wrong, and records the names it defines and refers to; read_master_config
// calls them in order and then checks the references.
#include <string>
#include <vector>

#include "actors/config/master_config.hpp"
#include "actors/config/read/name_table.hpp"
#include "actors/config/read/yaml_reader.hpp"

namespace eventbot::config::detail {

MasterConfig read_master_config(const Value& root);

// title, title_url, buildbot_url, master, properties, horizons, logs, validation.
void read_settings(const MapReader& top, MasterConfig& config);
WebConfig read_web(const Value& web, NameTable& names);
std::vector<SlaveConfig> read_slaves(const Value& list, NameTable& names);
std::vector<LockConfig> read_locks(const Value& list, NameTable& names);
// A builder's or a step's `locks:`: a list (a lone entry is a list of one) of lock names
// (exclusive) and {name, access: exclusive|counting} maps. Nothing when absent or wrong.
std::optional<std::vector<LockUse>> read_lock_uses(const Value& value, NameTable& names);
std::vector<ChangeSourceConfig> read_change_sources(const Value& list, NameTable& names);
std::vector<SchedulerConfig> read_schedulers(const Value& list, NameTable& names);
std::vector<BuilderConfig> read_builders(const Value& list, NameTable& names);
std::vector<StatusTargetConfig> read_status_targets(const Value& list, NameTable& names);

// Exactly one of "password", "password_hash" (as `eventbot hash-password` prints it),
// "password_file" and "password_env". No password or hash ever appears in a message.
// `web_user`: an argon2id hash is allowed too (`hash-password --web`).
void read_credentials(const MapReader& map, std::string& password, std::string& password_hash,
                      PasswordSource& from, bool web_user = false);

// The keys read_credentials reads.
inline const std::vector<std::string> kCredentialKeys = {"password", "password_hash",
                                                         "password_file", "password_env"};

}  // namespace eventbot::config::detail
