// Each step type: the plan it produces (the StartCommand's args, the master's part) and
// the validation errors of a bad configuration.
#include <gtest/gtest.h>

#include <algorithm>

#include "actors/builds/steps/shell.hpp"
#include "actors/builds/steps/step_types.hpp"

namespace eventbot::builds {
namespace {

config::StepConfig step(const std::string& type, std::map<std::string, std::string> params = {}) {
  return config::StepConfig{type, type + "-step", std::move(params)};
}

Properties props() {
  Properties p;
  p.set("branch", "main", "Build");
  p.set("got_revision", "deadbeef", "Git");
  p.set("n", 3, "Build");
  p.set("release", "1.0", "Force Build Form");
  return p;
}

StepContext context() {
  StepContext c;
  c.builder = "runtests";
  c.builder_env = {{"LANG", "C"}, {"CC", "gcc"}};
  events::SourceStamp ss;
  ss.set_branch("feature");
  ss.set_revision("abc");
  ss.set_repository("git://r");
  c.sourcestamps = {ss};
  return c;
}

PreparedStep prepare(const config::StepConfig& s, const Properties& p = props()) {
  auto prepared = prepare_step(s, p, context());
  EXPECT_TRUE(prepared.has_value()) << (prepared ? "" : prepared.error().front());
  if (!prepared) return PreparedStep{};
  return std::move(*prepared);
}

// The errors validate_step gives, which must mention each of `needles`.
void expect_errors(const config::StepConfig& s, std::vector<std::string> needles) {
  auto errors = validate_step(s);
  ASSERT_FALSE(errors.empty()) << "no errors for " << s.type;
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  for (const auto& needle : needles) {
    EXPECT_NE(all.find(needle), std::string::npos) << "missing \"" << needle << "\" in:\n" << all;
  }
}

TEST(StepTypes, AllListedAndValidatable) {
  auto types = step_types();
  EXPECT_EQ(types.size(), 15u);
  EXPECT_NE(std::find(types.begin(), types.end(), "set_property_from_command"), types.end());
  expect_errors(step("frobnicate"), {"unknown step type \"frobnicate\"", "shell"});
}

TEST(ShellStep, ListCommandAndDefaults) {
  auto p = prepare(step("shell", {{"command", R"(["make", "-j2", "%(branch)s"])"}}));
  ASSERT_TRUE(p.plan.remote.has_value());
  EXPECT_EQ(p.plan.remote->builder(), "runtests");
  EXPECT_TRUE(p.plan.remote->command_id().empty());
  const auto& a = p.plan.remote->shell();
  ASSERT_EQ(a.argv_size(), 3);
  EXPECT_EQ(a.argv(2), "main");
  EXPECT_TRUE(a.shell().empty());
  EXPECT_EQ(a.workdir(), "build");
  EXPECT_TRUE(a.want_stdout());
  EXPECT_TRUE(a.want_stderr());
  EXPECT_FALSE(a.use_pty());
  EXPECT_EQ(a.timeout_s(), 1200u);
  EXPECT_EQ(a.max_time_s(), 0u);
  EXPECT_EQ(a.interrupt_signal(), "KILL");
  EXPECT_TRUE(a.log_environ());
  ASSERT_EQ(a.env_size(), 2);  // the builder's env
  EXPECT_EQ(p.common.description, (std::vector<std::string>{"'make", "-j2", "...'"}));
  EXPECT_TRUE(p.common.flags.flunk_on_failure);
  EXPECT_FALSE(p.common.flags.halt_on_failure);
  EXPECT_TRUE(p.common.flags.warn_on_warnings);
}

TEST(ShellStep, StringCommandAndEveryParameter) {
  auto p = prepare(
      step("shell",
           {{"command", "\"make test | tee log\""},
            {"workdir", "\"src/%(branch)s\""},
            {"env", R"({"CC": "clang", "PATH": ["/opt/bin", "${PATH}"], "X": null})"},
            {"want_stdout", "false"},
            {"want_stderr", "false"},
            {"logfiles",
             R"({"trial": "_trial_temp/test.log", "f": {"filename": "f.log", "follow": true}})"},
            {"lazy_logfiles", "true"},
            {"use_pty", "true"},
            {"timeout", "60"},
            {"max_time", "3600"},
            {"decode_rc", R"({"0": "SUCCESS", "1": "WARNINGS"})"},
            {"interrupt_signal", "\"SIGTERM\""},
            {"sigterm_time", "5"},
            {"log_environ", "false"},
            {"description", "\"running tests\""},
            {"description_done", R"(["tests", "ran"])"}}));
  const auto& a = p.plan.remote->shell();
  EXPECT_EQ(a.argv_size(), 0);
  EXPECT_EQ(a.shell(), "make test | tee log");
  EXPECT_EQ(a.workdir(), "src/main");
  // LANG from the builder; CC overridden by the step; PATH a list; X unset
  ASSERT_EQ(a.env_size(), 4);
  EXPECT_EQ(a.env(0).name(), "LANG");
  bool saw_cc = false;
  for (const auto& e : a.env()) {
    if (e.name() == "CC") {
      saw_cc = true;
      EXPECT_EQ(e.values(0), "clang");
    }
    if (e.name() == "PATH") {
      EXPECT_TRUE(e.is_list());
      EXPECT_EQ(e.values_size(), 2);
    }
    if (e.name() == "X") {
      EXPECT_TRUE(e.unset());
    }
  }
  EXPECT_TRUE(saw_cc);
  EXPECT_FALSE(a.want_stdout());
  EXPECT_FALSE(a.want_stderr());
  EXPECT_EQ(a.logfiles().at("trial"), "_trial_temp/test.log");
  EXPECT_EQ(a.logfiles().at("f"), "f.log");
  ASSERT_EQ(a.follow_logfiles_size(), 1);
  EXPECT_EQ(a.follow_logfiles(0), "f");
  EXPECT_TRUE(p.plan.lazy_logfiles);
  EXPECT_TRUE(a.use_pty());
  EXPECT_EQ(a.timeout_s(), 60u);
  EXPECT_EQ(a.max_time_s(), 3600u);
  EXPECT_EQ(a.interrupt_signal(), "TERM");
  EXPECT_EQ(a.sigterm_time_s(), 5u);
  EXPECT_FALSE(a.log_environ());
  EXPECT_EQ(p.interpreter->decode_rc.at(1), events::WARNINGS);
  EXPECT_EQ(p.common.description, std::vector<std::string>{"running tests"});
  EXPECT_EQ(p.common.description_done, (std::vector<std::string>{"tests", "ran"}));
}

TEST(ShellStep, BuildbotSpellingsAndLocks) {
  auto p = prepare(step("shell", {{"command", "\"x\""},
                                  {"haltOnFailure", "true"},
                                  {"alwaysRun", "true"},
                                  {"maxTime", "9"},
                                  {"locks", R"(["db"])"}}));
  EXPECT_TRUE(p.common.flags.halt_on_failure);
  EXPECT_TRUE(p.common.always_run);
  EXPECT_EQ(p.plan.remote->shell().max_time_s(), 9u);
  expect_errors(
      step("shell",
           {{"command", "\"x\""}, {"haltOnFailure", "true"}, {"halt_on_failure", "false"}}),
      {"given twice"});
}

TEST(ShellStep, NullTimeoutMeansNone) {
  auto p = prepare(step("shell", {{"command", "\"x\""}, {"timeout", "null"}}));
  EXPECT_EQ(p.plan.remote->shell().timeout_s(), 0u);
}

TEST(ShellStep, DecodeRcDecidesTheResult) {
  auto p = prepare(
      step("shell", {{"command", "\"x\""}, {"decode_rc", R"({"0":"SUCCESS","3":"WARNINGS"})"}}));
  wire::CommandResult r;
  r.set_rc(3);
  auto outcome = p.interpreter->finish(r, props());
  EXPECT_EQ(outcome.result, events::WARNINGS);
  r.set_rc(1);
  EXPECT_EQ(p.interpreter->finish(r, props()).result, events::FAILURE);
  EXPECT_EQ(p.interpreter->finish(r, props()).text.back(), "failed");
}

TEST(ShellStep, ValidationErrors) {
  expect_errors(step("shell"), {"command: is required"});
  expect_errors(step("shell", {{"command", "[]"}}), {"empty list"});
  expect_errors(step("shell", {{"command", "\"date +%a\""}}), {"'%a'", "%%"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"timeout", "\"soon\""}}),
                {"timeout: must be a whole number"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"timeout", "0"}}), {"out of range"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"decode_rc", R"({"x":"SUCCESS"})"}}),
                {"not an exit code"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"decode_rc", R"({"1":"GREAT"})"}}),
                {"must be SUCCESS"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"interrupt_signal", "\"STOPIT\""}}),
                {"not a signal"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"halt_on_failure", "\"yes\""}}),
                {"true or false"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"comand", "\"y\""}}),
                {"comand: is not a parameter", "command"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"do_step_if", "\"branch == 'x'\""}}),
                {"do_step_if", "prop:branch"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"do_step_if", "\"result == 'x'\""}}),
                {"hide_step_if"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"logfiles", R"({"l": 3})"}}), {"logfiles.l"});
  expect_errors(step("shell", {{"command", "\"x\""}, {"env", R"(["A"])"}}), {"env: must be a map"});
  EXPECT_TRUE(validate_step(step("shell", {{"command", "\"echo %(x:-y)s 100%%\""}})).empty());
}

