// Collapsing: the 0.8.5 manual's compatibility rule for source stamps, per codebase, and
// the stamps a merged build builds.
#include "actors/builders/collapse.hpp"

#include <gtest/gtest.h>

#include "tests/builders/harness.hpp"

namespace eventbot::builders {
namespace {

using testing::stamp;

TEST(Collapse, SameBranchProjectRepositoryWithChangesMerge) {
  EXPECT_TRUE(can_be_merged(stamp("main", {1}), stamp("main", {2})));
}

TEST(Collapse, DifferentBranchProjectRepositoryOrCodebaseDoNot) {
  auto base = stamp("main", {1});
  EXPECT_FALSE(can_be_merged(base, stamp("release", {2})));
  EXPECT_FALSE(can_be_merged(base, stamp("main", {2}, "", "git://example/fork")));
  auto other_project = stamp("main", {2});
  other_project.set_project("other");
  EXPECT_FALSE(can_be_merged(base, other_project));
  auto other_codebase = stamp("main", {2});
  other_codebase.set_codebase("lib");
  EXPECT_FALSE(can_be_merged(base, other_codebase));
}

TEST(Collapse, APatchOnEitherSidePreventsMerging) {
  auto patched = stamp("main", {2});
  patched.set_patch("diff");
  EXPECT_FALSE(can_be_merged(stamp("main", {1}), patched));
  EXPECT_FALSE(can_be_merged(patched, stamp("main", {1})));
  auto patched_no_changes = stamp("main", {}, "abc");
  patched_no_changes.set_patch("diff");
  EXPECT_FALSE(can_be_merged(patched_no_changes, stamp("main", {}, "abc")));
}

TEST(Collapse, ChangesOnOneSideOnlyDoNotMerge) {
  EXPECT_FALSE(can_be_merged(stamp("main", {1}, "abc"), stamp("main", {}, "abc")));
  EXPECT_FALSE(can_be_merged(stamp("main", {}, "abc"), stamp("main", {1}, "abc")));
}

TEST(Collapse, WithoutChangesRevisionsMustMatch) {
  EXPECT_TRUE(can_be_merged(stamp("main", {}, "abc"), stamp("main", {}, "abc")));
  EXPECT_TRUE(can_be_merged(stamp("main", {}, ""), stamp("main", {}, "")));  // both the tip
  EXPECT_FALSE(can_be_merged(stamp("main", {}, "abc"), stamp("main", {}, "def")));
  EXPECT_FALSE(can_be_merged(stamp("main", {}, ""), stamp("main", {}, "def")));
}

TEST(Collapse, WithChangesRevisionsMayDiffer) {
  EXPECT_TRUE(can_be_merged(stamp("main", {1}, "abc"), stamp("main", {2}, "def")));
}

TEST(Collapse, MultiCodebaseListsMatchPerCodebaseInAnyOrder) {
  auto app = stamp("main", {1});
  app.set_codebase("app");
  auto lib = stamp("main", {2}, "", "git://example/lib");
  lib.set_codebase("lib");
  auto app2 = stamp("main", {3});
  app2.set_codebase("app");
  auto lib2 = stamp("main", {4}, "", "git://example/lib");
  lib2.set_codebase("lib");
  EXPECT_TRUE(can_be_merged(std::vector{app, lib}, std::vector{lib2, app2}));
  EXPECT_FALSE(can_be_merged(std::vector{app, lib}, std::vector{app2}));
  auto lib_release = lib2;
  lib_release.set_branch("release");
  EXPECT_FALSE(can_be_merged(std::vector{app, lib}, std::vector{app2, lib_release}));
  EXPECT_FALSE(can_be_merged(std::vector{app, app}, std::vector{app2, app2}));
}

TEST(Collapse, MergedStampsUniteChangesAndBuildTheNewestRevision) {
  auto merged = merge_sourcestamps(
      {{stamp("main", {5}, "e")}, {stamp("main", {9, 7}, "i")}, {stamp("main", {6}, "f")}});
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(
      std::vector<std::uint64_t>(merged[0].change_ids().begin(), merged[0].change_ids().end()),
      (std::vector<std::uint64_t>{5, 6, 7, 9}));
  EXPECT_EQ(merged[0].revision(), "i");
  EXPECT_EQ(merged[0].branch(), "main");
}

TEST(Collapse, MergedStampsWithoutChangesKeepTheRevision) {
  auto merged = merge_sourcestamps({{stamp("main", {}, "abc")}, {stamp("main", {}, "abc")}});
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].revision(), "abc");
  EXPECT_EQ(merged[0].change_ids_size(), 0);
  EXPECT_TRUE(merge_sourcestamps({}).empty());
}

}  // namespace
}  // namespace eventbot::builders
