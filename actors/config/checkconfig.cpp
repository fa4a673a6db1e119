#include "actors/config/checkconfig.hpp"

#include "actors/config/config_loader.hpp"
#include "actors/config/passwords.hpp"
#include "actors/config/port_tls.hpp"

namespace eventbot::config {

int run_checkconfig(const std::filesystem::path& path_or_dir, std::ostream& out,
                    std::ostream& err) {
  std::error_code ignored;
  const std::filesystem::path file = std::filesystem::is_directory(path_or_dir, ignored)
                                         ? path_or_dir / "master.yaml"
                                         : path_or_dir;
  LoadResult result = load_config_file(file);
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
  for (const auto& warning : *warnings) err << file.string() << ": warning: " << warning << "\n";
  out << "Config file is good!\n";
  return 0;
}

}  // namespace eventbot::config
