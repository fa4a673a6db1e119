#include "common/bounded_text.hpp"

#include <gtest/gtest.h>

#include "common/utf8.hpp"

namespace eventbot {
namespace {

TEST(BoundedText, ShortValidTextIsKeptAsIs) {
  EXPECT_EQ(bounded_utf8("host one\nsecond line", 100), "host one\nsecond line");
  EXPECT_EQ(printable_text("s1", 64), "s1");
}

TEST(BoundedText, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(bounded_utf8("a\xFF"
                         "b",
                         100),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_TRUE(is_valid_utf8(printable_text("\xC0\xAF\xED\xA0\x80", 64)));
}

TEST(BoundedText, AHugeTextIsCutAtACharacterBoundaryAndSaysItsSize) {
  std::string huge;
  for (int i = 0; i < 300'000; ++i) huge += "\xC3\xA9";  // 600 000 bytes of U+00E9
  const std::string marker = " [... truncated, 600000 bytes in all]";
  auto cut = bounded_utf8(huge, 100 + marker.size() + 1);
  EXPECT_TRUE(is_valid_utf8(cut));
  EXPECT_LE(cut.size(), 100 + marker.size() + 1);
  EXPECT_EQ(cut.substr(0, 100), huge.substr(0, 100)) << "100 bytes: 50 whole characters";
  EXPECT_EQ(cut.substr(100), marker);
  // A bound smaller than the marker still holds.
  EXPECT_EQ(bounded_utf8(huge, 10), marker.substr(0, 10));
}

TEST(BoundedText, PrintableEscapesControlsSoANameCannotForgeALogLine) {
  auto shown = printable_text("evil\n[error] forged\x1b[31m\x7f", 64);
  EXPECT_EQ(shown, "evil\\n[error] forged\\x1b[31m\\x7f");
  EXPECT_EQ(shown.find('\n'), std::string::npos);
  // Escapes count against the bound too.
  auto controls = printable_text(std::string(1'000'000, '\x01'), 64);
  EXPECT_LE(controls.size(), 64u);
  EXPECT_NE(controls.find(" [... truncated, 1000000 bytes in all]"), std::string::npos) << controls;
}

}  // namespace
}  // namespace eventbot
