#include "actors/master/config_record.hpp"

#include "actors/config/config_loader.hpp"
#include "actors/config/secrets.hpp"

namespace eventbot::master {

events::ConfigLoaded config_loaded(const std::string& path, const std::string& yaml_text) {
  events::ConfigLoaded loaded;
  loaded.set_path(path);
  loaded.set_content(config::redact_secrets(yaml_text));
  // The digest of what is recorded: a digest of the clear text would confirm a guessed
  // password offline. Two files differing only in a secret record the same digest, and
  // the master then records the second one not at all.
  loaded.set_content_sha256(config::content_sha256(loaded.content()));
  return loaded;
}

}  // namespace eventbot::master
