#pragma once
// What checkconfig (and the master, at start and reconfig) says about status targets
// that are configured but report nothing yet: types not implemented (irc,
// github_status, gitlab_status, gerrit_status) and keys of the typed ones not acted on.
#include <string>
#include <vector>

#include "actors/config/master_config.hpp"

namespace eventbot::config {

// One line per target or key ("status[2] (irc): type \"irc\" is not supported yet ...").
std::vector<std::string> status_target_warnings(const MasterConfig& config);

}  // namespace eventbot::config
