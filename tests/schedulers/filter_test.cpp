// The small pure pieces: change filters (values, regexes with re.match semantics) and
// file importance (fnmatch globs).
#include <gtest/gtest.h>

#include "actors/schedulers/change_filter.hpp"
#include "actors/schedulers/file_importance.hpp"
#include "tests/schedulers/harness.hpp"

namespace eventbot::schedulers::testing {
namespace {

StringFilter string_filter(std::vector<std::string> values, std::optional<std::string> regex) {
  auto f = StringFilter::compile(config::StringMatcher{std::move(values), std::move(regex)});
  EXPECT_TRUE(f.has_value());
  return f ? *f : StringFilter{};
}

TEST(StringFilter, EmptyMatchesAnything) {
  auto f = string_filter({}, std::nullopt);
  EXPECT_TRUE(f.any());
  EXPECT_TRUE(f.matches(""));
  EXPECT_TRUE(f.matches("anything"));
}

TEST(StringFilter, ValueList) {
  auto f = string_filter({"myproject", "jimsproject"}, std::nullopt);
  EXPECT_TRUE(f.matches("myproject"));
  EXPECT_TRUE(f.matches("jimsproject"));
  EXPECT_FALSE(f.matches("myproject2"));
  EXPECT_FALSE(f.matches(""));
}

TEST(StringFilter, RegexMatchesLikePythonReMatch) {
  auto f = string_filter({}, "deve");
  EXPECT_TRUE(f.matches("devel"));      // a prefix match is enough
  EXPECT_FALSE(f.matches("my-devel"));  // but it is anchored at the start
  auto g = string_filter({}, ".*deve.*");
  EXPECT_TRUE(g.matches("my-devel"));
  auto h = string_filter({}, "rel-[0-9]+$");
  EXPECT_TRUE(h.matches("rel-12"));
  EXPECT_FALSE(h.matches("rel-12x"));
}

TEST(StringFilter, ValuesAndRegexMustBothHold) {
  auto f = string_filter({"rel-1", "dev"}, "rel-");
  EXPECT_TRUE(f.matches("rel-1"));
  EXPECT_FALSE(f.matches("dev"));
  EXPECT_FALSE(f.matches("rel-2"));
}

TEST(StringFilter, BadRegexIsAnError) {
  auto f = StringFilter::compile(config::StringMatcher{{}, std::string("(unclosed")});
  ASSERT_FALSE(f.has_value());
  EXPECT_NE(f.error().find("(unclosed"), std::string::npos);
  config::ChangeFilter cf;
  cf.category.regex = "[";
  auto g = ChangeFilter::compile(cf);
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().find("category"), std::string::npos);
}

TEST(ChangeFilter, AllGivenConditionsMustHold) {
  config::ChangeFilter cf;
  cf.project.values = {"proj"};
  cf.branch.values = {""};  // the default branch
  cf.category.regex = ".*deve.*";
  auto f = ChangeFilter::compile(cf);
  ASSERT_TRUE(f.has_value());
  auto c = change("");
  c.set_category("the-devel-list");
  EXPECT_TRUE(f->matches(c));
  c.set_branch("trunk");
  EXPECT_FALSE(f->matches(c));
  c.set_branch("");
  c.set_project("x");
  EXPECT_FALSE(f->matches(c));
  c.set_project("proj");
  c.set_category("");
  EXPECT_FALSE(f->matches(c));
}

TEST(FileImportance, NoRuleMeansEverythingIsImportant) {
  config::FileImportance rule;
  EXPECT_TRUE(change_is_important(rule, change("", {"docs/x.txt"})));
}

TEST(FileImportance, IncludeGlobs) {
  config::FileImportance rule;
  rule.include = {"src/*", "*.cmake"};
  EXPECT_TRUE(file_is_important(rule, "src/a.c"));
  EXPECT_TRUE(file_is_important(rule, "src/deep/dir/a.c"));  // '*' crosses '/'
  EXPECT_TRUE(file_is_important(rule, "cmake/Find.cmake"));
  EXPECT_FALSE(file_is_important(rule, "docs/src/a.c"));
  EXPECT_TRUE(change_is_important(rule, change("", {"docs/x", "src/y"})));
  EXPECT_FALSE(change_is_important(rule, change("", {"docs/x", "README"})));
}

TEST(FileImportance, ExcludeGlobsWin) {
  config::FileImportance rule;
  rule.include = {"src/*"};
  rule.exclude = {"*.txt", "src/generated/*"};
  EXPECT_TRUE(file_is_important(rule, "src/a.c"));
  EXPECT_FALSE(file_is_important(rule, "src/notes.txt"));
  EXPECT_FALSE(file_is_important(rule, "src/generated/a.c"));
  config::FileImportance only_exclude;
  only_exclude.exclude = {"docs/*"};
  EXPECT_TRUE(change_is_important(only_exclude, change("", {"docs/a", "Makefile"})));
  EXPECT_FALSE(change_is_important(only_exclude, change("", {"docs/a", "docs/b"})));
}

TEST(FileImportance, CharacterClassesAndQuestionMarks) {
  config::FileImportance rule;
  rule.include = {"lib?/[ab]*.c"};
  EXPECT_TRUE(file_is_important(rule, "lib1/a.c"));
  EXPECT_TRUE(file_is_important(rule, "lib2/b/x.c"));
  EXPECT_FALSE(file_is_important(rule, "lib12/a.c"));
  EXPECT_FALSE(file_is_important(rule, "lib1/c.c"));
}

TEST(FileImportance, AChangeWithoutFilesIsImportant) {
  config::FileImportance rule;
  rule.include = {"src/*"};
  EXPECT_TRUE(change_is_important(rule, change("", {})));
}

}  // namespace
}  // namespace eventbot::schedulers::testing

namespace eventbot::schedulers::testing {
namespace {

// A change with a 30,000-character branch reached a scheduler whose change_filter has a
// regex: std::regex recursed once per character and overflowed the stack, and since the
// change is durable every restart folded it again and crashed again. The fold and the
// decision now finish, the huge branch is told apart from a matching one, and a
// restart (a fresh core folding the same log) does the same.
TEST(ChangeFilter, AHugeBranchNeverCrashesTheFoldNorItsRestart) {
  World w;
  auto config = scheduler_config(config::SchedulerType::any_branch, "releases");
  config.change_filter.branch.regex = ".*-release";
  w.add(config);
  const std::string huge(30'000, 'a');
  w.add_change(change(huge, {"a.c"}, "r1"));               // no match: ignored
  w.add_change(change(huge + "-release", {"a.c"}, "r2"));  // a match: built
  w.run_until(w.clock.now_us() + kHour);
  auto sets = w.buildsets("releases");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].sourcestamps(0).revision(), "r2");
  EXPECT_EQ(change_ids(sets[0]), (std::vector<std::uint64_t>{2}));

  w.restart();
  w.add_change(change(huge + "-release", {"b.c"}, "r3"));
  w.run_until(w.clock.now_us() + kHour);
  sets = w.buildsets("releases");
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(change_ids(sets[1]), (std::vector<std::uint64_t>{3}));
}

}  // namespace
}  // namespace eventbot::schedulers::testing
