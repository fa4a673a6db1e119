// The incremental output parsers: line splitting, compile's warning counting (pattern,
// suppressions, directories, the warnings log, warnings-count), test counts, and
// set_property_from_command.
#include <gtest/gtest.h>

#include <limits>

#include "actors/builds/steps/compile.hpp"
#include "actors/builds/steps/line_reader.hpp"
#include "actors/builds/steps/set_property.hpp"
#include "actors/builds/steps/step_types.hpp"
#include "actors/builds/steps/test_step.hpp"

namespace eventbot::builds {
namespace {

wire::Output chunk(const std::string& data, wire::OutputKind kind = wire::STDOUT) {
  wire::Output o;
  o.set_kind(kind);
  o.set_data(data);
  return o;
}

wire::CommandResult rc(int code) {
  wire::CommandResult r;
  r.set_rc(code);
  return r;
}

PreparedStep prepare(const std::string& type, std::map<std::string, std::string> params,
                     const Properties& props = {}) {
  auto prepared = prepare_step(config::StepConfig{type, type, std::move(params)}, props, {});
  EXPECT_TRUE(prepared.has_value()) << (prepared ? "" : prepared.error().front());
  return prepared ? std::move(*prepared) : PreparedStep{};
}

// Feeds `text` in chunks of `size` bytes.
void feed(StepInterpreter& interpreter, const std::string& text, std::size_t size,
          wire::OutputKind kind = wire::STDOUT) {
  for (std::size_t i = 0; i < text.size(); i += size) {
    interpreter.output(chunk(text.substr(i, size), kind));
  }
}

TEST(LineReader, SplitsAcrossChunksPerChannel) {
  LineReader reader;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view l) { lines.emplace_back(l); };
  reader.feed(chunk("ab"), collect);
  reader.feed(chunk("err1\n", wire::STDERR), collect);
  reader.feed(chunk("c\r\nd\n\ne"), collect);
  reader.feed(chunk("header\n", wire::HEADER), collect);
  EXPECT_EQ(lines, (std::vector<std::string>{"err1", "abc", "d", ""}));
  reader.flush(collect);
  EXPECT_EQ(lines.back(), "e");
}

TEST(LineReader, CutsOverlongLines) {
  LineReader reader;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view l) { lines.emplace_back(l); };
  reader.feed(chunk(std::string(LineReader::kMaxLine + 100, 'x')), collect);
  reader.feed(chunk(std::string(50, 'y') + "\nnext\n"), collect);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), LineReader::kMaxLine);
  EXPECT_EQ(lines[1], "next");
}

TEST(WarningCounter, DefaultPatternMatchesFromLineStart) {
  WarningCounter counter{WarningCounter::Options{}};
  counter.line("foo.c:3: warning: unused variable");
  counter.line("warning: something");
  counter.line("no warnings here");  // "warnings" is not "warning:" or "warning "
  counter.line("a warning-free line");
  counter.line("cc1: warning unused");
  EXPECT_EQ(counter.count(), 3u);
  EXPECT_EQ(counter.log_text(),
            "foo.c:3: warning: unused variable\nwarning: something\ncc1: warning unused\n");
}

TEST(WarningCounter, CustomPatternIsAnchored) {
  WarningCounter::Options options;
  options.pattern = *Regex::compile("^Warning: ");
  WarningCounter counter(options);
  counter.line("Warning: x");
  counter.line("  Warning: y");
  EXPECT_EQ(counter.count(), 1u);
}

TEST(WarningCounter, SuppressionsByFileTextAndLines) {
  WarningCounter::Options options;
  options.pattern = *Regex::compile(R"(^(.*?):([0-9]+): [Ww]arning: (.*)$)");
  options.extract_groups = true;
  for (const char* line :
       {"mi_packrec.c : .*32-bit shift.* : 560-600", "DictTabInfo.cpp : .*non-static.*",
        "kernel.h : .*friends.* : 51", "# a comment", ""}) {
    auto s = parse_suppression_line(line);
    ASSERT_TRUE(s.has_value()) << line;
    if (*s) options.suppressions.push_back(**s);
  }
  ASSERT_EQ(options.suppressions.size(), 3u);
  WarningCounter counter(options);
  counter.line(
      "mi_packrec.c:580: warning: result of 32-bit shift implicitly converted");  // suppressed
  counter.line(
      "mi_packrec.c:700: warning: result of 32-bit shift implicitly converted");     // out of range
  counter.line("DictTabInfo.cpp:12: warning: invalid access to non-static member");  // suppressed
  counter.line("kernel.h:51: warning: only private constructors and has no friends");  // suppressed
  counter.line(
      "kernel.h:52: warning: only private constructors and has no friends");  // not line 51
  counter.line("other.c:1: warning: 32-bit shift");                           // other file
  EXPECT_EQ(counter.count(), 3u);
  EXPECT_NE(counter.log_text().find("mi_packrec.c:700"), std::string::npos);
  EXPECT_EQ(counter.log_text().find("DictTabInfo"), std::string::npos);
}

