// master.yaml that would stop or exhaust the master before a single key is read: text
// that is not UTF-8, alias bombs, alias cycles, deep nesting, huge files, and paths that
// are not regular files (/dev/zero, a FIFO). Each is refused at once with one error that
// says what and where; what was tried is in each test.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>

#include "actors/config/config_loader.hpp"
#include "actors/config/master_yaml_template.hpp"
#include "tests/config/config_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::config {
namespace {

using testing::errors_of;

// A builder with a description, on line 6, whose value starts at column 18.
constexpr std::string_view kHead = R"(slaves:
  - {name: example-slave, password: pass}
builders:
  - name: runtests
    slaves: [example-slave]
    description: )";

std::string with_description(std::string_view description) {
  return std::string(kHead) + std::string(description) + "\n";
}

TEST(ConfigLimits, TextThatIsNotUtf8IsRefusedAtItsLineAndColumn) {
  // One byte 0xFF in a builder's description, after three good characters.
  EXPECT_EQ(errors_of(with_description("ab\xC3\xA9\xFFz")),
            (std::vector<std::string>{
                "master.yaml:6:22: not UTF-8: byte 0xFF does not belong to a UTF-8 character; "
                "master.yaml must be UTF-8 text"}));
  // In a key; a truncated sequence at the end of the file; a UTF-16 byte order mark.
  EXPECT_EQ(errors_of("title: x\nk\xE9y: 1\n"),
            (std::vector<std::string>{
                "master.yaml:2:2: not UTF-8: byte 0xE9 does not belong to a UTF-8 character; "
                "master.yaml must be UTF-8 text"}));
  EXPECT_EQ(errors_of("title: \xE2\x82").size(), 1u);
  EXPECT_EQ(errors_of("\xFF\xFEt\0i\0"),
            (std::vector<std::string>{"master.yaml:1:1: not UTF-8: byte 0xFF does not "
                                      "belong to a UTF-8 character; master.yaml must be "
                                      "UTF-8 text"}));
  // Valid UTF-8, non-ASCII, is fine.
  EXPECT_EQ(errors_of(with_description("Größe – 大きさ")), std::vector<std::string>{});
}

// "Billion laughs": each level is a list of nine aliases of the level before. Seven
// levels expand to 9^7 (4.8 million) values; the property reader (and the recording
// of the file's secrets) would visit every one of them.
std::string alias_bomb(int levels) {
  std::string text = "x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level <= levels; ++level) {
    const std::string before = "*l" + std::to_string(level - 1);
    text += "x-l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 9; ++i) text += (i ? ", " : "") + before;
    text += "]\n";
  }
  return text + "properties: {bomb: *l" + std::to_string(levels) + "}\n";
}

TEST(ConfigLimits, AnAliasBombIsRefusedWithoutExpandingIt) {
  for (int levels : {7, 9}) {
    const auto start = std::chrono::steady_clock::now();
    auto errors = errors_of(alias_bomb(levels));
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(errors.size(), 1u) << levels;
    EXPECT_NE(errors[0].find("the document expands to more than 250000 values once its aliases "
                             "are resolved"),
              std::string::npos)
        << errors[0];
    EXPECT_LT(took, std::chrono::seconds(5)) << "refusing it should not expand it";
  }
  // A few levels expand to little: anchors and aliases as such are fine.
  EXPECT_EQ(errors_of(alias_bomb(2)), std::vector<std::string>{});
}

TEST(ConfigLimits, TooManyAliasesAreRefused) {
  std::string text = "x-a: &a 1\nx-list: [";
  for (int i = 0; i <= kMaxAliases; ++i) text += (i ? ", " : "") + std::string("*a");
  text += "]\n";
  auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("more than 10000 aliases; master.yaml may use at most 10000"),
            std::string::npos)
      << errors[0];
}

// An alias inside the node its anchor names makes the tree a cycle: every walk over it
// (the property reader, the redaction of secrets) would recurse until the stack ends.
TEST(ConfigLimits, AnAliasCycleIsRefused) {
  EXPECT_EQ(errors_of("properties: &a {p: *a}\n"),
            (std::vector<std::string>{
                "master.yaml:1:20: an alias inside the node its anchor names (a cycle)"}));
}

std::string nested(int depth) {
  return "properties:\n  deep: " + std::string(depth, '[') + std::string(depth, ']') + "\n";
}

TEST(ConfigLimits, DeepNestingIsRefusedAtTheLevelPastTheLimit) {
  // The document's map, properties' map, then 62 lists: 64 levels, the most allowed.
  EXPECT_EQ(errors_of(nested(kMaxNestingDepth - 2)), std::vector<std::string>{});
  // One more: reported at the 65th level, the 63rd '[' (line 2, after "  deep: " and
  // 62 '[': column 8 + 62 + 1).
  const std::vector<std::string> refused = {
      "master.yaml:2:71: nested deeper than 64 levels (lists and maps inside each other)"};
  EXPECT_EQ(errors_of(nested(kMaxNestingDepth - 1)), refused);
  // Far deeper (yaml-cpp alone gave up with an unhelpful message): the same answer.
  EXPECT_EQ(errors_of(nested(100000)), refused);
}

TEST(ConfigLimits, TextPastTheSizeCapIsRefused) {
  std::string text = "title: x\n# " + std::string(kMaxConfigBytes, 'x') + "\n";
  EXPECT_EQ(errors_of(text),
            (std::vector<std::string>{"master.yaml: the text is " + std::to_string(text.size()) +
                                      " bytes; master.yaml may hold at most 4194304"}));
}

TEST(ConfigLimits, AFilePastTheSizeCapIsRefusedBeforeItIsRead) {
  eventbot::testing::TempDir dir("config-limits");
  const auto path = dir / "master.yaml";
  std::ofstream(path) << master_yaml_template();
  std::filesystem::resize_file(path, 64ull * 1024 * 1024 * 1024);  // sparse: 64 GiB
  auto result = load_config_file(path);
  ASSERT_FALSE(result);
  ASSERT_EQ(result.error().size(), 1u);
  EXPECT_EQ(format_error(result.error()[0]),
            path.string() +
                ": cannot read the file: it is bigger than 4194304 bytes, the most master.yaml "
                "may hold");
}

TEST(ConfigLimits, PathsThatAreNotRegularFilesAreRefused) {
  // /dev/zero would be read until memory ran out.
  auto zero = load_config_file("/dev/zero");
  ASSERT_FALSE(zero);
  EXPECT_EQ(format_error(zero.error().at(0)),
            "/dev/zero: cannot read the file: it is a character device, not a regular file");
  // A FIFO nobody writes to would block the open for ever.
  eventbot::testing::TempDir dir("config-limits");
  const auto fifo = dir / "master.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto from_fifo = load_config_file(fifo);
  ASSERT_FALSE(from_fifo);
  EXPECT_EQ(format_error(from_fifo.error().at(0)),
            fifo.string() + ": cannot read the file: it is a FIFO, not a regular file");
  auto from_dir = load_config_file(dir.path());
  ASSERT_FALSE(from_dir);
  EXPECT_EQ(format_error(from_dir.error().at(0)),
            dir.path().string() + ": cannot read the file: it is a directory, not a regular file");
}

// The real template, under every limit, loads as before.
TEST(ConfigLimits, TheTemplateIsWellWithinTheLimits) {
  EXPECT_EQ(errors_of(master_yaml_template()), std::vector<std::string>{});
}

}  // namespace
}  // namespace eventbot::config
