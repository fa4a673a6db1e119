#pragma once
// The web pages' files (gateway/web/static/), compiled into the master by
// cmake/EmbedFiles.cmake: each with its path under static/, its bytes and their SHA-256.
#include <span>
#include <string_view>

namespace eventbot::gateway::web {

struct EmbeddedFile {
  std::string_view path;  // "index.html", "js/app.js", ...
  std::string_view bytes;
  std::string_view sha256;  // hex
};

// Defined in the generated embedded_files.cpp.
std::span<const EmbeddedFile> embedded_files();

}  // namespace eventbot::gateway::web