TEST(WarningCounter, BadSuppressionLines) {
  EXPECT_FALSE(parse_suppression_line("just text").has_value());
  EXPECT_FALSE(parse_suppression_line("(bad : x").has_value());
}

TEST(WarningCounter, DirectoriesPrefixFileNames) {
  WarningCounter::Options options;
  options.pattern = *Regex::compile(R"(^(.*?):([0-9]+): warning: (.*)$)");
  options.extract_groups = true;
  auto s = parse_suppression_line("lib/a\\.c : .*");
  ASSERT_TRUE(s.has_value());
  options.suppressions.push_back(**s);
  WarningCounter counter(options);
  counter.line("a.c:1: warning: top-level a.c is not suppressed");
  counter.line("make[1]: Entering directory `lib'");
  counter.line("a.c:1: warning: lib/a.c is suppressed");
  counter.line("make[1]: Leaving directory `lib'");
  counter.line("a.c:2: warning: counted again");
  EXPECT_EQ(counter.count(), 2u);
}

TEST(WarningCounter, LogIsBounded) {
  WarningCounter counter{WarningCounter::Options{}};
  const std::string line = "warning: " + std::string(1000, 'x');
  const std::size_t n = kMaxWarningsLog / line.size() + 10;
  for (std::size_t i = 0; i < n; ++i) counter.line(line);
  EXPECT_EQ(counter.count(), n);
  EXPECT_LE(counter.log_text().size(), kMaxWarningsLog + 100);
  EXPECT_NE(counter.log_text().find("more warnings"), std::string::npos);
}

TEST(CompileStep, WarningsResultLogAndCount) {
  Properties props;
  props.set("warnings-count", 2, "WarningCountingShellCommand");  // an earlier compile's
  auto p = prepare("compile", {}, props);
  feed(*p.interpreter, "a.c:1: warning: x\nok line\nb.c:2: warning: y\n", 7);
  feed(*p.interpreter, "c.c:3: warning: on stderr", 5, wire::STDERR);  // no newline at the end
  auto outcome = p.interpreter->finish(rc(0), props);
  EXPECT_EQ(outcome.result, events::WARNINGS);
  EXPECT_EQ(outcome.statistics.at("warnings-count"), "3");
  ASSERT_EQ(outcome.logs.size(), 1u);
  EXPECT_EQ(outcome.logs[0].name, "warnings");
  EXPECT_EQ(outcome.logs[0].text,
            "a.c:1: warning: x\nb.c:2: warning: y\nc.c:3: warning: on stderr\n");
  ASSERT_EQ(outcome.properties.size(), 1u);
  EXPECT_EQ(outcome.properties[0].name(), "warnings-count");
  EXPECT_EQ(outcome.properties[0].value_json(), "5");  // accumulated over compile steps
}

TEST(CompileStep, NoWarningsIsSuccessAndFailureWins) {
  auto clean = prepare("compile", {});
  feed(*clean.interpreter, "all good\n", 100);
  auto outcome = clean.interpreter->finish(rc(0), {});
  EXPECT_EQ(outcome.result, events::SUCCESS);
  EXPECT_TRUE(outcome.logs.empty());
  EXPECT_EQ(outcome.statistics.at("warnings-count"), "0");
  auto failing = prepare("compile", {});
  feed(*failing.interpreter, "x.c:1: warning: w\n", 100);
  EXPECT_EQ(failing.interpreter->finish(rc(2), {}).result, events::FAILURE);
}

TEST(CompileStep, MaxWarnCountAndSuppressionsParameter) {
  auto p = prepare("compile", {{"max_warn_count", "1"}});
  feed(*p.interpreter, "warning: 1\nwarning: 2\n", 100);
  EXPECT_EQ(p.interpreter->finish(rc(0), {}).result, events::FAILURE);
  auto q =
      prepare("compile",
              {{"warning_pattern", R"("^(.*?):([0-9]+): warning: (.*)$")"},
               {"warning_extractor", "\"groups\""},
               {"suppressions",
                R"(["gen/.* : .*", {"file": "x\\.c", "warning": "old", "start": 1, "end": 9}])"}});
  feed(*q.interpreter,
       "gen/p.c:4: warning: generated\nx.c:5: warning: old api\nx.c:50: warning: old api\n", 9);
  auto outcome = q.interpreter->finish(rc(0), {});
  EXPECT_EQ(outcome.statistics.at("warnings-count"), "1");
  EXPECT_EQ(outcome.logs.at(0).text, "x.c:50: warning: old api\n");
}

