#include "actors/builds/transfer_window.hpp"

#include "events/wire_defaults.hpp"

namespace eventbot::builds {

std::filesystem::path on_master(const std::filesystem::path& master_dir, const std::string& path) {
  std::filesystem::path p = path;
  return p.is_relative() ? master_dir / p : p;
}

std::filesystem::path upload_temp_path(const std::filesystem::path& master_dir,
                                       const std::string& builder, std::uint32_t number,
                                       std::uint32_t step) {
  return master_dir / "tmp" /
         (builder + "-" + std::to_string(number) + "-" + std::to_string(step) + ".upload");
}

UploadEnd upload_end(const MasterTransfer& transfer, bool ok, bool directory,
                     const std::filesystem::path& master_dir) {
  UploadEnd end;
  if (!ok) return end;
  end.dest = on_master(master_dir, transfer.master_path);
  if (directory) return end;  // unpacked by tar already: only the archive goes
  end.action = UploadEnd::Action::move;
  end.mode = transfer.mode;
  return end;
}

std::uint64_t DownloadWindow::piece_bytes() const {
  return wire_defaults::kDownloadPieceBytes;
}

std::uint64_t DownloadWindow::sent(std::uint64_t bytes, bool eof) {
  ++seq_;
  in_flight_ += bytes;
  sizes_[seq_] = bytes;
  eof_ = eof;
  return seq_;
}

void DownloadWindow::acked(std::uint64_t seq) {
  for (auto it = sizes_.begin(); it != sizes_.end() && it->first <= seq;) {
    in_flight_ -= it->second;
    it = sizes_.erase(it);
  }
}

std::string take_piece(std::string& left, std::uint64_t max) {
  auto piece = left.substr(0, max);
  left.erase(0, piece.size());
  return piece;
}

}  // namespace eventbot::builds
