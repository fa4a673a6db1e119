#include "actors/config/status_warnings.hpp"

namespace eventbot::config {

std::vector<std::string> status_target_warnings(const MasterConfig& config) {
  std::vector<std::string> warnings;
  for (std::size_t i = 0; i < config.status.size(); ++i) {
    const auto& target = config.status[i];
    const auto where = "status[" + std::to_string(i) + "] (" + target.name + ")";
    if (target.irc) {
      warnings.push_back(where +
                         ": the IRC bot is not run by the master yet: its keys are checked, and "
                         "it reports nothing");
    } else if (!target.mail && !target.http_push) {
      warnings.push_back(where + ": type \"" + target.type +
                         "\" is not supported yet: only its type and name are checked, and it "
                         "reports nothing");
    }
    for (const auto& key : target.unsupported_keys) {
      warnings.push_back(where + ": key \"" + key + "\" is not supported yet and has no effect");
    }
  }
  return warnings;
}

}  // namespace eventbot::config
