// Transfers (Buildbot's buildslave/commands/transfer.py): upload_file streams a file as
// FILE_DATA outputs, upload_directory streams `tar -c` of a directory the same way,
// download_file writes the master's CommandData pieces to a temporary file that is
// renamed into place once the announced size has arrived complete.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <random>
#include <system_error>

#include "slave-agent/commands/command_support.hpp"

namespace eventbot::slave::commands {
namespace {

namespace fs = std::filesystem;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int release_and_close() {
    int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

std::string size_exceeded(const fs::path& path, std::uint64_t max_size) {
  return "maximum size exceeded: " + path.string() + " is larger than max_size " +
         std::to_string(max_size) + " bytes";
}

wire::CommandResult upload_file(Job& job, const wire::UploadFileArgs& args) {
  fs::path path = resolve(workdir_path(job.context(), args.workdir()), args.source());
  job.header("sending " + path.string());
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  int error = 0;
  if (fd.get() < 0) {
    error = errno;
  } else if (::fstat(fd.get(), &st) != 0) {
    error = errno;
  } else if (!S_ISREG(st.st_mode)) {
    error = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
  }
  if (error != 0) {
    job.stderr_text("Cannot open file '" + path.string() + "' for upload\n");
    return failed_result(1, "cannot open " + path.string() + " for upload: " + errno_text(error));
  }
  const std::uint64_t max_size = args.max_size();
  auto truncated = [&] {
    job.stderr_text("Maximum filesize reached, truncating file '" + path.string() + "'\n");
    return failed_result(1, size_exceeded(path, max_size));
  };
  // Known too large: fail before sending anything (Buildbot sends max_size bytes first).
  if (max_size != 0 && static_cast<std::uint64_t>(st.st_size) > max_size) return truncated();

  std::uint64_t sent = 0;
  std::string buffer;
  while (true) {
    if (job.interrupted()) {
      job.stderr_text("Upload of '" + path.string() + "' interrupted\n");
      return interrupted_result(job);
    }
    buffer.resize(job.context().chunk_bytes);
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      return failed_result(1, "read " + path.string() + ": " + errno_text(e));
    }
    if (n == 0) break;
    buffer.resize(static_cast<std::size_t>(n));
    if (max_size != 0 && sent + buffer.size() > max_size) {
      // The file grew while we sent it: send up to max_size, then fail, as Buildbot.
      buffer.resize(max_size - sent);
      if (!buffer.empty()) job.file_data(std::move(buffer));
      return truncated();
    }
    sent += buffer.size();
    job.file_data(std::move(buffer));
    buffer = std::string();
  }
  wire::CommandResult result = finished_result();
  (*result.mutable_values())["size"] = std::to_string(sent);
  if (args.keep_stamp()) {
    (*result.mutable_values())["atime"] = seconds_text(st.st_atim);
    (*result.mutable_values())["mtime"] = seconds_text(st.st_mtim);
  }
  return result;
}

wire::CommandResult upload_directory(Job& job, const wire::UploadDirectoryArgs& args) {
  fs::path path = resolve(workdir_path(job.context(), args.workdir()), args.source());
  job.header("sending " + path.string());
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    job.stderr_text("Cannot read directory '" + path.string() + "' for upload\n");
    return failed_result(1, "cannot upload " + path.string() + ": not a directory");
  }
  std::vector<std::string> argv = {"tar", "-c", "-f", "-"};
  if (args.compress_gz()) argv.push_back("-z");
  argv.insert(argv.end(), {"-C", path.string(), "."});

