// Bad master.yaml files and the exact errors checkconfig prints for them: position,
// key path and a message that says what to do.
#include <gtest/gtest.h>

#include "tests/config/config_test_support.hpp"

namespace eventbot::config {
namespace {

using testing::errors_of;

struct BadFile {
  std::string name;
  std::string yaml;
  std::vector<std::string> errors;
};

void PrintTo(const BadFile& row, std::ostream* out) {
  *out << row.name;
}

// The slave and builder most rows refer to; its four lines shift every row's lines by 4.
constexpr std::string_view kBase = R"(slaves:
  - {name: example-slave, password: pass}
builders:
  - {name: runtests, slaves: [example-slave]}
)";

std::string with_base(std::string_view rest) {
  return std::string(kBase) + std::string(rest);
}

const std::vector<BadFile> kBadFiles = {
    {"bad_step_parameter",
     "slaves:\n  - {name: example-slave, password: pass}\nbuilders:\n  - name: runtests\n"
     "    slaves: [example-slave]\n    steps:\n      - {type: shell, name: t, comand: [make]}\n",
     {R"(master.yaml:7:9: builders[0].steps[0]: step "t" (shell): command: is required)",
      R"(master.yaml:7:9: builders[0].steps[0]: step "t" (shell): comand: is not a parameter of shell steps (did you mean "command"?))"}},
    // A mistyped step type gets the one likely type, not a list of them.
    {"unknown_step_type_with_suggestion",
     "slaves:\n  - {name: example-slave, password: pass}\nbuilders:\n  - name: runtests\n"
     "    slaves: [example-slave]\n    steps:\n      - {type: shel, command: make}\n",
     {R"(master.yaml:7:16: builders[0].steps[0].type: unknown step type "shel" (did you mean "shell"?))"}},
    {"unknown_step_type_cut_short",
     "slaves:\n  - {name: example-slave, password: pass}\nbuilders:\n  - name: runtests\n"
     "    slaves: [example-slave]\n    steps:\n      - {type: master_shell, command: make}\n",
     {R"(master.yaml:7:16: builders[0].steps[0].type: unknown step type "master_shell" (did you mean "master_shell_command"?))"}},
    // Nothing close among many: no list of every step type (the reference has them).
    {"unknown_step_type_without_suggestion",
     "slaves:\n  - {name: example-slave, password: pass}\nbuilders:\n  - name: runtests\n"
     "    slaves: [example-slave]\n    steps:\n      - {type: zzz, command: make}\n",
     {R"(master.yaml:7:16: builders[0].steps[0].type: unknown step type "zzz")"}},
    // A mistyped key among many gets one suggestion, never the list of 16.
    {"unknown_builder_key_one_suggestion",
     "slaves:\n  - {name: example-slave, password: pass}\nbuilders:\n"
     "  - {name: runtests, slaves: [example-slave], catgory: x}\n",
     {R"(master.yaml:4:47: builders[0].catgory: unknown key "catgory" (did you mean "category"?))"}},
    {"unknown_key_with_suggestion",
     "titel: Example\n",
     {R"(master.yaml:1:1: titel: unknown key "titel" (did you mean "title"?))"}},
    {"unknown_key_buildbot_spelling",
     with_base("schedulers:\n  - {type: force, name: f, builderNames: [runtests]}\n"),
     {R"(master.yaml:6:5: schedulers[0]: missing required key "builders")",
      R"(master.yaml:6:28: schedulers[0].builderNames: unknown key "builderNames" (did you mean "builders"?))"}},
    {"unknown_key_camel_case",
     with_base("schedulers:\n  - {type: any_branch, name: a, builders: [runtests], "
               "treeStableTimer: 60}\n"),
     {R"(master.yaml:6:55: schedulers[0].treeStableTimer: unknown key "treeStableTimer" (did you mean "tree_stable_timer"?))"}},
    {"unknown_key_in_another_section",
     "slavePortnum: 9990\n",
     {R"(master.yaml:1:1: slavePortnum: unknown key "slavePortnum" (did you mean "master.slave_port"?))"}},
    {"unknown_key_without_suggestion",
     "horizons: {zzz: 1}\n",
     {R"(master.yaml:1:12: horizons.zzz: unknown key "zzz"; known keys: changes, builds, logs, log_days)"}},
    {"key_of_another_scheduler_type",
     with_base(
         "schedulers:\n  - {type: single_branch, name: a, builders: [runtests], period: 60}\n"),
     {R"(master.yaml:6:58: schedulers[0].period: key "period" does not apply to single_branch schedulers)"}},
    {"wrong_type_integer",
     "master: {slave_port: lots}\n",
     {R"(master.yaml:1:22: master.slave_port: expected an integer, got "lots")"}},
    {"tls_without_key",
     "master: {tls: {certificate: cert.pem}}\n",
     {R"(master.yaml:1:15: master.tls: missing required key "key")"}},
    {"tls_unknown_key",
     "master: {tls: {certificate: c.pem, key: k.pem, password: x}}\n",
     {R"(master.yaml:1:48: master.tls.password: unknown key "password"; known keys: certificate, key)"}},
    {"wrong_type_boolean",
     "master: {collapse_requests: maybe}\n",
     {R"(master.yaml:1:29: master.collapse_requests: expected true or false, got "maybe")"}},
    {"wrong_type_list",
     "slaves: {name: example-slave}\n",
     {R"(master.yaml:1:9: slaves: expected a list, got a map)"}},
    {"wrong_type_string",
     "title: [Example]\n",
     {R"(master.yaml:1:8: title: expected a string, got a list)"}},
    {"wrong_type_duration",
     with_base("schedulers:\n  - {type: periodic, name: p, builders: [runtests], period: soon}\n"),
     {R"(master.yaml:6:61: schedulers[0].period: expected a duration (seconds, or "30s", "5m", "2h", "1d"), got "soon")"}},
    {"out_of_range_port",
     "web: {port: 70000}\n",
     {R"(master.yaml:1:13: web.port: must be between 0 and 65535, got 70000)"}},
    {"missing_required_key",
     "slaves:\n  - {password: pass}\n",
     {R"(master.yaml:2:5: slaves[0]: missing required key "name")"}},
    {"key_without_value",
     "slaves:\n  - name:\n    password: pass\n",
     {R"(master.yaml:2:5: slaves[0].name: "name" needs a value)"}},
    {"empty_list_element",
     "slaves:\n  -\n",
     {R"(master.yaml:2:3: slaves[0]: expected a map, got nothing)"}},
    {"unknown_choice",
     "master: {durability: fast}\n",
     {R"(master.yaml:1:22: master.durability: unknown durability "fast"; expected one of: sync, group, nosync)"}},
    {"unknown_scheduler_type",
     with_base("schedulers:\n  - {type: nighty, name: n, builders: [runtests]}\n"),
     {R"(master.yaml:6:12: schedulers[0].type: unknown scheduler type "nighty" (did you mean "nightly"?))"}},
    {"dangling_builder",
     with_base("schedulers:\n  - {type: any_branch, name: all, builders: [runtest]}\n"),
     {R"(master.yaml:6:46: schedulers[0].builders[0]: no builder named "runtest" (did you mean "runtests"?))"}},
    {"dangling_slave",
     "slaves:\n  - {name: example-slave, password: pass}\nbuilders:\n"
     "  - {name: runtests, slaves: [exmaple-slave]}\n",
     {R"(master.yaml:4:31: builders[0].slaves[0]: no slave named "exmaple-slave" (did you mean "example-slave"?))"}},
    {"dangling_upstream",
     with_base("schedulers:\n  - {type: any_branch, name: all, builders: [runtests]}\n"
               "  - {type: dependent, name: after, upstream: al, builders: [runtests]}\n"),
     {R"(master.yaml:7:46: schedulers[1].upstream: no scheduler named "al" (did you mean "all"?))"}},
    {"dependency_cycle",
     with_base("schedulers:\n"
               "  - {type: dependent, name: a, upstream: b, builders: [runtests]}\n"
               "  - {type: dependent, name: b, upstream: a, builders: [runtests]}\n"),
     {R"(master.yaml:6:42: schedulers[0].upstream: dependency cycle: a -> b -> a)"}},
    {"duplicate_slave",
     "slaves:\n  - {name: s, password: p}\n  - {name: s, password: q}\n",
     {R"(master.yaml:3:12: slaves[1].name: duplicate slave name "s" (first at line 2))"}},
    {"duplicate_scheduler",
     with_base("schedulers:\n  - {type: force, name: f, builders: [runtests]}\n"
               "  - {type: force, name: f, builders: [runtests]}\n"),
     {R"(master.yaml:7:25: schedulers[1].name: duplicate scheduler name "f" (first at line 6))"}},
    {"duplicate_builder",
     with_base("  - {name: runtests, slaves: [example-slave]}\n"),
     {R"(master.yaml:5:12: builders[1].name: duplicate builder name "runtests" (first at line 4))"}},
    {"duplicate_key",
     "title: a\ntitle: b\n",
     {R"(master.yaml:2:1: title: duplicate key "title" (first at line 1))"}},
    {"duplicate_list_entry",
     with_base("schedulers:\n  - {type: force, name: f, builders: [runtests, runtests]}\n"),
     {R"(master.yaml:6:49: schedulers[0].builders[1]: "runtests" is listed twice)"}},
    {"bad_regex",
     with_base("schedulers:\n  - {type: any_branch, name: a, builders: [runtests],\n"
               "     change_filter: {branch: {regex: \"release/(\"}}}\n"),
     {R"(master.yaml:7:38: schedulers[0].change_filter.branch.regex: invalid regular expression "release/(": missing ): release/()"}},
    {"regex_lookahead",
     "validation:\n  branch: \"^(?!tmp/)[a-z/]*$\"\n",
     {R"(master.yaml:2:11: validation.branch: invalid regular expression "^(?!tmp/)[a-z/]*$": invalid perl operator: (?! (RE2 syntax has no lookahead or lookbehind))"}},
    {"regex_backreference_in_a_step",
     "slaves:\n  - {name: example-slave, password: pass}\nbuilders:\n  - name: runtests\n"
     "    slaves: [example-slave]\n    steps:\n      - {type: set_property_from_command, "
     "name: t, command: x, extract_fn: \"(?P<a>x)\\\\1\"}\n",
     {R"(master.yaml:7:9: builders[0].steps[0]: step "t" (set_property_from_command): extract_fn: is not a regular expression: invalid escape sequence: \1 (RE2 syntax has no backreferences))"}},
    {"bad_glob",
     with_base("schedulers:\n  - {type: any_branch, name: a, builders: [runtests],\n"
               "     file_is_important: {include: [\"src/[ab\"], exclude: [\"docs/*\"]}}\n"),
     {R"(master.yaml:7:36: schedulers[0].file_is_important.include[0]: invalid glob "src/[ab": unclosed '[')"}},
    {"cron_out_of_range",
     with_base("schedulers:\n  - {type: nightly, name: n, builders: [runtests], minute: 75,\n"
               "     hour: [1, 24], day_of_week: 7}\n"),
     {R"(master.yaml:6:60: schedulers[0].minute: must be between 0 and 59, got 75)",
      R"(master.yaml:7:16: schedulers[0].hour[1]: must be between 0 and 23, got 24)",
      R"(master.yaml:7:34: schedulers[0].day_of_week: must be between 0 and 6, got 7)"}},
    {"cron_not_a_number",
     with_base("schedulers:\n  - {type: nightly, name: n, builders: [runtests], hour: noon}\n"),
     {R"(master.yaml:6:58: schedulers[0].hour: expected an integer, got "noon")"}},
    {"password_and_hash",
     "slaves:\n  - name: s\n    password: pass\n    password_hash: "
     "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"\n",
     {R"(master.yaml:4:20: slaves[0].password_hash: give one of "password", "password_hash", "password_file" and "password_env", not several)"}},
    {"no_password",
     "change_sources:\n  - {type: sendchange, user: change}\n",
     {R"(master.yaml:2:5: change_sources[0]: missing "password" (or "password_hash", "password_file", "password_env"))"}},
    {"malformed_hash",
     "web:\n  users:\n    - {name: admin, password_hash: \"sha256:12\"}\n",
     {R"(master.yaml:3:36: web.users[0].password_hash: must be what `eventbot hash-password --web NAME` prints ("$argon2id$..."), or a "SCRAM-SHA-256$..." or older "sha256:..." hash)"}},
    {"yaml_syntax_error",
     "title: Example\nslaves: [\n  {name: s\n",
     {R"(master.yaml:4:1: YAML syntax error: end of map flow not found)"}},
    {"yaml_tab_indentation",
     "master:\n\tslave_port: 9989\n",
     {R"(master.yaml:2:12: YAML syntax error: illegal map value)"}},
    {"not_a_map", "just some text\n", {R"(master.yaml:1:1: expected a map, got "just some text")"}},
    {"second_document",
     "title: a\n---\ntitle: b\n",
     {R"(master.yaml:3:1: a second YAML document; master.yaml holds one)"}},
    {"matrix_unknown_placeholder",
     "slaves:\n  - {name: linux-slave, password: p}\nbuilders:\n"
     "  - name: \"build-{compiler}\"\n    matrix: {compiler: [gcc, clang]}\n"
     "    slaves: [\"{platfrom}-slave\"]\n",
     {R"(master.yaml:6:14: builders[0].slaves[0]: "{platfrom}" is not a matrix axis)"}},
    {"matrix_placeholder_suggestion",
     "slaves:\n  - {name: linux-slave, password: p}\nbuilders:\n"
     "  - name: \"build-{compilr}-{platform}\"\n    matrix: {compiler: [gcc], platform: [linux]}\n"
     "    slaves: [\"{platform}-slave\"]\n",
     {R"(master.yaml:4:11: builders[0].name: "{compilr}" is not a matrix axis (did you mean "compiler"?))"}},
    {"matrix_duplicate_expanded_names",
     "slaves:\n  - {name: s, password: p}\nbuilders:\n"
     "  - name: \"build-{compiler}\"\n    matrix: {compiler: [gcc, clang], platform: [linux, "
     "bsd]}\n"
     "    slaves: [s]\n",
     {R"(master.yaml:4:11: builders[0].name: the matrix gives more than one builder the name "build-gcc"; add {platform} to it)"}},
    {"matrix_name_clashes_with_builder",
     "slaves:\n  - {name: s, password: p}\nbuilders:\n  - {name: build-gcc, slaves: [s]}\n"
     "  - {name: \"build-{cc}\", matrix: {cc: [gcc, clang]}, slaves: [s]}\n",
     {R"(master.yaml:5:12: builders[1].name: duplicate builder name "build-gcc" (first at line 4))"}},
    {"matrix_axis_without_values",
     "slaves:\n  - {name: s, password: p}\nbuilders:\n"
     "  - {name: \"b-{cc}\", matrix: {cc: []}, slaves: [s]}\n",
     {R"(master.yaml:4:35: builders[0].matrix.cc: an axis needs at least one value)"}},
    {"builder_without_slaves",
     "builders:\n  - {name: runtests, slaves: []}\n",
     {R"(master.yaml:2:30: builders[0].slaves: names no slave; a builder needs at least one)"}},
    {"scheduler_without_builders",
     with_base("schedulers:\n  - {type: force, name: f, builders: []}\n"),
     {R"(master.yaml:6:38: schedulers[0].builders: names no builder; a scheduler needs at least one)"}},
    {"shared_builddir",
     "slaves:\n  - {name: s, password: p}\nbuilders:\n  - {name: a, slaves: [s]}\n"
     "  - {name: b, slaves: [s], builddir: a}\n",
     {R"(master.yaml:5:38: builders[1].builddir: builddir "a" is also builder "a"'s)"}},
    {"builddir_outside_base",
     "slaves:\n  - {name: s, password: p}\nbuilders:\n  - {name: a, slaves: [s], builddir: ../a}\n",
     {R"(master.yaml:4:38: builders[0].builddir: "../a" climbs out of the base directory)"}},
    {"builder_name_unfit_for_a_directory",
     "slaves:\n  - {name: s, password: p}\nbuilders:\n  - {name: /srv/a, slaves: [s]}\n",
     {R"(master.yaml:4:12: builders[0].name: as a builddir, "/srv/a" is an absolute path; give a builddir)"}},
    {"ports_clash",
     "master: {slave_port: 8010}\n",
     {R"(master.yaml:1:22: master.slave_port: the web and the slaves cannot share port 8010)"}},
    {"bad_mail_address",
     "slaves:\n  - {name: s, password: p, notify_on_missing: [admin.example.org]}\n",
     {R"(master.yaml:2:48: slaves[0].notify_on_missing[0]: "admin.example.org" is not a mail address)"}},
    {"horizons_logs_beyond_builds",
     "horizons: {builds: 10, logs: 20}\n",
     {R"(master.yaml:1:30: horizons.logs: keeps the logs of 20 builds, but builds keeps only 10)"}},
    {"unknown_status_type",
     "status:\n  - {type: email}\n",
     {R"(master.yaml:2:12: status[0].type: unknown status target type "email" (did you mean "mail"?))"}},
    {"bad_authz_rule",
     "web: {authz: {stop_build: everyone}}\n",
     {R"(master.yaml:1:27: web.authz.stop_build: expected anyone, nobody, authenticated or a list of roles, got "everyone")"}},
};

class BadFileTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadFileTest, ReportsExactlyItsErrors) {
  EXPECT_EQ(errors_of(GetParam().yaml), GetParam().errors) << GetParam().yaml;
}

INSTANTIATE_TEST_SUITE_P(Config, BadFileTest, ::testing::ValuesIn(kBadFiles),
                         [](const auto& info) { return info.param.name; });

TEST(ConfigErrors, ReportsEveryErrorInFileOrder) {
  const std::string yaml = R"(titel: Example
master: {slave_port: 99999}
slaves:
  - {name: example-slave, password: pass, max_builds: many}
builders:
  - {name: runtests, slaves: [example-slav]}
schedulers:
  - {type: nightly, name: n, builders: [runtest], minute: 60}
)";
  EXPECT_EQ(
      errors_of(yaml),
      (std::vector<std::string>{
          R"(master.yaml:1:1: titel: unknown key "titel" (did you mean "title"?))",
          R"(master.yaml:2:22: master.slave_port: must be between 0 and 65535, got 99999)",
          R"(master.yaml:4:55: slaves[0].max_builds: expected an integer, got "many")",
          R"(master.yaml:6:31: builders[0].slaves[0]: no slave named "example-slav" (did you mean "example-slave"?))",
          R"(master.yaml:8:41: schedulers[0].builders[0]: no builder named "runtest" (did you mean "runtests"?))",
          R"(master.yaml:8:59: schedulers[0].minute: must be between 0 and 59, got 60)",
      }));
}

TEST(ConfigErrors, NeverShowPasswords) {
  const std::string yaml = R"(slaves:
  - {name: a, password: hunter2, password_hash: hunter3}
  - {name: b, password_hash: hunter4}
change_sources:
  - {type: sendchange, password: hunter5, password_hash: "sha256:hunter6"}
web:
  users: [{name: admin, password_hash: hunter7}]
)";
  auto errors = errors_of(yaml);
  EXPECT_EQ(errors.size(), 4u);
  for (const auto& error : errors) EXPECT_EQ(error.find("hunter"), std::string::npos) << error;
}

