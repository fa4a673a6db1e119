// `eventbot checkconfig`: its output and exit code, on files in a temporary directory.
#include "actors/config/checkconfig.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "actors/config/master_yaml_template.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::config {
namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome checkconfig(const std::filesystem::path& path) {
  std::ostringstream out, err;
  int code = run_checkconfig(path, out, err);
  return {code, out.str(), err.str()};
}

TEST(Checkconfig, AGoodDirectorySaysSo) {
  eventbot::testing::TempDir dir("checkconfig");
  write_file(dir / "master.yaml", master_yaml_template());
  Outcome outcome = checkconfig(dir.path());
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(outcome.out, "Config file is good!\n");
  EXPECT_EQ(outcome.err, "");
}

TEST(Checkconfig, AGoodFileNamedDirectly) {
  eventbot::testing::TempDir dir("checkconfig");
  write_file(dir / "other.yaml", master_yaml_template());
  EXPECT_EQ(checkconfig(dir / "other.yaml").code, 0);
}

TEST(Checkconfig, ABadFilePrintsEveryErrorAndFails) {
  eventbot::testing::TempDir dir("checkconfig");
  const std::string path = (dir / "master.yaml").string();
  write_file(path, R"(titel: x
slaves:
  - {name: s, password: p}
builders:
  - {name: runtests, slaves: [t]}
schedulers:
  - {type: force, name: f, builders: [runtest]}
)");
  Outcome outcome = checkconfig(dir.path());
  EXPECT_EQ(outcome.code, 1);
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(
      outcome.err,
      path + R"(:1:1: titel: unknown key "titel" (did you mean "title"?)
)" + path +
          R"(:5:31: builders[0].slaves[0]: no slave named "t"
)" + path +
          R"(:7:39: schedulers[0].builders[0]: no builder named "runtest" (did you mean "runtests"?)
)");
}

TEST(Checkconfig, AMissingFileFails) {
  eventbot::testing::TempDir dir("checkconfig");
  Outcome outcome = checkconfig(dir.path());
  EXPECT_EQ(outcome.code, 1);
  EXPECT_EQ(outcome.err,
            (dir / "master.yaml").string() + ": cannot read the file: No such file or directory\n");
}

}  // namespace
}  // namespace eventbot::config
