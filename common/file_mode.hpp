#pragma once
// Files holding secrets (master.yaml, a password file, a TLS key, an --auth-file) should be
// their owner's alone. The one check every warning about them uses.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace eventbot {

// A mode as chmod writes it: "0644".
std::string octal_mode(mode_t mode);

// The file's mode ("0644") when its group or others have any permission on it; nothing
// when only its owner has, or when it cannot be looked at.
std::optional<std::string> mode_open_to_others(const std::filesystem::path& path);

// The same for a mode already read (fstat).
std::optional<std::string> mode_open_to_others(mode_t mode);

}  // namespace eventbot