TEST(ShellStep, UnsetPropertyIsAPrepareError) {
  auto prepared =
      prepare_step(step("shell", {{"command", "\"echo %(nope)s\""}}), props(), context());
  ASSERT_FALSE(prepared.has_value());
  EXPECT_NE(prepared.error().front().find("\"nope\""), std::string::npos);
}

TEST(ShellStep, DescribeCommand) {
  EXPECT_EQ(describe_command({{"ls"}, ""}), std::vector<std::string>{"'ls'"});
  EXPECT_EQ(describe_command({{"make", "all"}, ""}), (std::vector<std::string>{"'make", "all'"}));
  EXPECT_EQ(describe_command({{}, "a b c d"}), (std::vector<std::string>{"'a", "b", "...'"}));
}

TEST(ConfigureStep, DefaultsAndHalts) {
  auto p = prepare(step("configure"));
  EXPECT_EQ(p.plan.remote->shell().argv(0), "./configure");
  EXPECT_TRUE(p.common.flags.halt_on_failure);
  EXPECT_EQ(p.common.description, std::vector<std::string>{"configuring"});
  EXPECT_EQ(p.common.description_done, std::vector<std::string>{"configure"});
  auto q = prepare(step("configure", {{"halt_on_failure", "false"}}));
  EXPECT_FALSE(q.common.flags.halt_on_failure);
}