TEST(TestCounter, GoogleTest) {
  TestCounter c;
  c.line("[==========] 12 tests from 3 test suites ran. (5 ms total)");
  c.line("[  PASSED  ] 10 tests.");
  c.line("[  SKIPPED ] 1 test, listed below:");
  c.line("[  FAILED  ] 1 test, listed below:");
  c.line("[  FAILED  ] Suite.Name");
  EXPECT_TRUE(c.counts().seen);
  EXPECT_EQ(c.counts().passed, 10u);
  EXPECT_EQ(c.counts().failed, 1u);
  EXPECT_EQ(c.counts().skipped, 1u);
  EXPECT_EQ(c.counts().total(), 12u);
}

TEST(TestCounter, CTest) {
  TestCounter c;
  c.line("90% tests passed, 2 tests failed out of 20");
  EXPECT_EQ(c.counts().passed, 18u);
  EXPECT_EQ(c.counts().failed, 2u);
  TestCounter ok;
  ok.line("100% tests passed, 0 tests failed out of 7");
  EXPECT_EQ(ok.counts().passed, 7u);
  EXPECT_EQ(ok.counts().failed, 0u);
}

TEST(TestCounter, GenericSummaryAndSums) {
  TestCounter c;
  c.line("===== 2 failed, 10 passed, 1 skipped, 1 error in 0.31s =====");
  EXPECT_EQ(c.counts().passed, 10u);
  EXPECT_EQ(c.counts().failed, 3u);
  EXPECT_EQ(c.counts().skipped, 1u);
  c.line("5 passed");  // a second suite adds up
  EXPECT_EQ(c.counts().passed, 15u);
  TestCounter none;
  none.line("compiling 12 files");
  none.line("passed the ball");
  EXPECT_FALSE(none.counts().seen);
}

// Counts beyond 64 bits threw std::out_of_range from the parser (a build left running);
// they count as the largest number instead, and sums stop there.
TEST(TestCounter, HugeCountsNeverThrow) {
  TestCounter counter;
  counter.line("[  PASSED  ] 99999999999999999999999999 tests.");
  counter.line("3 passed, 99999999999999999999999999 failed");
  counter.line("[  PASSED  ] 5 tests.");
  EXPECT_TRUE(counter.counts().seen);
  EXPECT_EQ(counter.counts().passed, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(counter.counts().failed, std::numeric_limits<std::uint64_t>::max());
}

TEST(WarningCounter, LineNumbersOutOfRangeAreRefusedOrIgnored) {
  auto s = parse_suppression_line("a.c : .* : 99999999999999999999");
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().find("out of range"), std::string::npos) << s.error();
  WarningCounter::Options options;
  options.pattern = *Regex::compile(R"(^(.*?):([0-9]+): warning: (.*)$)");
  options.extract_groups = true;
  auto all = parse_suppression_line("a\\.c : .* : 1-5");
  ASSERT_TRUE(all.has_value());
  options.suppressions.push_back(**all);
  WarningCounter counter(options);
  counter.line("a.c:99999999999999999999: warning: not a line number");  // counted
  counter.line("a.c:3: warning: suppressed");
  EXPECT_EQ(counter.count(), 1u);
}

TEST(TestStep, FailedTestsFailTheStepWhateverTheRc) {
  auto p = prepare("test", {});
  feed(*p.interpreter, "[  PASSED  ] 4 tests.\n[  FAILED  ] 1 test, listed below:\n", 6);
  auto outcome = p.interpreter->finish(rc(0), {});
  EXPECT_EQ(outcome.result, events::FAILURE);
  EXPECT_EQ(outcome.statistics.at("tests-total"), "5");
  EXPECT_EQ(outcome.statistics.at("tests-passed"), "4");
  EXPECT_EQ(outcome.statistics.at("tests-failed"), "1");
  EXPECT_EQ(outcome.text,
            (std::vector<std::string>{"test", "5 tests", "4 passed", "1 failed", "failed"}));
  auto q = prepare("test", {});
  feed(*q.interpreter, "100% tests passed, 0 tests failed out of 3\n", 100);
  auto good = q.interpreter->finish(rc(0), {});
  EXPECT_EQ(good.result, events::SUCCESS);
  EXPECT_EQ(good.statistics.at("tests-passed"), "3");
  auto r = prepare("test", {});
  EXPECT_EQ(r.interpreter->finish(rc(2), {}).result, events::FAILURE);
  EXPECT_TRUE(r.interpreter->finish(rc(2), {}).statistics.empty());
}

