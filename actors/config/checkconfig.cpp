#include "actors/config/checkconfig.hpp"

#include "actors/config/config_loader.hpp"
#include "actors/config/file_modes.hpp"
#include "actors/config/passwords.hpp"
#include "actors/config/port_tls.hpp"
#include "actors/config/secrets.hpp"
#include "actors/config/status_warnings.hpp"

namespace eventbot::config {

int run_checkconfig(const std::filesystem::path& path_or_dir, std::ostream& out,
                    std::ostream& err) {
  std::error_code ignored;
  if (!std::filesystem::exists(path_or_dir, ignored)) {
    err << path_or_dir.string() << " does not exist (neither a master directory nor a file)\n";
    return 1;
  }
  const std::filesystem::path file = std::filesystem::is_directory(path_or_dir, ignored)
                                         ? path_or_dir / "master.yaml"
                                         : path_or_dir;
  auto text = read_config_text(file);
  if (!text) {
    err << format_error(text.error()) << "\n";
    return 1;
  }
  LoadResult result = load_config_string(*text, file.string());
  if (!result) {
    for (const ConfigError& error : result.error()) err << format_error(error) << "\n";
    return 1;
  }
  if (auto tls = load_port_tls(file.parent_path(), *result); !tls) {
    err << file.string() << ": " << tls.error() << "\n";
    return 1;
  }
  auto warnings = resolve_passwords(file.parent_path(), *result);
  if (!warnings) {
    err << file.string() << ": " << warnings.error() << "\n";
    return 1;
  }
  for (const auto& warning : password_warnings(*result)) warnings->push_back(warning);
  for (const auto& warning : status_target_warnings(*result)) warnings->push_back(warning);
  for (const auto& warning : *warnings) err << file.string() << ": warning: " << warning << "\n";
  if (auto warning = secrets_file_warning(file, *text)) err << "warning: " << *warning << "\n";
  out << "Config file is good!\n";
  return 0;
}

std::optional<std::string> secrets_file_warning(const std::filesystem::path& file,
                                                std::string_view text) {
  if (!holds_secrets(text)) return std::nullopt;
  return readable_by_others(file, "master.yaml holds passwords or tokens, and");
}

}  // namespace eventbot::config
