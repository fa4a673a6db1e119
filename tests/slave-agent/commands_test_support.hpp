#pragma once
// What the command tests share: a CommandOutput that records (or hashes) what a command
// reports and waits for its completion with a deadline, and small file helpers.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>

#include "slave-agent/commands/command.hpp"

namespace eventbot::slave::test {

// A streaming SHA-256 (OpenSSL EVP), hex-encoded.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void update(std::string_view bytes) { EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &size);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < size; ++i) {
      out += digits[digest[i] >> 4];
      out += digits[digest[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

inline std::string sha256_of_file(const std::filesystem::path& path) {
  Sha256 hash;
  std::ifstream in(path, std::ios::binary);
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  return hash.hex();
}

// Records what a command reports. FILE_DATA is hashed and counted, and kept only if
// keep_file_data. on_output (optional) runs first on the command's thread, and may block.
class RecordingOutput : public CommandOutput {
 public:
  bool keep_file_data = true;
  std::function<void(wire::OutputKind, const std::string&)> on_output;

  void output(wire::OutputKind kind, const std::string& log_name, std::string data) override {
    if (on_output) on_output(kind, data);
    std::lock_guard lock(mutex_);
    EXPECT_FALSE(result_.has_value()) << "output after complete";
    max_size_[kind] = std::max(max_size_[kind], data.size());
    ++count_[kind];
    if (kind == wire::FILE_DATA) {
      file_hash_.update(data);
      file_bytes_ += data.size();
      if (keep_file_data) file_data_ += data;
    } else if (kind == wire::LOGFILE) {
      logs_[log_name] += data;
    } else {
      text_[kind] += data;
    }
  }

  void complete(wire::CommandResult result) override {
    {
      std::lock_guard lock(mutex_);
      EXPECT_FALSE(result_.has_value()) << "complete() called twice";
      result_ = std::move(result);
    }
    cv_.notify_all();
  }

  // Waits for complete(); the result, or nullopt at the deadline.
  std::optional<wire::CommandResult> wait(
      std::chrono::milliseconds deadline = std::chrono::seconds(60)) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, deadline, [this] { return result_.has_value(); });
    return result_;
  }
  bool done() const {
    std::lock_guard lock(mutex_);
    return result_.has_value();
  }

  std::string text(wire::OutputKind kind) const {
    std::lock_guard lock(mutex_);
    auto found = text_.find(kind);
    return found == text_.end() ? "" : found->second;
  }
  std::string header() const { return text(wire::HEADER); }
  std::string out() const { return text(wire::STDOUT); }
  std::string err() const { return text(wire::STDERR); }
  std::string log(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto found = logs_.find(name);
    return found == logs_.end() ? "" : found->second;
  }
  std::string file_data() const {
    std::lock_guard lock(mutex_);
    return file_data_;
  }
  std::size_t file_bytes() const {
    std::lock_guard lock(mutex_);
    return file_bytes_;
  }
  std::string file_sha256() {
    std::lock_guard lock(mutex_);
    return file_hash_.hex();
  }
  std::size_t count(wire::OutputKind kind) const {
    std::lock_guard lock(mutex_);
    auto found = count_.find(kind);
    return found == count_.end() ? 0 : found->second;
  }
  std::size_t max_size(wire::OutputKind kind) const {
    std::lock_guard lock(mutex_);
    auto found = max_size_.find(kind);
    return found == max_size_.end() ? 0 : found->second;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<int, std::string> text_;
  std::map<std::string, std::string> logs_;
  std::map<int, std::size_t> count_;
  std::map<int, std::size_t> max_size_;
  std::string file_data_;
  std::size_t file_bytes_ = 0;
  Sha256 file_hash_;
  std::optional<wire::CommandResult> result_;
};

// make_command that must succeed.
inline std::unique_ptr<Command> must_make(const wire::StartCommand& start,
                                          const CommandContext& context, CommandOutput& output) {
  std::string error;
  auto command = make_command(start, context, output, error);
  EXPECT_NE(command, nullptr) << error;
  return command;
}

// Runs a command to its end; the result (a default FAILED result with reason "no
// completion" if it does not complete within the deadline).
inline wire::CommandResult run_command(
    const wire::StartCommand& start, const CommandContext& context, RecordingOutput& output,
    std::chrono::milliseconds deadline = std::chrono::seconds(60)) {
  auto command = must_make(start, context, output);
  if (!command) {
    wire::CommandResult failed;
    failed.set_outcome(wire::FAILED);
    failed.set_failure_reason("make_command failed");
    return failed;
  }
  command->start();
  auto result = output.wait(deadline);
  if (!result) {
    wire::CommandResult failed;
    failed.set_outcome(wire::FAILED);
    failed.set_failure_reason("no completion");
    return failed;
  }
  return *result;
}

inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// True if a process with this pid exists and is not a zombie.
inline bool process_alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

}  // namespace eventbot::slave::test