TEST(CompileStep, Defaults) {
  auto p = prepare(step("compile"));
  const auto& a = p.plan.remote->shell();
  ASSERT_EQ(a.argv_size(), 2);
  EXPECT_EQ(a.argv(0), "make");
  EXPECT_EQ(a.argv(1), "all");
  EXPECT_TRUE(p.common.flags.halt_on_failure);
  EXPECT_EQ(p.common.description_done, std::vector<std::string>{"compile"});
}

TEST(CompileStep, ValidationErrors) {
  expect_errors(step("compile", {{"warning_pattern", "\"(unclosed\""}}),
                {"warning_pattern", "not a regular expression"});
  expect_errors(step("compile", {{"suppressions", R"(["no colon here"])"}}), {"suppressions"});
  expect_errors(step("compile", {{"warning_extractor", "\"magic\""}}), {"whole_line"});
  expect_errors(step("compile", {{"max_warn_count", "-1"}}), {"max_warn_count"});
}

TEST(TestStep, DefaultsWarnOnFailure) {
  auto p = prepare(step("test"));
  EXPECT_EQ(p.plan.remote->shell().argv(1), "test");
  EXPECT_TRUE(p.common.flags.warn_on_failure);
  EXPECT_TRUE(p.common.flags.flunk_on_failure);
  EXPECT_FALSE(p.common.flags.halt_on_failure);
}

