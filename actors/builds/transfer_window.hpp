#pragma once
// The master's end of a transfer, without the file I/O. Pure (no I/O, no CAF, no clock):
// the build actor reads and writes the files; these say where, how much, and when.
//
// Downloads (file_download, string_download): the master sends the data in pieces of at
// most wire_defaults::kDownloadPieceBytes, numbered from 1, the last one marked eof, and
// keeps at most `window_bytes` unacknowledged (DownloadWindow); the slave acknowledges a
// seq once its command has taken every piece up to it.
//
// Uploads (file_upload, directory_upload): the slave's FILE_DATA goes to a temporary file
// under the master's tmp/ (upload_temp_path); at the command's end (upload_end) a
// failed upload is discarded, a file is moved into place (with its mode), and a
// directory's archive, already unpacked by tar, is discarded.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "actors/builds/steps/step_plan.hpp"

namespace eventbot::builds {

// A master path of a transfer: relative ones are relative to the master's directory.
std::filesystem::path on_master(const std::filesystem::path& master_dir, const std::string& path);

// Where an upload is written until it is complete.
std::filesystem::path upload_temp_path(const std::filesystem::path& master_dir,
                                       const std::string& builder, std::uint32_t number,
                                       std::uint32_t step);

struct UploadEnd {
  enum class Action {
    discard,  // remove the temporary file (failed, or a directory already unpacked)
    move,     // rename the temporary file to `dest`, then set `mode` if any
  };
  Action action = Action::discard;
  std::filesystem::path dest;  // the upload's destination (its parent is created)
  std::optional<std::uint32_t> mode;
};

// What to do with an upload's temporary file when its command ends (`ok`: it succeeded).
UploadEnd upload_end(const MasterTransfer& transfer, bool ok, bool directory,
                     const std::filesystem::path& master_dir);

// A download's pieces on their way to the slave.
class DownloadWindow {
 public:
  DownloadWindow() = default;  // no download: nothing to send
  explicit DownloadWindow(std::uint64_t window_bytes) : window_(window_bytes), open_(true) {}

  // Another piece may go now: the download is not complete and the window has room.
  bool may_send() const { return open_ && !eof_ && in_flight_ < window_; }
  // The largest piece to send next.
  std::uint64_t piece_bytes() const;
  // A piece of `bytes` goes out (`eof`: the last one): its seq.
  std::uint64_t sent(std::uint64_t bytes, bool eof);
  // The slave took every piece up to `seq`.
  void acked(std::uint64_t seq);

  bool eof() const { return eof_; }
  std::uint64_t in_flight() const { return in_flight_; }
  std::uint64_t last_seq() const { return seq_; }

 private:
  std::uint64_t window_ = 0;
  bool open_ = false;
  bool eof_ = false;
  std::uint64_t seq_ = 0;
  std::uint64_t in_flight_ = 0;
  std::map<std::uint64_t, std::uint64_t> sizes_;  // seq -> bytes, not yet acknowledged
};

// string_download: takes the next piece (at most `max` bytes) off what is left to send.
std::string take_piece(std::string& left, std::uint64_t max);

}  // namespace eventbot::builds
