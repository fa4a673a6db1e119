#include "actors/config/file_modes.hpp"

#include <sys/stat.h>

#include <cstdio>

namespace eventbot::config {

std::optional<std::string> readable_by_others(const std::filesystem::path& path,
                                              std::string_view what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) == 0) return std::nullopt;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
  return std::string(what) + " " + path.string() + " can be read by others than its owner (mode " +
         mode + "; chmod 600 it)";
}

}  // namespace eventbot::config
