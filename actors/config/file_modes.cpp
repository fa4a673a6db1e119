#include "actors/config/file_modes.hpp"

#include "common/file_mode.hpp"

namespace eventbot::config {

std::optional<std::string> readable_by_others(const std::filesystem::path& path,
                                              std::string_view what) {
  auto mode = mode_open_to_others(path);
  if (!mode) return std::nullopt;
  return std::string(what) + " " + path.string() + " can be read by others than its owner (mode " +
         *mode + "; chmod 600 it)";
}

}  // namespace eventbot::config
