#include "actors/config/secrets.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "common/url_credentials.hpp"

namespace eventbot::config {
namespace {

bool is_secret_key(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<const char*, 5> kSecretWords = {"password", "token", "secret",
                                                              "passwd", "api_key"};
  if (key.find("hash") != std::string::npos) return true;  // hashes are credentials too
  for (const char* word : kSecretWords) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

// Hides every secret under `node`; tells whether there was one.
bool redact(YAML::Node node) {
  bool found = false;
  if (node.IsMap()) {
    for (auto entry : node) {
      if (entry.first.IsScalar() && is_secret_key(entry.first.Scalar()) &&
          !(entry.second.IsScalar() && entry.second.Scalar() == kRedactedValue)) {
        entry.second = std::string(kRedactedValue);
        found = true;
      } else {
        found = redact(entry.second) || found;
      }
    }
  } else if (node.IsSequence()) {
    for (auto item : node) found = redact(item) || found;
  } else if (node.IsScalar()) {
    std::string redacted = redact_url_credentials(node.Scalar());
    if (redacted != node.Scalar()) {
      node = redacted;
      found = true;
    }
  }
  return found;
}

}  // namespace

std::string redact_secrets(std::string_view yaml_text) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    redact(root);
    YAML::Emitter out;
    out << root;
    return out.c_str();
  } catch (const YAML::Exception&) {
    return "<not YAML>";
  }
}

bool holds_secrets(std::string_view yaml_text) {
  try {
    return redact(YAML::Load(std::string(yaml_text)));
  } catch (const YAML::Exception&) {
    return false;
  }
}

}  // namespace eventbot::config