TEST(ConfigErrors, UnreadableFileIsOneErrorWithoutPosition) {
  auto result = load_config_file("/nonexistent/master.yaml");
  ASSERT_FALSE(result);
  ASSERT_EQ(result.error().size(), 1u);
  EXPECT_EQ(format_error(result.error()[0]),
            "/nonexistent/master.yaml: cannot read the file: No such file or directory");
}

}  // namespace
}  // namespace eventbot::config

namespace eventbot::config {
namespace {

// master.port_limits (docs/SECURITY.md, "The slave port"): read with units, defaults
// kept for keys not given, and bad values refused with their position.
TEST(ConfigErrors, PortLimitsAreReadAndBadOnesRefusedWithTheirPosition) {
  auto loaded = load_config_string(
      "master: {port_limits: {max_pending_per_address: 4, login_timeout: 5s, "
      "max_login_frame: 16KiB}}\n",
      "master.yaml");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->port_limits.max_pending_per_address, 4u);
  EXPECT_EQ(loaded->port_limits.login_timeout, std::chrono::seconds(5));
  EXPECT_EQ(loaded->port_limits.max_login_frame, 16u * 1024u);
  EXPECT_EQ(loaded->port_limits.max_connections, port::PortLimits{}.max_connections);

  auto errors = errors_of("master: {port_limits: {max_login_frame: 100, max_pending: 0}}\n");
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("master.yaml:1:41: master.port_limits.max_login_frame: must be "
                           "between 1KiB and 16MiB"),
            std::string::npos)
      << errors[0];
  EXPECT_NE(errors[1].find("master.port_limits.max_pending"), std::string::npos) << errors[1];
}

}  // namespace
}  // namespace eventbot::config