TEST(SetPropertyStep, PlanAndInterpolation) {
  auto p = prepare(step("set_property",
                        {{"property", "\"tag_%(branch)s\""}, {"value", R"(["v%(release)s", 2])"}}));
  EXPECT_EQ(p.plan.kind, StepPlan::Kind::set_properties);
  EXPECT_FALSE(p.plan.remote.has_value());
  ASSERT_EQ(p.plan.properties.size(), 1u);
  EXPECT_EQ(p.plan.properties[0].name(), "tag_main");
  EXPECT_EQ(p.plan.properties[0].value_json(), R"(["v1.0",2])");
  EXPECT_EQ(p.plan.properties[0].source(), "SetProperty Step");
  auto outcome = p.interpreter->finish_master(MasterActionResult{}, props());
  EXPECT_EQ(outcome.result, events::SUCCESS);
  EXPECT_EQ(outcome.properties.size(), 1u);
  expect_errors(step("set_property", {{"value", "1"}}), {"property: is required"});
  expect_errors(step("set_property", {{"property", "\"x\""}}), {"value: is required"});
}

TEST(SetPropertyFromCommandStep, Validation) {
  expect_errors(step("set_property_from_command", {{"command", "\"uname\""}}),
                {"exactly one of property and extract_fn"});
  expect_errors(
      step("set_property_from_command",
           {{"command", "\"uname\""}, {"property", "\"a\""}, {"extract_fn", "\"(?P<a>.*)\""}}),
      {"exactly one"});
  expect_errors(
      step("set_property_from_command", {{"command", "\"uname\""}, {"extract_fn", "\"(.*)\""}}),
      {"no named group"});
  expect_errors(step("set_property_from_command", {{"property", "\"a\""}}),
                {"command: is required"});
  EXPECT_TRUE(validate_step(step("set_property_from_command",
                                 {{"command", "\"uname\""}, {"property", "\"uname\""}}))
                  .empty());
}

TEST(GitStep, PlanFromSourcestamp) {
  auto p = prepare(step("git", {{"repourl", "\"git://%(branch)s/repo\""},
                                {"mode", "\"full\""},
                                {"method", "\"clobber\""},
                                {"submodules", "true"},
                                {"shallow", "true"},
                                {"retry", "[10, 3]"},
                                {"timeout", "600"}}));
  const auto& g = p.plan.remote->git();
  EXPECT_EQ(g.repourl(), "git://main/repo");
  EXPECT_EQ(g.branch(), "feature");  // the sourcestamp's
  EXPECT_EQ(g.revision(), "abc");
  EXPECT_EQ(g.mode(), "full");
  EXPECT_EQ(g.method(), "clobber");
  EXPECT_TRUE(g.submodules());
  EXPECT_FALSE(g.shallow());  // a revision was asked for
  EXPECT_EQ(g.retry_count(), 3u);
  EXPECT_EQ(g.timeout_s(), 600u);
  EXPECT_EQ(g.workdir(), "build");
  EXPECT_TRUE(p.common.flags.halt_on_failure);
}

