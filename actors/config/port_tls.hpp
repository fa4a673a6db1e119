#pragma once
// master.tls as the slave port's TLS context: the files are read and checked here, at
// start, at every reconfig (a renewed certificate is picked up) and by checkconfig.
#include <filesystem>
#include <memory>

#include "actors/config/master_config.hpp"
#include "actors/port/tls.hpp"
#include "common/expected.hpp"

namespace eventbot::config {

// Null when master.tls is not set. Relative paths are relative to `master_dir`. The
// error reads "master.tls: " and what is wrong with which file.
Expected<std::shared_ptr<port::TlsContext>, std::string> load_port_tls(
    const std::filesystem::path& master_dir, const MasterConfig& config);

}  // namespace eventbot::config
