#include "actors/config/port_tls.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

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
  struct stat info {};
  if (::stat(key.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    spdlog::warn("master.tls: the key {} can be read by others than its owner (chmod 600 it)",
                 key.string());
  }
  return context;
}

}  // namespace eventbot::config