TEST(GitStep, LatestAndDefaults) {
  auto p = prepare(
      step("git", {{"repourl", "\"r\""}, {"always_use_latest", "true"}, {"shallow", "true"}}));
  const auto& g = p.plan.remote->git();
  EXPECT_TRUE(g.revision().empty());
  EXPECT_TRUE(g.shallow());
  EXPECT_EQ(g.mode(), "incremental");
  EXPECT_TRUE(g.method().empty());
  auto full = prepare(step("git", {{"repourl", "\"r\""}, {"mode", "\"full\""}}));
  EXPECT_EQ(full.plan.remote->git().method(), "fresh");
  StepContext no_ss;
  auto q = prepare_step(step("git", {{"repourl", "\"r\""}, {"branch", "\"dev\""}}), props(), no_ss);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->plan.remote->git().branch(), "dev");
  auto m = prepare_step(step("git", {{"repourl", "\"r\""}}), props(), no_ss);
  EXPECT_EQ(m->plan.remote->git().branch(), "master");
}

TEST(GitStep, GotRevisionFromValues) {
  auto p = prepare(step("git", {{"repourl", "\"r\""}}));
  wire::CommandResult r;
  (*r.mutable_values())["got_revision"] = "0123abcd";
  auto outcome = p.interpreter->finish(r, props());
  EXPECT_EQ(outcome.result, events::SUCCESS);
  ASSERT_EQ(outcome.properties.size(), 1u);
  EXPECT_EQ(outcome.properties[0].name(), "got_revision");
  EXPECT_EQ(outcome.properties[0].value_json(), "\"0123abcd\"");
  r.set_rc(128);
  EXPECT_EQ(p.interpreter->finish(r, props()).result, events::FAILURE);
}

TEST(GitStep, ValidationErrors) {
  expect_errors(step("git"), {"repourl: is required"});
  expect_errors(step("git", {{"repourl", "\"r\""}, {"mode", "\"update\""}}),
                {"\"incremental\" or \"full\""});
  expect_errors(step("git", {{"repourl", "\"r\""}, {"method", "\"clobber\""}}),
                {"applies to mode full only"});
  expect_errors(step("git", {{"repourl", "\"r\""}, {"mode", "\"full\""}, {"method", "\"nuke\""}}),
                {"clobber, fresh"});
  expect_errors(step("git", {{"repourl", "\"r\""}, {"retry", "\"often\""}}), {"[delay, repeats]"});
}

TEST(FileUploadStep, Plan) {
  auto p = prepare(step("file_upload", {{"slavesrc", "\"dist/app-%(release)s.tgz\""},
                                        {"masterdest", "\"public_html/app.tgz\""},
                                        {"maxsize", "1000"},
                                        {"mode", "\"0644\""},
                                        {"url", "\"http://x/app.tgz\""},
                                        {"keepstamp", "true"}}));
  const auto& u = p.plan.remote->upload_file();
  EXPECT_EQ(u.source(), "dist/app-1.0.tgz");
  EXPECT_EQ(u.workdir(), "build");
  EXPECT_EQ(u.max_size(), 1000u);
  EXPECT_TRUE(u.keep_stamp());
  ASSERT_TRUE(p.plan.transfer.has_value());
  EXPECT_EQ(p.plan.transfer->direction, MasterTransfer::Direction::to_master);
  EXPECT_EQ(p.plan.transfer->master_path, "public_html/app.tgz");
  EXPECT_EQ(p.plan.transfer->mode, 0644u);
  wire::CommandResult ok;
  auto outcome = p.interpreter->finish(ok, props());
  ASSERT_EQ(outcome.urls.size(), 1u);
  EXPECT_EQ(outcome.urls[0].name(), "app.tgz");
  EXPECT_EQ(outcome.urls[0].url(), "http://x/app.tgz");
  wire::CommandResult failed;
  failed.set_outcome(wire::FAILED);
  failed.set_failure_reason("no such file");
  auto bad = p.interpreter->finish(failed, props());
  EXPECT_EQ(bad.result, events::FAILURE);
  EXPECT_EQ(bad.text.back(), "no such file");
  EXPECT_TRUE(bad.urls.empty());
}

