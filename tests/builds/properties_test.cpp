// Properties: precedence by source, standard properties, rendering, and WithProperties
// interpolation with every operator and every malformed form.
#include "actors/builds/properties.hpp"

#include <gtest/gtest.h>

namespace eventbot::builds {
namespace {

events::Property prop(const std::string& name, const std::string& json, const std::string& source) {
  events::Property p;
  p.set_name(name);
  p.set_value_json(json);
  p.set_source(source);
  return p;
}

std::string interp(const std::string& text, const Properties& props) {
  auto out = interpolate(text, props);
  EXPECT_TRUE(out.has_value()) << text << ": " << (out ? "" : out.error().message);
  return out ? *out : "<error>";
}

std::string error_of(const std::string& text, const Properties& props = {}) {
  auto out = interpolate(text, props);
  EXPECT_FALSE(out.has_value()) << text;
  return out ? "" : out.error().message;
}

Properties sample() {
  Properties p;
  p.set("branch", "main", "Build");
  p.set("empty", "", "Build");
  p.set("none", nullptr, "Build");
  p.set("zero", 0, "Build");
  p.set("n", 42, "Build");
  p.set("yes", true, "Build");
  p.set("no", false, "Build");
  p.set("list", nlohmann::json::array({"a", 1, true}), "Build");
  p.set("emptylist", nlohmann::json::array(), "Build");
  return p;
}

TEST(Precedence, FollowsTheManualsOrderWhateverTheListOrder) {
  std::vector<events::Property> list = {
      prop("x", "\"builder\"", "Builder"),        prop("x", "\"slave\"", "BuildSlave"),
      prop("x", "\"force\"", "Force Build Form"), prop("x", "\"change\"", "Change"),
      prop("x", "\"scheduler\"", "Scheduler"),    prop("x", "\"global\"", "Global")};
  EXPECT_EQ(Properties::layered(list).text("x"), "builder");
  list.erase(list.begin());
  EXPECT_EQ(Properties::layered(list).text("x"), "slave");
  list.erase(list.begin());
  EXPECT_EQ(Properties::layered(list).text("x"), "force");
  list.erase(list.begin());
  EXPECT_EQ(Properties::layered(list).text("x"), "change");
  list.erase(list.begin());
  EXPECT_EQ(Properties::layered(list).text("x"), "scheduler");
  list.erase(list.begin());
  EXPECT_EQ(Properties::layered(list).text("x"), "global");
}

TEST(Precedence, BuilderOverridesBuildAndStepsOverrideAll) {
  auto props = Properties::layered(
      {prop("y", "1", "SetProperty Step"), prop("y", "2", "Builder"), prop("y", "3", "Build")});
  EXPECT_EQ(props.text("y"), "1");
  EXPECT_EQ(props.source("y"), "SetProperty Step");
  EXPECT_LT(source_rank("Build"), source_rank("Builder"));
  EXPECT_LT(source_rank("Builder"), source_rank("SetProperty Step"));
  EXPECT_LT(source_rank("Global"), source_rank("Scheduler"));
}

TEST(Precedence, SameSourceKeepsListOrder) {
  auto props =
      Properties::layered({prop("z", "\"first\"", "Change"), prop("z", "\"second\"", "Change")});
  EXPECT_EQ(props.text("z"), "second");
}

TEST(Properties, SetAlwaysWinsAndKeepsSource) {
  Properties p;
  p.set("a", 1, "Builder");
  p.set("a", 2, "Global");
  EXPECT_EQ(*p.get("a"), 2);
  EXPECT_EQ(p.source("a"), "Global");
  EXPECT_EQ(p.get("missing"), nullptr);
  EXPECT_FALSE(p.source("missing").has_value());
}

TEST(Properties, NonJsonTextIsAString) {
  Properties p;
  p.set_json("a", "not json", "Change");
  EXPECT_EQ(p.text("a"), "not json");
  p.set_json("b", "[1,2]", "Change");
  EXPECT_TRUE(p.get("b")->is_array());
}

// Every property a build records goes through make_property: text that is not UTF-8
// (a name, a string anywhere in the value) becomes U+FFFD instead of an exception, and
// the event parses back.
TEST(Properties, TextThatIsNotUtf8IsRecordedWithReplacements) {
  nlohmann::json value = {{"k", "a\xFF"}, {"list", {"ok", "\xC3"}}};
  auto p = make_property("n\xFE", value, "SetProperty Step");
  EXPECT_EQ(p.name(), "n\xEF\xBF\xBD");
  EXPECT_EQ(p.value_json(), "{\"k\":\"a\xEF\xBF\xBD\",\"list\":[\"ok\",\"\xEF\xBF\xBD\"]}");
  events::Property parsed;
  ASSERT_TRUE(parsed.ParseFromString(p.SerializeAsString()));
  Properties back;
  back.set_json("big", "1" + std::string(300'000, '0'), "Global");  // beyond any double
  EXPECT_EQ(back.text("big"), "1" + std::string(300'000, '0'));
}

TEST(Properties, RoundTripThroughEvents) {
  Properties p = sample();
  Properties back;
  for (const auto& e : p.to_events()) back.apply(e);
  EXPECT_EQ(back, p);
}

TEST(Properties, StandardOnes) {
  Properties p;
  events::SourceStamp ss;
  ss.set_branch("dev");
  ss.set_repository("git://r");
  ss.set_project("proj");
  set_standard_properties(p, {"runtests", 7, "slave1", "/slaves/s1/runtests", ss});
  EXPECT_EQ(p.text("buildername"), "runtests");
  EXPECT_EQ(*p.get("buildnumber"), 7);
  EXPECT_EQ(p.text("slavename"), "slave1");
  EXPECT_EQ(p.text("workdir"), "/slaves/s1/runtests");
  EXPECT_EQ(p.text("branch"), "dev");
  EXPECT_TRUE(p.get("revision")->is_null());  // Buildbot's None
  EXPECT_EQ(p.text("repository"), "git://r");
  EXPECT_EQ(p.text("project"), "proj");
  EXPECT_EQ(p.source("buildnumber"), "Build");
}

TEST(Render, AsPythonStr) {
  EXPECT_EQ(render_value("text"), "text");
  EXPECT_EQ(render_value(nullptr), "");
  EXPECT_EQ(render_value(true), "True");
  EXPECT_EQ(render_value(false), "False");
  EXPECT_EQ(render_value(12), "12");
  EXPECT_EQ(render_value(-3), "-3");
  EXPECT_EQ(render_value(2.5), "2.5");
  EXPECT_EQ(render_value(1.0), "1.0");
  EXPECT_EQ(render_value(nlohmann::json::array({"a", 1, true, nullptr})), "['a', 1, True, None]");
  EXPECT_EQ(render_value(nlohmann::json::parse(R"({"k":"v","a":[2]})")), "{'a': [2], 'k': 'v'}");
  EXPECT_EQ(render_value(nlohmann::json::array({"it's"})), "[\"it's\"]");
}

TEST(Render, PythonTruthiness) {
  EXPECT_FALSE(truthy(nullptr));
  EXPECT_FALSE(truthy(false));
  EXPECT_FALSE(truthy(0));
  EXPECT_FALSE(truthy(0.0));
  EXPECT_FALSE(truthy(""));
  EXPECT_FALSE(truthy(nlohmann::json::array()));
  EXPECT_FALSE(truthy(nlohmann::json::object()));
  EXPECT_TRUE(truthy("0"));
  EXPECT_TRUE(truthy(-1));
  EXPECT_TRUE(truthy(nlohmann::json::array({0})));
}

TEST(Interpolate, PlainAndPropPrefix) {
  auto p = sample();
  EXPECT_EQ(interp("make REV=%(branch)s dist", p), "make REV=main dist");
  EXPECT_EQ(interp("%(prop:branch)s-%(n)s", p), "main-42");
  EXPECT_EQ(interp("no substitutions", p), "no substitutions");
  EXPECT_EQ(interp("", p), "");
  EXPECT_EQ(interp("%(none)s|%(yes)s|%(list)s", p), "|True|['a', 1, True]");
}

TEST(Interpolate, PercentEscape) {
  auto p = sample();
  EXPECT_EQ(interp("100%%", p), "100%");
  EXPECT_EQ(interp("date +%%a %%(branch)s", p), "date +%a %(branch)s");
}

TEST(Interpolate, ColonMinus) {
  auto p = sample();
  EXPECT_EQ(interp("%(branch:-trunk)s", p), "main");
  EXPECT_EQ(interp("%(missing:-trunk)s", p), "trunk");
  EXPECT_EQ(interp("%(missing:-)s", p), "");
  EXPECT_EQ(interp("%(empty:-x)s", p), "");  // set, though false
  EXPECT_EQ(interp("%(none:-x)s", p), "");   // set to None: None renders ""
  EXPECT_EQ(interp("%(prop:missing:-d)s", p), "d");
  EXPECT_EQ(interp("%(missing:-a:b-c)s", p), "a:b-c");  // the text is literal
}

TEST(Interpolate, ColonTilde) {
  auto p = sample();
  EXPECT_EQ(interp("%(branch:~x)s", p), "main");
  EXPECT_EQ(interp("%(empty:~x)s", p), "x");
  EXPECT_EQ(interp("%(none:~x)s", p), "x");
  EXPECT_EQ(interp("%(zero:~x)s", p), "x");
  EXPECT_EQ(interp("%(no:~x)s", p), "x");
  EXPECT_EQ(interp("%(emptylist:~x)s", p), "x");
  EXPECT_EQ(interp("%(missing:~x)s", p), "x");
  EXPECT_EQ(interp("%(n:~x)s", p), "42");
}

TEST(Interpolate, ColonPlus) {
  auto p = sample();
  EXPECT_EQ(interp("%(branch:+--branch)s", p), "--branch");
  EXPECT_EQ(interp("%(empty:+set)s", p), "set");  // exists, even if false
  EXPECT_EQ(interp("%(missing:+set)s", p), "");
}

TEST(Interpolate, UnsetPropertyIsAnError) {
  auto message = error_of("x %(missing)s", sample());
  EXPECT_NE(message.find("\"missing\""), std::string::npos) << message;
  EXPECT_NE(message.find(":-"), std::string::npos) << message;
  EXPECT_EQ(interpolate("x %(missing)s", sample()).error().position, 2u);
}

TEST(Interpolate, Malformed) {
  EXPECT_NE(error_of("50%").find("lone '%'"), std::string::npos);
  EXPECT_NE(error_of("date +%a").find("'%a'"), std::string::npos);
  EXPECT_NE(error_of("%(branch").find("no closing"), std::string::npos);
  EXPECT_NE(error_of("%(branch)d").find("not followed by 's'"), std::string::npos);
  EXPECT_NE(error_of("%(branch)").find("not followed by 's'"), std::string::npos);
  EXPECT_NE(error_of("%()s").find("names no property"), std::string::npos);
  EXPECT_NE(error_of("%(prop:)s").find("names no property"), std::string::npos);
  EXPECT_NE(error_of("%(branch:=x)s").find("unknown operator"), std::string::npos);
  EXPECT_NE(error_of("%(src:repo)s").find("selector"), std::string::npos);
  EXPECT_NE(error_of("%(a b:-x)s").find("letters, digits"), std::string::npos);
  EXPECT_EQ(interpolate("ab %q", sample()).error().position, 3u);
}

TEST(Interpolate, CheckAloneNeedsNoProperties) {
  EXPECT_FALSE(check_interpolation("%(anything)s and %(x:-y)s %%").has_value());
  EXPECT_TRUE(check_interpolation("%s").has_value());
  EXPECT_TRUE(check_interpolation("%(x:?y)s").has_value());
}

}  // namespace
}  // namespace eventbot::builds
