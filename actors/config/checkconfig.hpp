#pragma once
// `eventbot checkconfig DIR|FILE`: load master.yaml as a start or reconfig would and say
// whether it is good, listing every error rather than the first.
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace eventbot::config {

// A directory means its master.yaml. Prints each error to `err` and returns 1, or
// prints "Config file is good!" to `out` and returns 0, after a warning on `err` when
// the file holds secrets and others than its owner may read it.
int run_checkconfig(const std::filesystem::path& path_or_dir, std::ostream& out, std::ostream& err);

// That warning, for `file` whose content is `text`: nothing when it holds no secret or
// only its owner may read it. The master logs it too, at start and reconfig.
std::optional<std::string> secrets_file_warning(const std::filesystem::path& file,
                                                std::string_view text);

}  // namespace eventbot::config
