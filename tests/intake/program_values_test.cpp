// What a program supplies (the git poller's commit data) is made fit, never refused: text
// that is not UTF-8 gets U+FFFD, text over its limit is cut at a character boundary with
// a marker, a file list over its limit keeps its first files and says how many more.
#include "actors/intake/program_values.hpp"

#include <gtest/gtest.h>

#include "actors/intake/limits.hpp"
#include "actors/intake/text.hpp"
#include "actors/intake/user_values.hpp"
#include "common/utf8.hpp"

namespace eventbot::intake {
namespace {

TEST(BoundedText, CutsAtACharacterBoundaryWithAMarker) {
  const TextLimit limit{"x", 40};
  EXPECT_EQ(bounded_text(limit, "short"), "short");
  EXPECT_EQ(bounded_text(limit, "caf\xE9"), "caf\xEF\xBF\xBD");
  std::string euros;
  for (int i = 0; i < 30; ++i) euros += "\xE2\x82\xAC";  // 90 bytes of 3-byte characters
  const auto cut = bounded_text(limit, euros);
  EXPECT_LE(cut.size(), 40u);
  EXPECT_TRUE(is_valid_utf8(cut)) << cut;
  EXPECT_NE(cut.find(" [... truncated, 90 bytes in all]"), std::string::npos) << cut;
  EXPECT_TRUE(cut.starts_with("\xE2\x82\xAC"));
}

TEST(ProgramChange, HugeAndBrokenCommitDataIsCutNotDropped) {
  events::ChangeAdded change;
  change.set_who("J\xF6rg <joerg@example.org>");
  change.set_branch(std::string(30'000, 'b'));
  change.set_revision("0123456789abcdef0123456789abcdef01234567");
  change.set_comments(std::string(1'000'000, 'c') + "\xFF");
  for (std::size_t i = 0; i < kMaxFiles + 5; ++i) change.add_files("f" + std::to_string(i));
  change.add_files(std::string(10'000, 'p'));
  bound_program_change(change);

  EXPECT_EQ(change.who(), "J\xEF\xBF\xBDrg <joerg@example.org>");
  EXPECT_EQ(change.branch().size(), kBranch.max_bytes);
  EXPECT_NE(change.branch().find(" [... truncated, 30000 bytes in all]"), std::string::npos);
  EXPECT_EQ(change.revision(), "0123456789abcdef0123456789abcdef01234567");
  EXPECT_LE(change.comments().size(), kComments.max_bytes);
  EXPECT_TRUE(change.comments().ends_with("[... and 6 more files, not listed]"))
      << change.comments().substr(change.comments().size() - 100);
  EXPECT_NE(change.comments().find("[... truncated, 1000001 bytes in all]"), std::string::npos);
  ASSERT_EQ(static_cast<std::size_t>(change.files_size()), kMaxFiles);
  EXPECT_EQ(change.files(0), "f0");
  // What it becomes is what a user could have sent: it passes the user-side text check.
  EXPECT_TRUE(check_change_text(change)) << check_change_text(change).error();
}

}  // namespace
}  // namespace eventbot::intake
