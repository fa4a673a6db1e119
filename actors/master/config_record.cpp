#include "actors/master/config_record.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>

#include "actors/config/config_loader.hpp"

namespace eventbot::master {
namespace {

bool is_secret_key(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  static constexpr std::array<const char*, 5> kSecretWords = {"password", "token", "secret",
                                                              "passwd", "api_key"};
  if (key.find("hash") != std::string::npos) return true;  // hashes are credentials too
  for (const char* word : kSecretWords) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

void redact(YAML::Node node) {
  if (node.IsMap()) {
    for (auto entry : node) {
      if (entry.first.IsScalar() && is_secret_key(entry.first.Scalar())) {
        entry.second = "<redacted>";
      } else {
        redact(entry.second);
      }
    }
  } else if (node.IsSequence()) {
    for (auto item : node) redact(item);
  }
}

}  // namespace

std::string redact_secrets(const std::string& yaml_text) {
  try {
    YAML::Node root = YAML::Load(yaml_text);
    redact(root);
    YAML::Emitter out;
    out << root;
    return out.c_str();
  } catch (const YAML::Exception&) {
    return "<not YAML>";
  }
}

events::ConfigLoaded config_loaded(const std::string& path, const std::string& yaml_text) {
  events::ConfigLoaded loaded;
  loaded.set_path(path);
  loaded.set_content_sha256(config::content_sha256(yaml_text));
  loaded.set_content(redact_secrets(yaml_text));
  return loaded;
}

}  // namespace eventbot::master
