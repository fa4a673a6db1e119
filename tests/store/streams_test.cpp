// Stream names: every name is made by events/streams.hpp, and any builder or slave name
// must survive the trip into a stream name and back.
#include "events/streams.hpp"

#include <gtest/gtest.h>

#include <string>

namespace eventbot::streams {
namespace {

using namespace std::string_literals;

TEST(StreamNames, FollowTheKindSlashPartsScheme) {
  EXPECT_EQ(changes(), "changes");
  EXPECT_EQ(config(), "config");
  EXPECT_EQ(change_source("gitpoller"), "changesource/gitpoller");
  EXPECT_EQ(scheduler("nightly"), "scheduler/nightly");
  EXPECT_EQ(buildset(12), "buildset/12");
  EXPECT_EQ(build_request(42), "buildrequest/42");
  EXPECT_EQ(builder("runtests"), "builder/runtests");
  EXPECT_EQ(build("runtests", 7), "build/runtests/7");
  EXPECT_EQ(log("runtests", 7, 3, "stdio"), "log/runtests/7/3/stdio");
  EXPECT_EQ(slave("linux-1"), "slave/linux-1");
  EXPECT_EQ(master("m1"), "master/m1");
}

TEST(StreamNames, PartsWithSlashPercentOrControlCharsAreEscaped) {
  EXPECT_EQ(build("a/b", 1), "build/a%2Fb/1");
  EXPECT_EQ(builder("50%"), "builder/50%25");
  EXPECT_EQ(slave("x\ny"), "slave/x%0Ay");
  EXPECT_EQ(slave("nul\0here"s), "slave/nul%00here");
  EXPECT_EQ(slave("del\x7f"), "slave/del%7F");
  // Ordinary and non-ASCII bytes are left alone.
  EXPECT_EQ(slave("linux-1.example_com:2"), "slave/linux-1.example_com:2");
  EXPECT_EQ(slave("b\xc3\xa4r"), "slave/b\xc3\xa4r");
}

TEST(StreamNames, EveryByteRoundTripsThroughEncodeAndDecode) {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes += static_cast<char>(c);
  auto encoded = encode_part(all_bytes);
  EXPECT_EQ(encoded.find('/'), std::string::npos);
  EXPECT_EQ(encoded.find('\0'), std::string::npos);
  for (unsigned char c : encoded) EXPECT_GE(c, 0x20) << "control char left in " << encoded;
  EXPECT_EQ(decode_part(encoded), all_bytes);

  for (const auto& part : {"%"s, "%%"s, "%2F"s, "%41"s, "/"s, "a/b/c"s, "\0"s, "\0\0"s,
                           "tab\there"s, "trailing%"s, "%4"s, ""s}) {
    EXPECT_EQ(decode_part(encode_part(part)), part) << "part " << encode_part(part);
  }
}

TEST(StreamNames, DecodeLeavesMalformedEscapesAsTheyAre) {
  EXPECT_EQ(decode_part("100%"), "100%");
  EXPECT_EQ(decode_part("%4"), "%4");
  EXPECT_EQ(decode_part("%zz"), "%zz");
  EXPECT_EQ(decode_part("%2f"), "/");  // lower-case hex is accepted
}

TEST(StreamNames, KindOfIsTheTextBeforeTheFirstSlash) {
  EXPECT_EQ(kind_of(changes()), "changes");
  EXPECT_EQ(kind_of(build("a/b", 7)), "build");
  EXPECT_EQ(kind_of(log("x", 1, 2, "stdio")), "log");
  EXPECT_EQ(kind_of(""), "");
}

TEST(StreamNames, PartsOfDecodesEachPartAfterTheKind) {
  using Parts = std::vector<std::string>;
  EXPECT_EQ(parts_of(changes()), Parts{});
  EXPECT_EQ(parts_of(build("runtests", 7)), (Parts{"runtests", "7"}));
  EXPECT_EQ(parts_of(build("a/b%c\0d"s, 12)), (Parts{"a/b%c\0d"s, "12"}));
  EXPECT_EQ(parts_of(log("x/y", 3, 4, "std/io\n")), (Parts{"x/y", "3", "4", "std/io\n"}));
  EXPECT_EQ(parts_of(slave("")), Parts{""});
}

}  // namespace
}  // namespace eventbot::streams