TEST(FileUploadStep, ValidationErrors) {
  expect_errors(step("file_upload", {{"masterdest", "\"x\""}}), {"slavesrc: is required"});
  expect_errors(step("file_upload", {{"slavesrc", "\"x\""}}), {"masterdest: is required"});
  expect_errors(
      step("file_upload", {{"slavesrc", "\"x\""}, {"masterdest", "\"y\""}, {"mode", "\"rwx\""}}),
      {"octal"});
  expect_errors(
      step("file_upload", {{"slavesrc", "\"x\""}, {"masterdest", "\"y\""}, {"maxsize", "0"}}),
      {"maxsize"});
}

TEST(FileDownloadStep, Plan) {
  auto p = prepare(step("file_download", {{"mastersrc", "\"conf/%(branch)s.cfg\""},
                                          {"slavedest", "\"app.cfg\""},
                                          {"mode", "755"},
                                          {"workdir", "\"w\""}}));
  const auto& d = p.plan.remote->download_file();
  EXPECT_EQ(d.dest(), "app.cfg");
  EXPECT_EQ(d.workdir(), "w");
  EXPECT_EQ(d.mode(), 0755u);
  EXPECT_EQ(p.plan.transfer->direction, MasterTransfer::Direction::from_master);
  EXPECT_EQ(p.plan.transfer->master_path, "conf/main.cfg");
  EXPECT_FALSE(p.plan.transfer->data.has_value());
  expect_errors(step("file_download", {{"slavedest", "\"x\""}}), {"mastersrc: is required"});
}

TEST(DirectoryUploadStep, Plan) {
  auto p = prepare(step("directory_upload", {{"slavesrc", "\"docs\""},
                                             {"masterdest", "\"~/public_html/docs\""},
                                             {"compress", "\"gz\""}}));
  const auto& u = p.plan.remote->upload_directory();
  EXPECT_EQ(u.source(), "docs");
  EXPECT_TRUE(u.compress_gz());
  EXPECT_EQ(p.plan.transfer->master_path, "~/public_html/docs");
  EXPECT_TRUE(p.plan.transfer->compressed);
  expect_errors(step("directory_upload",
                     {{"slavesrc", "\"d\""}, {"masterdest", "\"m\""}, {"compress", "\"bz2\""}}),
                {"use \"gz\""});
}

TEST(StringDownloadStep, Plan) {
  auto p = prepare(
      step("string_download", {{"s", "\"branch=%(branch)s\\n\""}, {"slavedest", "\"info.txt\""}}));
  const auto& d = p.plan.remote->download_file();
  EXPECT_EQ(d.dest(), "info.txt");
  EXPECT_EQ(d.size(), 12u);
  ASSERT_TRUE(p.plan.transfer->data.has_value());
  EXPECT_EQ(*p.plan.transfer->data, "branch=main\n");
  expect_errors(step("string_download", {{"slavedest", "\"x\""}}), {"s: is required"});
}

TEST(DirectorySteps, Plans) {
  auto r = prepare(step("remove_directory", {{"dir", "\"build\""}}));
  ASSERT_TRUE(r.plan.remote->has_rmdir());
  EXPECT_EQ(r.plan.remote->rmdir().paths(0), "build");
  EXPECT_TRUE(r.plan.remote->rmdir().workdir().empty());
  auto m = prepare(step("make_directory", {{"dir", R"(["out/%(branch)s", "tmp"])"}}));
  ASSERT_TRUE(m.plan.remote->has_mkdir());
  EXPECT_EQ(m.plan.remote->mkdir().paths_size(), 2);
  EXPECT_EQ(m.plan.remote->mkdir().paths(0), "out/main");
  EXPECT_EQ(r.common.description, (std::vector<std::string>{"removing", "build"}));
  auto own = prepare(step("remove_directory", {{"dir", "\"build\""}, {"description", "\"wipe\""}}));
  EXPECT_EQ(own.common.description, std::vector<std::string>{"wipe"});
  EXPECT_EQ(own.common.description_done, std::vector<std::string>{"wipe"});
  expect_errors(step("remove_directory"), {"dir: is required"});
  expect_errors(step("make_directory", {{"dir", "[]"}}), {"empty list"});
}

