#pragma once
// What the slave tells the master about itself after each handshake (wire.SlaveInfo),
// as Buildbot's getSlaveInfo does: the info/ files, the system, the environment.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "events/wire.pb.h"

namespace eventbot::slave {

// The version this agent reports (the project's version).
std::string agent_version();
// `uname -srm`, e.g. "Linux 6.1.0-18-amd64 x86_64".
std::string os_description();
// The environment, with the values of secret-looking names (PASSWORD, PASSWD, TOKEN,
// SECRET, CREDENTIAL in the name, any case) replaced by "***".
std::map<std::string, std::string> masked_environment(char** envp);

// SlaveInfo without `running` and `commands`, which the session fills in.
wire::SlaveInfo describe_slave(const std::filesystem::path& basedir, bool allow_shutdown);

// The templates create-slave writes (Buildbot's wording).
std::string admin_template();
std::string host_template();

}  // namespace eventbot::slave
