#include "actors/config/config_loader.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "actors/config/read/sections.hpp"

namespace eventbot::config {

LoadResult load_config_string(std::string_view text, const std::string& display_name) {
  detail::ErrorList errors(display_name);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& error) {
    errors.add(error.mark, "", "YAML syntax error: " + error.msg);
    return unexpected(errors.sorted());
  }
  if (documents.size() > 1) {
    errors.add(documents[1].Mark(), "", "a second YAML document; master.yaml holds one");
  }
  detail::ReadContext context{errors};
  YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
  MasterConfig config;
  try {
    config = detail::read_master_config(detail::Value(context, root, "", root.Mark()));
  } catch (const YAML::Exception& error) {
    // yaml-cpp should not throw once the text has parsed; keep even that a reported error.
    errors.add(error.mark, "", std::string("cannot read the document: ") + error.what());
  }
  if (!errors.empty()) return unexpected(errors.sorted());
  return config;
}

LoadResult load_config_file(const std::filesystem::path& path) {
  auto cannot_read = [&](const std::string& why) -> LoadResult {
    ConfigError error{path.string(), 0, 0, "", "cannot read the file: " + why};
    return unexpected(std::vector<ConfigError>{error});
  };
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) return cannot_read("it is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) return cannot_read(std::strerror(errno));
  std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (file.bad()) return cannot_read(std::strerror(errno));
  return load_config_string(text, path.string());
}

std::string content_sha256(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace eventbot::config
