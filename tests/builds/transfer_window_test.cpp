// The master's end of transfers without the files (transfer_window.hpp): paths, what an
// upload's end does, and the download window (pieces, seqs, acks, eof).
#include "actors/builds/transfer_window.hpp"

#include <gtest/gtest.h>

#include "events/wire_defaults.hpp"

namespace eventbot::builds {
namespace {

TEST(TransferWindow, MasterPathsAreUnderTheMastersDirectoryUnlessAbsolute) {
  EXPECT_EQ(on_master("/srv/master", "dist/app.tgz"),
            std::filesystem::path("/srv/master/dist/app.tgz"));
  EXPECT_EQ(on_master("/srv/master", "/tmp/app.tgz"), std::filesystem::path("/tmp/app.tgz"));
  EXPECT_EQ(upload_temp_path("/srv/master", "linux", 7, 2),
            std::filesystem::path("/srv/master/tmp/linux-7-2.upload"));
}

TEST(TransferWindow, AnUploadThatSucceededIsMovedIntoPlaceWithItsMode) {
  MasterTransfer transfer;
  transfer.master_path = "out/app.tgz";
  transfer.mode = 0644;
  auto end = upload_end(transfer, true, false, "/m");
  EXPECT_EQ(end.action, UploadEnd::Action::move);
  EXPECT_EQ(end.dest, std::filesystem::path("/m/out/app.tgz"));
  EXPECT_EQ(end.mode, std::optional<std::uint32_t>(0644));
}

TEST(TransferWindow, AFailedUploadOrAnUnpackedDirectoryLeavesOnlyItsTemporaryFileToRemove) {
  MasterTransfer transfer;
  transfer.master_path = "out";
  transfer.mode = 0600;
  auto failed = upload_end(transfer, false, false, "/m");
  EXPECT_EQ(failed.action, UploadEnd::Action::discard);
  EXPECT_TRUE(failed.dest.empty());  // nothing is created for it
  auto directory = upload_end(transfer, true, true, "/m");
  EXPECT_EQ(directory.action, UploadEnd::Action::discard);
  EXPECT_EQ(directory.dest, std::filesystem::path("/m/out"));
}

TEST(TransferWindow, NoDownloadSendsNothing) {
  DownloadWindow none;
  EXPECT_FALSE(none.may_send());
}

TEST(TransferWindow, PiecesGoOutWhileTheWindowHasRoomAndAcksReopenIt) {
  DownloadWindow window(100);
  ASSERT_TRUE(window.may_send());
  EXPECT_EQ(window.piece_bytes(), wire_defaults::kDownloadPieceBytes);
  EXPECT_EQ(window.sent(60, false), 1u);
  EXPECT_TRUE(window.may_send());  // 60 in flight < 100
  EXPECT_EQ(window.sent(60, false), 2u);
  EXPECT_EQ(window.in_flight(), 120u);
  EXPECT_FALSE(window.may_send());
  window.acked(1);
  EXPECT_EQ(window.in_flight(), 60u);
  EXPECT_TRUE(window.may_send());
  window.acked(1);  // again: nothing more
  EXPECT_EQ(window.in_flight(), 60u);
  EXPECT_EQ(window.sent(10, true), 3u);
  EXPECT_TRUE(window.eof());
  EXPECT_FALSE(window.may_send());  // the last piece went
  window.acked(3);                  // acknowledges 2 and 3 at once
  EXPECT_EQ(window.in_flight(), 0u);
  EXPECT_FALSE(window.may_send());
  EXPECT_EQ(window.last_seq(), 3u);
}

TEST(TransferWindow, AStringDownloadIsTakenInPiecesUntilNothingIsLeft) {
  std::string left = "abcdefg";
  EXPECT_EQ(take_piece(left, 3), "abc");
  EXPECT_EQ(take_piece(left, 3), "def");
  EXPECT_EQ(take_piece(left, 3), "g");
  EXPECT_TRUE(left.empty());
  EXPECT_EQ(take_piece(left, 3), "");
}

}  // namespace
}  // namespace eventbot::builds
