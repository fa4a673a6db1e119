#include "common/utf8.hpp"

#include <gtest/gtest.h>

namespace eventbot {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8, AcceptsAsciiAndEveryWellFormedLength) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));       // U+00E9
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));      // U+20AC
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last
  EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
}

TEST(Utf8, NamesTheOffsetOfTheFirstBadByte) {
  EXPECT_EQ(first_invalid_utf8("abc\xFF"
                               "def"),
            3u);
  EXPECT_EQ(first_invalid_utf8("\xC3\xA9\xC3"), 2u);      // truncated at the end
  EXPECT_EQ(first_invalid_utf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(first_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong, three bytes
  EXPECT_EQ(first_invalid_utf8("x\xED\xA0\x80"), 1u);     // a surrogate
  EXPECT_EQ(first_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("\x80"), 0u);              // a lone continuation byte
}

TEST(Utf8, ReplacesEachMaximalBadSubpartOnce) {
  EXPECT_EQ(to_valid_utf8("ok"), "ok");
  EXPECT_EQ(to_valid_utf8("a\xFF"
                          "b"),
            "a" + kReplacement + "b");
  // A truncated three-byte sequence is one maximal subpart: one replacement.
  EXPECT_EQ(to_valid_utf8("a\xE2\x82"
                          "b"),
            "a" + kReplacement + "b");
  // Two lone continuation bytes are two subparts.
  EXPECT_EQ(to_valid_utf8("\x80\x80"), kReplacement + kReplacement);
  // The byte that ends a subpart starts the next sequence when it can.
  EXPECT_EQ(to_valid_utf8("\xE2\x82\xC3\xA9"), kReplacement + "\xC3\xA9");
}

TEST(Utf8, EveryByteStringBecomesValid) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (std::size_t start = 0; start < all.size(); start += 7) {
    const auto fixed = to_valid_utf8(std::string_view(all).substr(start));
    EXPECT_TRUE(is_valid_utf8(fixed)) << "from byte " << start;
  }
}

}  // namespace
}  // namespace eventbot