TEST(SetPropertyFromCommand, StdoutStripped) {
  auto p = prepare("set_property_from_command",
                   {{"command", "\"uname -a\""}, {"property", "\"uname\""}});
  feed(*p.interpreter, "  Linux box 6.1\n", 4);
  p.interpreter->output(chunk("ignored stderr\n", wire::STDERR));
  auto outcome = p.interpreter->finish(rc(0), {});
  ASSERT_EQ(outcome.properties.size(), 1u);
  EXPECT_EQ(outcome.properties[0].name(), "uname");
  EXPECT_EQ(outcome.properties[0].value_json(), "\"Linux box 6.1\"");
  EXPECT_EQ(outcome.properties[0].source(), "SetProperty Step");
}

// Output that is not UTF-8 made nlohmann's dump throw while the property was recorded:
// the exception left the build "running" for ever with its request claimed. The invalid
// bytes become U+FFFD; the valid text around them is kept.
TEST(SetPropertyFromCommand, OutputThatIsNotUtf8BecomesAValidProperty) {
  auto p =
      prepare("set_property_from_command", {{"command", "\"cat blob\""}, {"property", "\"blob\""}});
  feed(*p.interpreter, "caf\xE9 \xFF\xFEok\n", 3);
  auto outcome = p.interpreter->finish(rc(0), {});
  ASSERT_EQ(outcome.properties.size(), 1u);
  EXPECT_EQ(outcome.properties[0].value_json(), "\"caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBDok\"");

  auto q = prepare("set_property_from_command",
                   {{"command", "\"describe\""}, {"extract_fn", R"("^tag=(?P<tag>.*)$")"}});
  feed(*q.interpreter, "tag=v1\xC0-rc\n", 5);
  auto extracted = q.interpreter->finish(rc(0), {});
  ASSERT_EQ(extracted.properties.size(), 1u);
  EXPECT_EQ(extracted.properties[0].value_json(), "\"v1\xEF\xBF\xBD-rc\"");
}

TEST(SetPropertyFromCommand, NoStripAndFailure) {
  auto p = prepare("set_property_from_command",
                   {{"command", "\"x\""}, {"property", "\"v\""}, {"strip", "false"}});
  feed(*p.interpreter, " a \n", 100);
  EXPECT_EQ(p.interpreter->finish(rc(0), {}).properties.at(0).value_json(), "\" a \\n\"");
  auto q = prepare("set_property_from_command", {{"command", "\"x\""}, {"property", "\"v\""}});
  feed(*q.interpreter, "partial", 100);
  auto failed = q.interpreter->finish(rc(1), {});
  EXPECT_EQ(failed.result, events::FAILURE);
  EXPECT_TRUE(failed.properties.empty());
}

TEST(SetPropertyFromCommand, TooMuchOutputFails) {
  auto p = prepare("set_property_from_command", {{"command", "\"x\""}, {"property", "\"v\""}});
  feed(*p.interpreter, std::string(kMaxPropertyOutput + 10, 'x'), 64 * 1024);
  auto outcome = p.interpreter->finish(rc(0), {});
  EXPECT_EQ(outcome.result, events::FAILURE);
  EXPECT_TRUE(outcome.properties.empty());
}

TEST(SetPropertyFromCommand, ExtractFnNamedGroups) {
  auto p = prepare("set_property_from_command",
                   {{"command", "\"git describe\""},
                    {"extract_fn", R"("^(?P<tag>v[0-9.]+)-(\\d+)-g(?<sha>[0-9a-f]+)$")"}});
  feed(*p.interpreter, "noise\nv1.2-3-gabc123\nv1.3-1-gdef456\n", 5);
  auto outcome = p.interpreter->finish(rc(0), {});
  std::map<std::string, std::string> got;
  for (const auto& prop : outcome.properties) got[prop.name()] = prop.value_json();
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(got["tag"], "\"v1.3\"");  // a later line wins
  EXPECT_EQ(got["sha"], "\"def456\"");
}

TEST(NamedRegex, GroupNumbering) {
  auto r = compile_named_regex(R"((a)(?:b)(?P<x>c)[(](?<y>d)\(e)");
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->group_names(), (std::map<int, std::string>{{2, "x"}, {3, "y"}}));
  auto m = r->search_groups("abc(d(e");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ((*m)[2], "c");
  EXPECT_EQ((*m)[3], "d");
  EXPECT_FALSE(compile_named_regex("(?P<>x)").has_value());
  EXPECT_FALSE(compile_named_regex("(?P<a x)").has_value());
  EXPECT_FALSE(compile_named_regex("(?P<a>[)").has_value());
}

}  // namespace
}  // namespace eventbot::builds
