// libFuzzer target: loading master.yaml (actors/config/config_loader) from arbitrary
// bytes, and what the master does with a file it accepts: record it as a ConfigLoaded
// event with its secrets hidden. Loading must give a configuration or errors that say
// why, in bounded time and memory (alias bombs, cycles, deep nesting, text that is not
// UTF-8 are refused before the tree is walked); an accepted file must record as an
// event that parses back (protobuf refuses strings that are not UTF-8) and holds no
// URL credentials. Seeds: tests/fuzz/corpus/master_yaml/.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "actors/config/config_loader.hpp"
#include "actors/master/config_record.hpp"
#include "common/url_credentials.hpp"
#include "common/utf8.hpp"

namespace {

bool holds_no_url_credentials(const YAML::Node& node) {
  if (node.IsScalar()) return !eventbot::has_url_credentials(node.Scalar());
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!holds_no_url_credentials(item)) return false;
    }
  }
  if (node.IsMap()) {
    for (const auto& entry : node) {
      if (!holds_no_url_credentials(entry.second)) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = eventbot::config::load_config_string(text, "master.yaml");
  if (!loaded) {
    if (loaded.error().empty()) std::abort();  // a refusal always says why
    for (const auto& error : loaded.error()) {
      if (error.message.empty()) std::abort();
    }
    return 0;
  }
  if (!eventbot::is_valid_utf8(text)) std::abort();  // accepted text is UTF-8
  eventbot::events::Envelope event;
  *event.mutable_config_loaded() = eventbot::master::config_loaded("master.yaml", text);
  std::string bytes;
  if (!event.SerializeToString(&bytes)) std::abort();
  eventbot::events::Envelope back;
  if (!back.ParseFromString(bytes)) std::abort();  // the log must stay readable
  // No value of the recorded text holds URL credentials (read back as YAML: the emitter
  // may quote or escape a value, and map keys are names, not values).
  if (!holds_no_url_credentials(YAML::Load(back.config_loaded().content()))) std::abort();
  return 0;
}
