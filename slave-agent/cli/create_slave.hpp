#pragma once
// `eventbot-slave create-slave`: a slave directory with slave.yaml and the info files.
#include <filesystem>
#include <string>

#include "slave-agent/session/slave_config.hpp"

namespace eventbot::slave {

// Writes DIR/slave.yaml (0600) and DIR/info/{admin,host} (templates, not overwritten);
// refuses a directory that already holds a slave unless `force`. Prints what it did.
int create_slave(const std::filesystem::path& dir, const SlaveConfig& config, bool force);

}  // namespace eventbot::slave