  const std::uint64_t max_size = args.max_size();
  std::uint64_t sent = 0;
  bool exceeded = false;
  ForwardingSink sink(job.output());
  // Called on the runner's delivery thread, one update at a time.
  sink.on_stdout = [&](std::string bytes) {
    if (exceeded) return;
    if (max_size != 0 && sent + bytes.size() > max_size) {
      exceeded = true;
      bytes.resize(max_size - sent);
      sent = max_size;
      if (!bytes.empty()) job.file_data(std::move(bytes));
      job.kill_current("maximum size exceeded");
      return;
    }
    sent += bytes.size();
    job.file_data(std::move(bytes));
  };
  Completion done = job.run(helper_spec(std::move(argv), path), sink);
  if (exceeded) {
    job.stderr_text("Maximum filesize reached, truncating directory '" + path.string() + "'\n");
    return failed_result(1, size_exceeded(path, max_size));
  }
  wire::CommandResult result = process_result(done, "tar");
  if (result.outcome() == wire::FINISHED) (*result.mutable_values())["size"] = std::to_string(sent);
  return result;
}

// A new file beside `dest` that nobody else uses: created with O_EXCL, mode 0666 less the
// umask (as open() does), so the final file gets the agent's usual permissions.
int create_temp_beside(const fs::path& dest, fs::path& temp) {
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp = dest.parent_path() /
           ("." + dest.filename().string() + ".eventbot-download-" + std::to_string(::getpid()) +
            "-" + std::to_string(counter++) + "-" + std::to_string(random() % 1000000));
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

wire::CommandResult download_file(Job& job, const wire::DownloadFileArgs& args) {
  fs::path path = resolve(workdir_path(job.context(), args.workdir()), args.dest());
  job.header("receiving " + path.string() + " (" + std::to_string(args.size()) + " bytes)");
  const std::uint64_t max_size = args.max_size();
  auto truncated = [&] {
    job.stderr_text("Maximum filesize reached, truncating file '" + path.string() + "'\n");
    return failed_result(1, size_exceeded(path, max_size));
  };
  if (max_size != 0 && args.size() > max_size) return truncated();

  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  fs::path temp;
  Fd fd(create_temp_beside(path, temp));
  if (fd.get() < 0) {
    int e = errno;
    job.stderr_text("Cannot open file '" + path.string() + "' for download\n");
    return failed_result(1, "cannot create a file beside " + path.string() + ": " + errno_text(e));
  }
  // Whatever happens before the rename, the temporary file goes.
  struct Cleanup {
    const fs::path& temp;
    bool armed = true;
    ~Cleanup() {
      if (armed) ::unlink(temp.c_str());
    }
  } cleanup{temp};

  std::uint64_t received = 0;
  while (true) {
    std::optional<Job::Piece> piece = job.next_piece();
    if (!piece) {
      job.stderr_text("Download of '" + path.string() + "' interrupted\n");
      return interrupted_result(job);
    }
    received += piece->bytes.size();
    if (max_size != 0 && received > max_size) return truncated();
    if (received > args.size()) {
      return failed_result(1, "received more than the announced " + std::to_string(args.size()) +
                                  " bytes for " + path.string());
    }
    if (!write_all(fd.get(), piece->bytes)) {
      int e = errno;
      return failed_result(1, "write " + temp.string() + ": " + errno_text(e));
    }
    job.piece_done();
    if (piece->eof) break;
  }
  if (received != args.size()) {
    return failed_result(1, "size mismatch for " + path.string() + ": received " +
                                std::to_string(received) + " bytes, expected " +
                                std::to_string(args.size()));
  }
  if (args.mode() != 0 && ::fchmod(fd.get(), static_cast<mode_t>(args.mode() & 07777)) != 0) {
    int e = errno;
    return failed_result(1, "chmod " + temp.string() + ": " + errno_text(e));
  }
  if (fd.release_and_close() != 0) {
    int e = errno;
    return failed_result(1, "close " + temp.string() + ": " + errno_text(e));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int e = errno;
    return failed_result(1, "rename to " + path.string() + ": " + errno_text(e));
  }
  cleanup.armed = false;
  wire::CommandResult result = finished_result();
  (*result.mutable_values())["size"] = std::to_string(received);
  return result;
}

}  // namespace

std::unique_ptr<Command> make_transfer_command(const wire::StartCommand& start,
                                               const CommandContext& context, CommandOutput& output,
                                               std::string& error) {
  ThreadedCommand::Body body;
  switch (start.args_case()) {
    case wire::StartCommand::kUploadFile: {
      const auto& args = start.upload_file();
      if (args.source().empty()) {
        error = "upload_file: no source given";
        return nullptr;
      }
      body = [args](Job& job) { return upload_file(job, args); };
      break;
    }
    case wire::StartCommand::kUploadDirectory: {
      const auto& args = start.upload_directory();
      if (args.source().empty()) {
        error = "upload_directory: no source given";
        return nullptr;
      }
      body = [args](Job& job) { return upload_directory(job, args); };
      break;
    }
    case wire::StartCommand::kDownloadFile: {
      const auto& args = start.download_file();
      if (args.dest().empty()) {
        error = "download_file: no dest given";
        return nullptr;
      }
      body = [args](Job& job) { return download_file(job, args); };
      break;
    }
    default:
      error = "not a transfer command";
      return nullptr;
  }
  return std::make_unique<ThreadedCommand>(context, output, std::move(body));
}

}  // namespace eventbot::slave::commands
