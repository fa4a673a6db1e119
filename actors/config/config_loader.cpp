#include "actors/config/config_loader.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "actors/config/read/document_checks.hpp"
#include "actors/config/read/sections.hpp"
#include "actors/config/secrets.hpp"

namespace eventbot::config {

LoadResult load_config_string(std::string_view text, const std::string& display_name) {
  detail::ErrorList errors(display_name);
  if (text.size() > kMaxConfigBytes) {
    errors.add(YAML::Mark::null_mark(), "",
               "the text is " + std::to_string(text.size()) +
                   " bytes; master.yaml may hold at most " + std::to_string(kMaxConfigBytes));
    return unexpected(errors.sorted());
  }
  // Before yaml-cpp sees the text: it would keep bad bytes, and build an alias bomb.
  if (!detail::check_utf8(text, errors) || !detail::check_document_shape(text, errors)) {
    return unexpected(errors.sorted());
  }
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
  if (errors.empty()) {
    // What ConfigLoaded records (secrets redacted, written out again by yaml-cpp) must
    // load again, or replay could not show this configuration: yaml-cpp's emitter writes
    // some documents its parser refuses (found by the master.yaml fuzzer).
    try {
      (void)YAML::Load(redact_secrets(text));
    } catch (const YAML::Exception& error) {
      errors.add(YAML::Mark::null_mark(), "",
                 "cannot be recorded: yaml-cpp does not read back what it writes for this "
                 "document (" +
                     error.msg + "; a key longer than 1024 characters?)");
    }
  }
  if (!errors.empty()) return unexpected(errors.sorted());
  return config;
}

namespace {

// What a file that is not a regular one is, for the refusal.
std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Expected<std::string, ConfigError> read_config_text(const std::filesystem::path& path) {
  auto cannot_read = [&](const std::string& why) {
    return unexpected(ConfigError{path.string(), 0, 0, "", "cannot read the file: " + why});
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked on the
  // open file, so nothing can swap the file between the check and the read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return cannot_read(std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) return cannot_read(std::strerror(errno));
  if (!S_ISREG(info.st_mode)) {
    return cannot_read("it is " + kind_of(info.st_mode) + ", not a regular file");
  }
  auto too_big = [&] {
    return cannot_read("it is bigger than " + std::to_string(kMaxConfigBytes) +
                       " bytes, the most master.yaml may hold");
  };
  if (static_cast<std::uintmax_t>(info.st_size) > kMaxConfigBytes) return too_big();
  // Read at most one byte past the cap: the file may grow while it is read.
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return cannot_read(std::strerror(errno));
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigBytes) return too_big();
  }
  return text;
}

LoadResult load_config_file(const std::filesystem::path& path) {
  auto text = read_config_text(path);
  if (!text) return unexpected(std::vector<ConfigError>{text.error()});
  return load_config_string(*text, path.string());
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
