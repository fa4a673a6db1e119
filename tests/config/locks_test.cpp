// master.yaml's `locks:` section, the lock uses of builders and steps (with their errors,
// exactly as checkconfig prints them), parse_lock_uses, and the builder keys the
// distributor reads (priority, the next_slave policies).
#include <gtest/gtest.h>

#include "actors/config/lock_uses.hpp"
#include "tests/config/config_test_support.hpp"

namespace eventbot::config {
namespace {

using testing::errors_of;

// Two slaves, two locks; lines 1-7. Rows append builders and more.
constexpr std::string_view kBase = R"(slaves:
  - {name: fast, password: p}
  - {name: slow, password: p}
locks:
  - {name: database, type: master}
  - {name: compile, type: slave, max_count: 2, max_count_for_slave: {fast: 4}}
builders:
)";

std::string with_base(std::string_view rest) {
  return std::string(kBase) + std::string(rest);
}

TEST(LockConfig, LoadsLocksAndUses) {
  auto result = load_config_string(
      with_base("  - name: b\n"
                "    slaves: [fast, slow]\n"
                "    locks: [database, {name: compile, access: counting}]\n"
                "    steps:\n"
                "      - {type: shell, command: make, locks: {name: database, access: counting}}\n"
                "      - {type: shell, command: test, locks: compile}\n"),
      "master.yaml");
  ASSERT_TRUE(result) << ::testing::PrintToString(errors_of(with_base("")));
  ASSERT_EQ(result->locks.size(), 2u);
  EXPECT_EQ(result->locks[0], (LockConfig{"database", LockType::master, 1, {}}));
  EXPECT_EQ(result->locks[1], (LockConfig{"compile", LockType::slave, 2, {{"fast", 4}}}));
  const auto& b = result->builders.at(0);
  EXPECT_EQ(b.locks, (std::vector<LockUse>{{"database", LockAccess::exclusive},
                                           {"compile", LockAccess::counting}}));
  auto step0 = step_lock_uses(b.steps.at(0));
  ASSERT_TRUE(step0) << step0.error();
  EXPECT_EQ(*step0, (std::vector<LockUse>{{"database", LockAccess::counting}}));
  auto step1 = step_lock_uses(b.steps.at(1));
  ASSERT_TRUE(step1) << step1.error();
  EXPECT_EQ(*step1, (std::vector<LockUse>{{"compile", LockAccess::exclusive}}));
}

TEST(LockConfig, BuilderPriorityAndNextSlavePolicies) {
  auto result = load_config_string(
      with_base("  - {name: a, slaves: [fast], next_slave: least_recently_used, priority: 7}\n"
                "  - {name: b, slaves: [fast], next_slave: fewest_builds, priority: -2}\n"
                "  - {name: c, slaves: [fast]}\n"),
      "master.yaml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->builders[0].next_slave, NextSlavePolicy::least_recently_used);
  EXPECT_EQ(result->builders[0].priority, 7);
  EXPECT_EQ(result->builders[1].next_slave, NextSlavePolicy::fewest_builds);
  EXPECT_EQ(result->builders[1].priority, -2);
  EXPECT_EQ(result->builders[2].priority, 0);
  EXPECT_TRUE(result->builders[2].locks.empty());
}

struct BadLocks {
  std::string name;
  std::string yaml;
  std::vector<std::string> errors;
};

void PrintTo(const BadLocks& row, std::ostream* out) {
  *out << row.name;
}

const std::vector<BadLocks> kBadLocks = {
    {"unknown_lock_in_builder",
     with_base("  - {name: b, slaves: [fast], locks: [databse]}\n"),
     {R"(master.yaml:8:39: builders[0].locks[0]: no lock named "databse" (did you mean "database"?))"}},
    {"unknown_lock_in_builder_map",
     with_base("  - {name: b, slaves: [fast], locks: [{name: compil, access: counting}]}\n"),
     {R"(master.yaml:8:46: builders[0].locks[0].name: no lock named "compil" (did you mean "compile"?))"}},
    {"unknown_lock_in_step",
     with_base("  - name: b\n    slaves: [fast]\n    steps:\n"
               "      - {type: shell, command: make, locks: [compiel]}\n"),
     {R"(master.yaml:11:46: builders[0].steps[0].locks[0]: no lock named "compiel" (did you mean "compile"?))"}},
    {"bad_access",
     with_base("  - {name: b, slaves: [fast], locks: [{name: compile, access: count}]}\n"),
     {R"(master.yaml:8:63: builders[0].locks[0].access: unknown lock access "count" (did you mean "counting"?))"}},
    {"bad_access_in_step",
     with_base(
         "  - name: b\n    slaves: [fast]\n    steps:\n"
         "      - {type: shell, command: \"true\", locks: [{name: compile, access: exclusiv}]}\n"),
     {R"(master.yaml:11:72: builders[0].steps[0].locks[0].access: unknown lock access "exclusiv" (did you mean "exclusive"?))"}},
    {"lock_listed_twice",
     with_base("  - {name: b, slaves: [fast], locks: [database, {name: database}]}\n"),
     {R"(master.yaml:8:49: builders[0].locks[1]: lock "database" is listed twice)"}},
    {"max_count_zero",
     "locks:\n  - {name: l, type: master, max_count: 0}\n",
     {R"(master.yaml:2:40: locks[0].max_count: must be between 1 and 1000000, got 0)"}},
    {"max_count_for_slave_zero",
     with_base("").substr(0, kBase.size() - 10) +
         "  - {name: l, type: slave, max_count_for_slave: {fast: 0}}\n",
     {R"(master.yaml:7:56: locks[2].max_count_for_slave.fast: must be between 1 and 1000000, got 0)"}},
    {"max_count_for_slave_unknown_slave",
     with_base("").substr(0, kBase.size() - 10) +
         "  - {name: l, type: slave, max_count_for_slave: {fastt: 2}}\n",
     {R"(master.yaml:7:57: locks[2].max_count_for_slave.fastt: no slave named "fastt" (did you mean "fast"?))"}},
    {"max_count_for_slave_on_master_lock",
     with_base("").substr(0, kBase.size() - 10) +
         "  - {name: l, type: master, max_count_for_slave: {fast: 2}}\n",
     {R"(master.yaml:7:50: locks[2].max_count_for_slave: max_count_for_slave applies only to slave locks (type: slave))"}},
    {"missing_type",
     "locks:\n  - {name: l}\n",
     {R"(master.yaml:2:5: locks[0]: missing required key "type")"}},
    {"unknown_type",
     "locks:\n  - {name: l, type: builder}\n",
     {R"(master.yaml:2:21: locks[0].type: unknown lock type "builder"; expected one of: master, slave)"}},
    {"duplicate_lock",
     "locks:\n  - {name: l, type: master}\n  - {name: l, type: slave}\n",
     {R"(master.yaml:3:12: locks[1].name: duplicate lock name "l" (first at line 2))"}},
    {"unknown_lock_key",
     "locks:\n  - {name: l, type: master, maxCount: 2}\n",
     {R"(master.yaml:2:29: locks[0].maxCount: unknown key "maxCount" (did you mean "max_count"?))"}},
    {"unknown_next_slave",
     with_base("  - {name: b, slaves: [fast], next_slave: fewest}\n"),
     {R"(master.yaml:8:43: builders[0].next_slave: unknown next_slave policy "fewest" (did you mean "fewest_builds"?))"}},
    {"bad_priority",
     with_base("  - {name: b, slaves: [fast], priority: high}\n"),
     {R"(master.yaml:8:41: builders[0].priority: expected an integer, got "high")"}},
};

class BadLocksTest : public ::testing::TestWithParam<BadLocks> {};

TEST_P(BadLocksTest, ReportsExactlyItsErrors) {
  EXPECT_EQ(errors_of(GetParam().yaml), GetParam().errors);
}

INSTANTIATE_TEST_SUITE_P(Locks, BadLocksTest, ::testing::ValuesIn(kBadLocks),
                         [](const auto& info) { return info.param.name; });

TEST(ParseLockUses, NamesMapsAndALoneEntry) {
  auto uses = parse_lock_uses(R"(["db", {"name": "cpu", "access": "counting"}, {"name": "x"}])");
  ASSERT_TRUE(uses) << uses.error();
  EXPECT_EQ(*uses, (std::vector<LockUse>{{"db", LockAccess::exclusive},
                                         {"cpu", LockAccess::counting},
                                         {"x", LockAccess::exclusive}}));
  auto lone = parse_lock_uses(R"("db")");
  ASSERT_TRUE(lone);
  EXPECT_EQ(*lone, (std::vector<LockUse>{{"db", LockAccess::exclusive}}));
  auto none = parse_lock_uses("null");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(step_lock_uses(StepConfig{"shell", "s", {}})->empty());
}

TEST(ParseLockUses, Errors) {
  EXPECT_EQ(parse_lock_uses("[").error(), "not JSON: [");
  EXPECT_EQ(parse_lock_uses(R"([{"name": "db", "access": "shared"}])").error(),
            R"(unknown lock access "shared"; expected one of: exclusive, counting)");
  EXPECT_EQ(parse_lock_uses(R"([{"access": "counting"}])").error(),
            R"(a lock use needs a name: {"access":"counting"})");
  EXPECT_EQ(parse_lock_uses("[3]").error(), "a lock use is a name or {name, access}, got 3");
  EXPECT_EQ(parse_lock_uses(R"(["db", "db"])").error(), R"(lock "db" is listed twice)");
  EXPECT_EQ(parse_lock_uses(R"([{"name": "db", "mode": "x"}])").error(),
            R"(unknown key "mode" in a lock use; known keys: name, access)");
}

}  // namespace
}  // namespace eventbot::config
