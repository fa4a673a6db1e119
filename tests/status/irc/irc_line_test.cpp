// IRC's line format: what the bot reads from the server and what it sends.
#include "actors/status/irc/irc_line.hpp"

#include <gtest/gtest.h>

namespace eventbot::status::irc {
namespace {

TEST(IrcLine, ParsesPrefixCommandMiddleAndTrailingParameters) {
  auto line = parse_line(":alice!a@example.org PRIVMSG #builds :eventbot: status all\r");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->prefix, "alice!a@example.org");
  EXPECT_EQ(line->command, "PRIVMSG");
  EXPECT_EQ(line->params, (std::vector<std::string>{"#builds", "eventbot: status all"}));
  EXPECT_EQ(nick_of(line->prefix), "alice");

  auto ping = parse_line("ping :irc.example.org");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->prefix, "");
  EXPECT_EQ(ping->command, "PING") << "commands are upper-cased";
  EXPECT_EQ(ping->params, (std::vector<std::string>{"irc.example.org"}));

  auto welcome = parse_line(":server 001 eventbot :Welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->command, "001");
  EXPECT_EQ(welcome->params, (std::vector<std::string>{"eventbot", "Welcome"}));
}

TEST(IrcLine, RefusesWhatIsNotAMessage) {
  EXPECT_FALSE(parse_line(""));
  EXPECT_FALSE(parse_line(":only.a.prefix"));
  EXPECT_FALSE(parse_line(": PRIVMSG x :y")) << "an empty prefix";
  EXPECT_FALSE(parse_line("12 x")) << "a numeric reply has three digits";
  EXPECT_FALSE(parse_line("PRIV-MSG x"));
}

TEST(IrcLine, TheFifteenthParameterTakesTheRestOfTheLine) {
  std::string text = "CMD";
  for (int i = 1; i <= 16; ++i) text += " p" + std::to_string(i);
  auto line = parse_line(text);
  ASSERT_TRUE(line);
  ASSERT_EQ(line->params.size(), 15u);
  EXPECT_EQ(line->params.back(), "p15 p16");
}

TEST(IrcLine, FormatsTheTrailingParameterOnlyWhenItMustAndRemovesLineBreaks) {
  EXPECT_EQ(format_line("JOIN", {"#builds"}), "JOIN #builds\r\n");
  EXPECT_EQ(format_line("PRIVMSG", {"#builds", "build #3 of runtests started"}),
            "PRIVMSG #builds :build #3 of runtests started\r\n");
  EXPECT_EQ(format_line("PRIVMSG", {"bob", ":)"}), "PRIVMSG bob ::)\r\n");
  EXPECT_EQ(format_line("PRIVMSG", {"bob", "one\r\nQUIT :bye"}), "PRIVMSG bob :one  QUIT :bye\r\n")
      << "a text with a line break must not become a second command";
}

TEST(IrcLine, ALongLineIsCutToTheLimitAtACharactersStart) {
  const std::string text(600, 'x');
  auto line = format_line("PRIVMSG", {"#b", text});
  EXPECT_EQ(line.size(), kMaxLineBytes);
  EXPECT_TRUE(line.ends_with("\r\n"));
  // "é" is two bytes: a cut between them keeps neither.
  EXPECT_EQ(cut_utf8("ab\xc3\xa9", 3), "ab");
  EXPECT_EQ(cut_utf8("ab\xc3\xa9", 4), "ab\xc3\xa9");
}

TEST(IrcLine, NamesCompareWithoutCaseAsRfc1459Says) {
  EXPECT_TRUE(same_name("EventBot", "eventbot"));
  EXPECT_TRUE(same_name("bot[1]", "BOT{1}"));
  EXPECT_FALSE(same_name("bot", "bots"));
  EXPECT_TRUE(is_channel("#builds"));
  EXPECT_TRUE(is_channel("&local"));
  EXPECT_FALSE(is_channel("alice"));
}

}  // namespace
}  // namespace eventbot::status::irc
