// do_step_if / hide_step_if expressions: the grammar, truthiness, comparisons, errors.
#include "actors/builds/conditions.hpp"

#include <gtest/gtest.h>

namespace eventbot::builds {
namespace {

Properties props() {
  Properties p;
  p.set("branch", "main", "Build");
  p.set("n", 3, "Build");
  p.set("flag", true, "Build");
  p.set("off", false, "Build");
  p.set("empty", "", "Build");
  p.set("dotted.name", "x", "Build");
  return p;
}

bool eval(const std::string& text, Result result = events::SUCCESS, bool allow_result = true) {
  auto c = Condition::parse(text, allow_result);
  EXPECT_TRUE(c.has_value()) << text << ": " << (c ? "" : c.error());
  return c && c->evaluate(props(), result);
}

std::string error_of(const std::string& text, bool allow_result = false) {
  auto c = Condition::parse(text, allow_result);
  EXPECT_FALSE(c.has_value()) << text;
  return c ? "" : c.error();
}

TEST(Conditions, Constants) {
  EXPECT_TRUE(Condition::constant(true).evaluate(props()));
  EXPECT_FALSE(Condition::constant(false).evaluate(props()));
  EXPECT_TRUE(eval("true"));
  EXPECT_FALSE(eval("false"));
}

TEST(Conditions, Equality) {
  EXPECT_TRUE(eval("prop:branch == 'main'"));
  EXPECT_FALSE(eval("prop:branch == 'dev'"));
  EXPECT_TRUE(eval("prop:branch != \"dev\""));
  EXPECT_TRUE(eval("prop:n == 3"));
  EXPECT_TRUE(eval("prop:n == '3'"));  // compared as rendered text
  EXPECT_TRUE(eval("prop:flag == true"));
  EXPECT_TRUE(eval("prop:missing == ''"));
  EXPECT_TRUE(eval("'it\\'s' == \"it's\""));
}

TEST(Conditions, Truthiness) {
  EXPECT_TRUE(eval("prop:branch"));
  EXPECT_TRUE(eval("prop:flag"));
  EXPECT_FALSE(eval("prop:off"));
  EXPECT_FALSE(eval("prop:empty"));
  EXPECT_FALSE(eval("prop:missing"));
  EXPECT_TRUE(eval("prop:dotted.name"));
  EXPECT_FALSE(eval("''"));
}

TEST(Conditions, BooleanOperatorsAndPrecedence) {
  EXPECT_TRUE(eval("not prop:off"));
  EXPECT_TRUE(eval("prop:flag and prop:branch == 'main'"));
  EXPECT_FALSE(eval("prop:flag and prop:off"));
  EXPECT_TRUE(eval("prop:off or prop:flag"));
  // and binds tighter than or
  EXPECT_TRUE(eval("prop:flag or prop:off and prop:off"));
  EXPECT_FALSE(eval("(prop:flag or prop:off) and prop:off"));
  EXPECT_TRUE(eval("not not prop:flag"));
  EXPECT_FALSE(eval("not (prop:flag and prop:branch == 'main')"));
}

TEST(Conditions, InLists) {
  EXPECT_TRUE(eval("prop:branch in ('dev', 'main')"));
  EXPECT_FALSE(eval("prop:branch in ('dev')"));
  EXPECT_TRUE(eval("prop:branch not in ('dev', 'rel')"));
  EXPECT_TRUE(eval("prop:n in (1, 2, 3)"));
}

TEST(Conditions, ResultOnlyInHideStepIf) {
  EXPECT_TRUE(eval("result == 'SKIPPED'", events::SKIPPED));
  EXPECT_FALSE(eval("result == 'SKIPPED'", events::SUCCESS));
  EXPECT_TRUE(eval("result in ('SUCCESS', 'WARNINGS')", events::WARNINGS));
  EXPECT_FALSE(eval("result in ('SUCCESS', 'WARNINGS')", events::FAILURE));
  EXPECT_NE(error_of("result == 'SKIPPED'", false).find("hide_step_if"), std::string::npos);
}

TEST(Conditions, ParseErrors) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("prop:branch == ").find("expected a value"), std::string::npos);
  EXPECT_NE(error_of("prop:branch = 'main'").find("unexpected '='"), std::string::npos);
  EXPECT_NE(error_of("branch == 'main'").find("prop:branch"), std::string::npos);
  EXPECT_NE(error_of("prop:branch == 'main").find("not closed"), std::string::npos);
  EXPECT_NE(error_of("(prop:a").find("expected ')'"), std::string::npos);
  EXPECT_NE(error_of("prop:a prop:b").find("after a complete condition"), std::string::npos);
  EXPECT_NE(error_of("prop:a in 'x'").find("expected '('"), std::string::npos);
  EXPECT_NE(error_of("prop:a in ('x' 'y')").find("','"), std::string::npos);
  EXPECT_NE(error_of("prop: == 1").find("names no property"), std::string::npos);
  EXPECT_NE(error_of("prop:a == 1.2.3").find("not a number"), std::string::npos);
  EXPECT_NE(error_of("prop:a and").find("expected a value"), std::string::npos);
}

TEST(Conditions, KeepsItsText) {
  auto c = Condition::parse("prop:a", false);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->text(), "prop:a");
}

}  // namespace
}  // namespace eventbot::builds
