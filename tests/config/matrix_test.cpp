// A builder matrix: one builder per combination of axis values, in a stable order, with
// the values interpolated into its strings and set as properties.
#include <gtest/gtest.h>

#include "tests/config/config_test_support.hpp"

namespace eventbot::config {
namespace {

const std::string kMatrixFile = R"(slaves:
  - {name: linux-slave, password: p}
  - {name: bsd-slave, password: p}
builders:
  - name: "build-{compiler}-{platform}"
    matrix: {compiler: [gcc, clang], platform: [linux, bsd]}
    slaves: ["{platform}-slave"]
    builddir: "{platform}/{compiler}"
    env: {CC: "{compiler}", HOME_DIR: "${HOME}"}
    properties: {cc: "{compiler}", platform: "overridden-{platform}"}
    description: "{compiler} on {platform}"
    steps:
      - type: shell
        name: "compile with {compiler}"
        command: ["make", "CC={compiler}", "{not_an_axis"]
        description: '{"key": "{platform}"}'
schedulers:
  - {type: force, name: force, builders: [build-clang-bsd, build-gcc-linux]}
)";

TEST(BuilderMatrix, ExpandsToTheCartesianProductFirstAxisSlowest) {
  auto result = load_config_string(kMatrixFile, "master.yaml");
  ASSERT_TRUE(result) << ::testing::PrintToString(testing::errors_of(kMatrixFile));
  std::vector<std::string> names;
  for (const auto& builder : result->builders) names.push_back(builder.name);
  EXPECT_EQ(names, (std::vector<std::string>{"build-gcc-linux", "build-gcc-bsd",
                                             "build-clang-linux", "build-clang-bsd"}));
}

TEST(BuilderMatrix, InterpolatesEveryStringOfTheBuilder) {
  auto result = load_config_string(kMatrixFile, "master.yaml");
  ASSERT_TRUE(result);
  const BuilderConfig& b = result->builders[1];  // gcc, bsd
  EXPECT_EQ(b.slaves, std::vector<std::string>{"bsd-slave"});
  EXPECT_EQ(b.builddir, "bsd/gcc");
  EXPECT_EQ(b.slavebuilddir, "bsd/gcc");
  // Shell's ${HOME} is not a placeholder.
  EXPECT_EQ(b.env, (std::map<std::string, std::string>{{"CC", "gcc"}, {"HOME_DIR", "${HOME}"}}));
  EXPECT_EQ(b.description, "gcc on bsd");
  ASSERT_EQ(b.steps.size(), 1u);
  EXPECT_EQ(b.steps[0].name, "compile with gcc");
  EXPECT_EQ(b.steps[0].params.at("command"), R"(["make","CC=gcc","{not_an_axis"])");
  EXPECT_EQ(b.steps[0].params.at("description"), R"("{\"key\": \"bsd\"}")");
}

TEST(BuilderMatrix, SetsEachAxisAsAPropertyUnlessWrittenOtherwise) {
  auto result = load_config_string(kMatrixFile, "master.yaml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->builders[2].properties, (PropertyMap{{"cc", R"("clang")"},
                                                         {"compiler", R"("clang")"},
                                                         {"platform", R"("overridden-linux")"}}));
}

TEST(BuilderMatrix, ExpandedBuildersAreUsedLikeAnyOther) {
  auto result = load_config_string(kMatrixFile, "master.yaml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->schedulers[0].builders,
            (std::vector<std::string>{"build-clang-bsd", "build-gcc-linux"}));
}

TEST(BuilderMatrix, ReportsAnErrorOnceNotOncePerExpansion) {
  const std::string yaml = R"(slaves:
  - {name: s, password: p}
builders:
  - name: "b-{x}-{y}"
    matrix: {x: [1, 2, 3], y: [a, b]}
    slaves: [s]
    category: "{z}"
    max_builds: 3
)";
  EXPECT_EQ(testing::errors_of(yaml),
            (std::vector<std::string>{
                R"(master.yaml:7:15: builders[0].category: "{z}" is not a matrix axis)",
                R"(master.yaml:8:5: builders[0].max_builds: unknown key "max_builds")",
            }));
}

TEST(BuilderMatrix, BracesOutsideAMatrixAreLeftAlone) {
  auto result = load_config_string(R"(slaves: [{name: s, password: p}]
builders:
  - {name: "plain-{x}", slaves: [s]}
)",
                                   "master.yaml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->builders[0].name, "plain-{x}");
}

TEST(BuilderMatrix, RefusesAMatrixOfMoreThanAThousandBuilders) {
  std::string values = "[";
  for (int i = 0; i < 40; ++i) values += (i ? "," : "") + std::to_string(i);
  values += "]";
  const std::string yaml =
      "slaves: [{name: s, password: p}]\nbuilders:\n  - name: \"b-{x}-{y}\"\n"
      "    matrix: {x: " +
      values + ", y: " + values + "}\n    slaves: [s]\n";
  EXPECT_EQ(testing::errors_of(yaml),
            (std::vector<std::string>{
                "master.yaml:4:13: builders[0].matrix: expands to 1600 builders; at most 1000 are "
                "allowed"}));
}

}  // namespace
}  // namespace eventbot::config
