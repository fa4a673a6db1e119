#include "actors/config/config_error.hpp"

#include "common/url_credentials.hpp"

namespace eventbot::config {

std::string format_error(const ConfigError& error) {
  std::string text = error.file;
  if (error.line > 0) {
    text += ":" + std::to_string(error.line) + ":" + std::to_string(error.column);
  }
  text += ": ";
  if (!error.key_path.empty()) text += error.key_path + ": ";
  // A message may quote a value: a repository URL's credentials never reach a terminal
  // or master.log (a failed reconfig logs its errors).
  return text + redact_url_credentials(error.message);
}

}  // namespace eventbot::config