TEST(MasterShellCommandStep, Plan) {
  auto p = prepare(step("master_shell_command", {{"command", R"(["mv", "a-%(release)s", "b"])"},
                                                 {"workdir", "\"public_html\""},
                                                 {"env", R"({"X": "1"})"}}));
  EXPECT_EQ(p.plan.kind, StepPlan::Kind::master_command);
  ASSERT_TRUE(p.plan.master_command.has_value());
  EXPECT_EQ(p.plan.master_command->argv, (std::vector<std::string>{"mv", "a-1.0", "b"}));
  EXPECT_EQ(p.plan.master_command->workdir, "public_html");
  EXPECT_EQ(p.plan.master_command->env.at("X"), "1");
  MasterActionResult done;
  done.rc = 1;
  EXPECT_EQ(p.interpreter->finish_master(done, props()).result, events::FAILURE);
  done.rc = 0;
  EXPECT_EQ(p.interpreter->finish_master(done, props()).result, events::SUCCESS);
  MasterActionResult cannot;
  cannot.ok = false;
  cannot.error = "no such directory";
  EXPECT_EQ(p.interpreter->finish_master(cannot, props()).text.back(), "no such directory");
  expect_errors(step("master_shell_command"), {"command: is required"});
}

TEST(TriggerStep, Plan) {
  auto p =
      prepare(step("trigger", {{"schedulers", R"(["deploy"])"},
                               {"wait_for_finish", "true"},
                               {"set_properties", R"({"quick": false, "tag": "v%(release)s"})"},
                               {"copy_properties", R"(["release", "unset_one"])"}}));
  EXPECT_EQ(p.plan.kind, StepPlan::Kind::trigger);
  const auto& t = *p.plan.trigger;
  EXPECT_EQ(t.schedulers, std::vector<std::string>{"deploy"});
  EXPECT_TRUE(t.wait_for_finish);
  ASSERT_EQ(t.sourcestamps.size(), 1u);
  EXPECT_EQ(t.sourcestamps[0].revision(), "deadbeef");  // update_sourcestamp: got_revision
  ASSERT_EQ(t.properties.size(), 3u);
  std::map<std::string, std::string> by_name;
  for (const auto& prop : t.properties) {
    by_name[prop.name()] = prop.value_json();
    EXPECT_EQ(prop.source(), "Trigger");
  }
  EXPECT_EQ(by_name["quick"], "false");
  EXPECT_EQ(by_name["tag"], "\"v1.0\"");
  EXPECT_EQ(by_name["release"], "\"1.0\"");
}

TEST(TriggerStep, SourcestampChoicesAndResults) {
  auto same = prepare(step("trigger", {{"schedulers", "\"s\""}, {"update_sourcestamp", "false"}}));
  EXPECT_EQ(same.plan.trigger->sourcestamps[0].revision(), "abc");
  auto latest = prepare(step("trigger", {{"schedulers", "\"s\""}, {"always_use_latest", "true"}}));
  EXPECT_TRUE(latest.plan.trigger->sourcestamps.empty());
  MasterActionResult r;
  r.triggered = {events::SUCCESS, events::WARNINGS};
  EXPECT_EQ(same.interpreter->finish_master(r, props()).result, events::SUCCESS);
  r.triggered = {events::SUCCESS, events::FAILURE};
  EXPECT_EQ(same.interpreter->finish_master(r, props()).result, events::FAILURE);
  r.triggered = {events::FAILURE, events::EXCEPTION};
  EXPECT_EQ(same.interpreter->finish_master(r, props()).result, events::EXCEPTION);
  expect_errors(step("trigger"), {"schedulers: is required"});
  expect_errors(step("trigger", {{"schedulers", "[]"}}), {"names no scheduler"});
}

}  // namespace
}  // namespace eventbot::builds
