#include "common/file_mode.hpp"

#include <sys/stat.h>

#include <cstdio>

namespace eventbot {

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::optional<std::string> mode_open_to_others(mode_t mode) {
  if ((mode & (S_IRWXG | S_IRWXO)) == 0) return std::nullopt;
  return octal_mode(mode);
}

std::optional<std::string> mode_open_to_others(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return mode_open_to_others(info.st_mode);
}

}  // namespace eventbot
