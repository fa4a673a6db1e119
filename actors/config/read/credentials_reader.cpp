#include "actors/config/read/sections.hpp"
#include "actors/config/read/value_formats.hpp"

namespace eventbot::config::detail {

void read_credentials(const MapReader& map, std::string& password, std::string& password_hash) {
  Value clear = map.get("password");
  Value hashed = map.get("password_hash");
  if (clear.present() && hashed.present()) {
    hashed.error("give either \"password\" or \"password_hash\", not both");
    return;
  }
  if (!clear.present() && !hashed.present()) {
    map.self().error("missing \"password\" (or \"password_hash\")");
    return;
  }
  if (clear.present()) {
    if (auto text = clear.non_empty_string()) password = *text;
    return;
  }
  if (auto text = hashed.string()) {
    if (is_password_hash(*text)) {
      password_hash = *text;
    } else {
      hashed.error("must be \"sha256:\" and 64 hex digits, as `eventbot hash-password` prints");
    }
  }
}

}  // namespace eventbot::config::detail
