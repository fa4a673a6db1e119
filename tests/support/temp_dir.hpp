#pragma once
// A fresh directory under the system temp dir, removed with everything in it at the
// end of its scope. Tests never share or reuse paths.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace eventbot::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "eventbot-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace eventbot::testing
