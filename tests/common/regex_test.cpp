// Regular expressions through RE2 (common/regex.hpp): Python's three ways of matching,
// groups, the refusals of what RE2 leaves out (with a hint), and texts long enough to
// overflow the stack of a backtracking engine.
#include "common/regex.hpp"

#include <gtest/gtest.h>

#include <string>

namespace eventbot {
namespace {

TEST(Regex, MatchesAsPythonsMatchSearchAndFullmatch) {
  auto re = Regex::compile("deve");
  ASSERT_TRUE(re.has_value()) << re.error();
  EXPECT_TRUE(re->match_prefix("devel"));
  EXPECT_FALSE(re->match_prefix("mydevel"));  // re.match: anchored at the start only
  EXPECT_TRUE(re->search("mydevel"));
  EXPECT_FALSE(re->full_match("devel"));
  EXPECT_TRUE(re->full_match("deve"));
  // $ is the end of the text, not before a final newline as in Python.
  EXPECT_FALSE(Regex::compile("^[a-z]*$")->match_prefix("abc\n"));
}

TEST(Regex, GroupsByNumberAndName) {
  auto re = Regex::compile(R"((?P<tag>v[0-9.]+)-(\d+)-g(?<sha>[0-9a-f]+)|(unused))");
  ASSERT_TRUE(re.has_value()) << re.error();
  EXPECT_EQ(re->group_count(), 4);
  EXPECT_EQ(re->group_names(), (std::map<int, std::string>{{1, "tag"}, {3, "sha"}}));
  auto m = re->search_groups("tag v1.2-3-gabc123 here");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ((*m)[0], "v1.2-3-gabc123");
  EXPECT_EQ((*m)[1], "v1.2");
  EXPECT_EQ((*m)[2], "3");
  EXPECT_EQ((*m)[3], "abc123");
  EXPECT_FALSE((*m)[4].has_value());  // did not take part
  // "(?<" inside a class or after an escape is not a group name.
  auto literal = Regex::compile(R"([(?<]x\(?<y)");
  ASSERT_TRUE(literal.has_value()) << literal.error();
  EXPECT_TRUE(literal->search("<x(<y"));
}

TEST(Regex, FindsEveryMatchLeftToRight) {
  auto re = Regex::compile(R"((\d+) (passed|failed))");
  auto all = re->search_all("3 passed, 1 failed, 2 passed");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1][1], "1");
  EXPECT_EQ(all[2][2], "passed");
  EXPECT_EQ(Regex::compile("x*")->search_all("ab").size(), 3u);  // empty matches move on
}

TEST(Regex, RefusesWhatRe2LeavesOutWithAHint) {
  auto lookahead = Regex::compile("foo(?=bar)");
  ASSERT_FALSE(lookahead.has_value());
  EXPECT_NE(lookahead.error().find("no lookahead"), std::string::npos) << lookahead.error();
  auto lookbehind = Regex::compile("(?<!x)y");
  ASSERT_FALSE(lookbehind.has_value());
  EXPECT_NE(lookbehind.error().find("no lookbehind"), std::string::npos) << lookbehind.error();
  auto backreference = Regex::compile(R"((a)\1)");
  ASSERT_FALSE(backreference.has_value());
  EXPECT_NE(backreference.error().find("no backreferences"), std::string::npos)
      << backreference.error();
  auto unbalanced = Regex::compile("(a");
  ASSERT_FALSE(unbalanced.has_value());
  EXPECT_NE(unbalanced.error().find("missing )"), std::string::npos) << unbalanced.error();
}

// std::regex recursed once per character here and overflowed the stack well before
// 300,000 characters; RE2 matches in linear time without recursion.
TEST(Regex, HugeTextsMatchWithoutRecursion) {
  const std::string huge(300'000, 'a');
  auto re = Regex::compile("(a|b)*c");
  ASSERT_TRUE(re.has_value());
  EXPECT_FALSE(re->match_prefix(huge));
  EXPECT_TRUE(re->match_prefix(huge + "c"));
  EXPECT_TRUE(Regex::compile(".*a$")->full_match(huge));
}

TEST(Regex, TextThatIsNotUtf8StillMatches) {
  auto re = Regex::compile("warning: (.*)");
  auto m = re->search_groups("x.c:1: warning: caf\xE9");
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE((*m)[1]->starts_with("caf"));
}

}  // namespace
}  // namespace eventbot
