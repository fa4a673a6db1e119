#pragma once
// `eventbot checkconfig DIR|FILE`: load master.yaml as a start or reconfig would and say
// whether it is good, listing every error rather than the first.
#include <filesystem>
#include <ostream>

namespace eventbot::config {

// A directory means its master.yaml. Prints each error to `err` and returns 1, or
// prints "Config file is good!" to `out` and returns 0.
int run_checkconfig(const std::filesystem::path& path_or_dir, std::ostream& out, std::ostream& err);

}  // namespace eventbot::config
