#pragma once
// Files that hold secrets (master.yaml with passwords or tokens, master.tls's key) must
// be readable by their owner only: the warning checkconfig prints and the master logs
// when one is not.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace eventbot::config {

// The mode create-master gives master.yaml (and any file it writes that holds secrets).
inline constexpr unsigned kSecretFileMode = 0600;

// "the key /m/tls.key can be read by others than its owner (mode 0644; chmod 600 it)"
// when group or others have any permission on `path`; nothing otherwise (or when it
// cannot be looked at: reading it reports that). `what` names the file ("the key").
std::optional<std::string> readable_by_others(const std::filesystem::path& path,
                                              std::string_view what);

}  // namespace eventbot::config
