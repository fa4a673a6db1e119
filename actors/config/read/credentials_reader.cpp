#include "actors/auth/credentials.hpp"
#include "actors/config/read/sections.hpp"

namespace eventbot::config::detail {

void read_credentials(const MapReader& map, std::string& password, std::string& password_hash,
                      PasswordSource& from, bool web_user) {
  const Value* given = nullptr;
  std::vector<Value> values;
  for (const auto& key : kCredentialKeys) values.push_back(map.get(key));
  for (const Value& value : values) {
    if (!value.present()) continue;
    if (given) {
      value.error(R"(give one of "password", "password_hash", "password_file" and )"
                  R"("password_env", not several)");
      return;
    }
    given = &value;
  }
  if (!given) {
    map.self().error(R"(missing "password" (or "password_hash", "password_file", "password_env"))");
    return;
  }
  const Value& clear = values[0];
  const Value& hashed = values[1];
  if (clear.present()) {
    if (auto text = clear.non_empty_string()) password = *text;
  } else if (hashed.present()) {
    if (auto text = hashed.string()) {
      auto kind = auth::hash_kind(*text);
      if (kind == auth::HashKind::scram || kind == auth::HashKind::sha256 ||
          (web_user && kind == auth::HashKind::argon2id)) {
        password_hash = *text;
      } else {
        hashed.error(
            web_user
                ? "must be what `eventbot hash-password --web NAME` prints (\"$argon2id$...\"), "
                  "or a \"SCRAM-SHA-256$...\" or older \"sha256:...\" hash"
                : "must be what `eventbot hash-password NAME` prints "
                  "(\"SCRAM-SHA-256$...\"), or an older \"sha256:\" and 64 hex digits");
      }
    }
  } else if (values[2].present()) {
    if (auto text = values[2].non_empty_string()) from.file = *text;
  } else if (auto name = values[3].non_empty_string()) {
    from.env = *name;
  }
}

}  // namespace eventbot::config::detail
