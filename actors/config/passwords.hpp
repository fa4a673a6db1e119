#pragma once
// The passwords master.yaml keeps elsewhere (`password_file`, `password_env`), read at
// start, at every reconfig and by checkconfig, and the warnings about how passwords are
// stored. Messages name the entry and the file or variable, never a password.
#include <filesystem>
#include <string>
#include <vector>

#include "actors/config/master_config.hpp"
#include "common/expected.hpp"

namespace eventbot::config {

// Fills `password` of each slave, sendchange source and web user whose password comes
// from a file (relative to `master_dir`) or the environment. Returns the warnings (a
// file others may read), or every problem (a missing, unreadable, empty or oversized
// file; an unset variable), one per line.
Expected<std::vector<std::string>, std::string> resolve_passwords(
    const std::filesystem::path& master_dir, MasterConfig& config);

// Entries stored in a weak form: old "sha256:" hashes (they log in by themselves: say
// how to upgrade) and web users whose only hash is argon2id (no command-line login).
std::vector<std::string> password_warnings(const MasterConfig& config);

}  // namespace eventbot::config
