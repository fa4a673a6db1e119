#pragma once
// Reads master.yaml into a MasterConfig, or into every error it holds: a reconfig keeps
// the running configuration unless the new file loads without a single error.
// Pure apart from reading the file (and the host name, the default master id).
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "actors/config/config_error.hpp"
#include "actors/config/master_config.hpp"
#include "common/expected.hpp"

namespace eventbot::config {

// What master.yaml may be (docs/CONFIGURATION.md, "Limits"): a file bigger than this is
// refused before it is read, so `/dev/zero` or a runaway generator cannot exhaust memory.
inline constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;
// Lists and maps inside each other; the deepest real master.yaml nests about 6 levels.
inline constexpr int kMaxNestingDepth = 64;
// Aliases (`*name`) in the file, and values in the document once every alias is
// expanded: what any walk over the tree visits. A few nested aliases can expand to
// billions of values (an "alias bomb").
inline constexpr int kMaxAliases = 10000;
inline constexpr int kMaxNodes = 250000;

// All errors, in the order of their position in the file.
using LoadResult = Expected<MasterConfig, std::vector<ConfigError>>;

// The text of a master.yaml: a regular file (not a FIFO, a device or a directory) of at
// most kMaxConfigBytes, or the one error saying why not. Start, reconfig and checkconfig
// all read the file through this.
Expected<std::string, ConfigError> read_config_text(const std::filesystem::path& path);

LoadResult load_config_file(const std::filesystem::path& path);
// `display_name` is the file name errors carry. Text that is not UTF-8, or a document
// past the limits above, is refused with the position of the first offence.
LoadResult load_config_string(std::string_view text, const std::string& display_name);

// Lower-case hex SHA-256 of `text`. ConfigLoaded records the digest of the redacted
// text (actors/master/config_record.hpp), never of a text that holds a secret.
std::string content_sha256(std::string_view text);

}  // namespace eventbot::config
