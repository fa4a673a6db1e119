#include "actors/config/port_tls.hpp"

#include <spdlog/spdlog.h>

#include "actors/config/file_modes.hpp"

namespace eventbot::config {
namespace fs = std::filesystem;

Expected<std::shared_ptr<port::TlsContext>, std::string> load_port_tls(const fs::path& master_dir,
                                                                       const MasterConfig& config) {
  if (!config.tls) return std::shared_ptr<port::TlsContext>();
  auto resolve = [&](const std::string& path) {
    fs::path p(path);
    return p.is_absolute() ? p : master_dir / p;
  };
  const auto key = resolve(config.tls->key);
  auto context = port::make_server_tls(resolve(config.tls->certificate), key);
  if (!context) return unexpected("master.tls: " + context.error());
  if (auto warning = readable_by_others(key, "the key")) spdlog::warn("master.tls: {}", *warning);
  return context;
}

}  // namespace eventbot::config
