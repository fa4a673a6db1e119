#pragma once
// Reads master.yaml into a MasterConfig, or into every error it holds: a reconfig keeps
// the running configuration unless the new file loads without a single error.
// Pure apart from reading the file (and the host name, the default master id).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "actors/config/config_error.hpp"
#include "actors/config/master_config.hpp"
#include "common/expected.hpp"

namespace eventbot::config {

// All errors, in the order of their position in the file.
using LoadResult = Expected<MasterConfig, std::vector<ConfigError>>;

LoadResult load_config_file(const std::filesystem::path& path);
// `display_name` is the file name errors carry.
LoadResult load_config_string(std::string_view text, const std::string& display_name);

// Lower-case hex SHA-256 of the file's bytes, for the ConfigLoaded event.
std::string content_sha256(std::string_view text);

}  // namespace eventbot::config
