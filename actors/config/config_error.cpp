#include "actors/config/config_error.hpp"

namespace eventbot::config {

std::string format_error(const ConfigError& error) {
  std::string text = error.file;
  if (error.line > 0) {
    text += ":" + std::to_string(error.line) + ":" + std::to_string(error.column);
  }
  text += ": ";
  if (!error.key_path.empty()) text += error.key_path + ": ";
  return text + error.message;
}

}  // namespace eventbot::config
