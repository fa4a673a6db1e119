// `log` (a step's raw bytes, --tail, --follow, the steps listed without STEP) and what
// `builds` shows of logs and got_revision, in-process, on a store in a temp dir that this
// test writes as the master does: LogOpened, LogChunk events carrying bytes, LogClosed.
#include "replay/log_command.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "events/streams.hpp"
#include "replay/builds_command.hpp"
#include "replay/open_store.hpp"
#include "replay/state_command.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/support/temp_dir.hpp"

namespace eventbot::replay {
namespace {

using events::Envelope;
using nlohmann::json;
using namespace std::chrono_literals;

struct Output {
  int code = -1;
  std::string out;
  std::string err;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class LogCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    store::RocksOptions options;
    options.dir = dir_.path();
    auto opened = store::RocksEventLog::open(options);
    ASSERT_TRUE(opened) << opened.error().message;
    writer_ = std::move(*opened);
  }

  void append(std::vector<Envelope> events) {
    store::AppendRequest request;
    for (auto& e : events) {
      e.set_master_id("m1");
      request.events.push_back(std::move(e));
    }
    auto appended = writer_->append(request);
    ASSERT_TRUE(appended) << appended.error().message;
  }

  Envelope on_build(std::uint32_t number = 1) {
    Envelope e;
    e.set_stream(streams::build("runtests", number));
    return e;
  }

  void start_build() {
    Envelope e = on_build();
    e.mutable_build_started()->set_builder("runtests");
    e.mutable_build_started()->set_number(1);
    e.mutable_build_started()->set_slave("linux-1");
    append({e});
  }

  void start_step(std::uint32_t index, const std::string& name) {
    Envelope e = on_build();
    auto* s = e.mutable_step_started();
    s->set_builder("runtests");
    s->set_build_number(1);
    s->set_step_index(index);
    s->set_name(name);
    append({e});
  }

  void open_log(std::uint32_t step, const std::string& name) {
    Envelope e = on_build();
    auto* o = e.mutable_log_opened();
    o->set_builder("runtests");
    o->set_build_number(1);
    o->set_step_index(step);
    o->set_name(name);
    append({e});
    offsets_[streams::log("runtests", 1, step, name)] = 0;
  }

  void chunk(std::uint32_t step, const std::string& name, events::LogChannel channel,
             const std::string& data) {
    const auto stream = streams::log("runtests", 1, step, name);
    Envelope e;
    e.set_stream(stream);
    auto* c = e.mutable_log_chunk();
    c->set_channel(channel);
    c->set_data(data);
    c->set_offset(offsets_[stream]);
    c->set_size(static_cast<std::uint32_t>(data.size()));
    offsets_[stream] += data.size();
    append({e});
  }

  void close_log(std::uint32_t step, const std::string& name) {
    Envelope e;
    e.set_stream(streams::log("runtests", 1, step, name));
    e.mutable_log_closed()->set_total_bytes(offsets_[e.stream()]);
    append({e});
  }

  void got_revision(const std::string& revision) {
    Envelope e = on_build();
    auto* p = e.mutable_build_properties_set();
    p->set_builder("runtests");
    p->set_build_number(1);
    auto* property = p->add_properties();
    property->set_name("got_revision");
    property->set_value_json(json(revision).dump());
    property->set_source("Git");
    append({e});
  }

  // runtests #1: step 0 "compile" with a stdio log on every channel (closed), step 1 "test"
  // with stdio and results.xml, running.
  void write_build() {
    start_build();
    start_step(0, "compile");
    open_log(0, "stdio");
    chunk(0, "stdio", events::HEADER, "argv: make\n");
    chunk(0, "stdio", events::STDOUT, "line 1\nline 2\n");
    chunk(0, "stdio", events::STDERR, "warning: \xFF raw byte\n");
    chunk(0, "stdio", events::STDOUT, "line 3");
    close_log(0, "stdio");
    got_revision("0123abcd");
    start_step(1, "test");
    open_log(1, "stdio");
    chunk(1, "stdio", events::STDOUT, "running tests\n");
    open_log(1, "results.xml");
    chunk(1, "results.xml", events::STDOUT, "<testsuite/>\n");
  }

  std::unique_ptr<store::RocksEventLog> reader() {
    auto opened = open_store_for_reading(dir_.path());
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  Output log(LogOptions options) {
    options.builder = options.builder.empty() ? "runtests" : options.builder;
    auto r = reader();
    std::ostringstream out, err;
    Output result;
    result.code = run_log(*r, options, out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
  }

  LogOptions step(const std::string& which, const std::string& name = "") {
    LogOptions options;
    options.number = 1;
    options.step = which;
    options.log = name;
    return options;
  }

  eventbot::testing::TempDir dir_{"eventbot-replay-log"};
  std::unique_ptr<store::RocksEventLog> writer_;
  std::map<std::string, std::uint64_t> offsets_;
};

const std::string kCompileLog = "argv: make\nline 1\nline 2\nwarning: \xFF raw byte\nline 3";

TEST_F(LogCommand, PrintsEveryChannelOfAStepLogAsRawBytes) {
  write_build();
  auto by_index = log(step("0"));
  EXPECT_EQ(by_index.code, 0) << by_index.err;
  EXPECT_EQ(by_index.out, kCompileLog);  // the 0xFF byte passes untouched
  auto by_name = log(step("compile", "stdio"));
  EXPECT_EQ(by_name.out, kCompileLog);
  EXPECT_EQ(log(step("test", "results.xml")).out, "<testsuite/>\n");
  EXPECT_EQ(log(step("1")).out, "running tests\n");  // stdio first when there is one
}

TEST_F(LogCommand, TailPrintsTheLastLines) {
  write_build();
  auto options = step("compile");
  options.tail = 2;
  EXPECT_EQ(log(options).out, "warning: \xFF raw byte\nline 3");
  options.tail = 100;
  EXPECT_EQ(log(options).out, kCompileLog);
  EXPECT_EQ(last_lines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(last_lines("a\nb\nc\n", 0), "");
  EXPECT_EQ(last_lines("single", 3), "single");
}

TEST_F(LogCommand, WithoutAStepListsTheStepsAndTheirLogs) {
  write_build();
  auto listed = log(step(""));
  EXPECT_EQ(listed.code, 0) << listed.err;
  EXPECT_TRUE(contains(
      listed.out, "0  compile  running  stdio (" + std::to_string(kCompileLog.size()) + " bytes)"))
      << listed.out;
  EXPECT_TRUE(contains(listed.out,
                       "1  test  running  stdio (14 bytes, open)  results.xml (13 "
                       "bytes, open)"))
      << listed.out;
}

TEST_F(LogCommand, UnknownStepsLogsAndBuildsAreNamedInTheError) {
  write_build();
  auto no_step = log(step("link"));
  EXPECT_EQ(no_step.code, 1);
  EXPECT_TRUE(contains(no_step.err, "has no step 'link'; its steps: 0 (compile) 1 (test)"))
      << no_step.err;
  // An index past 64 bits is a name like any other, not a crash.
  auto huge = log(step("99999999999999999999999"));
  EXPECT_EQ(huge.code, 1);
  EXPECT_TRUE(contains(huge.err, "has no step '99999999999999999999999'")) << huge.err;
  auto no_log = log(step("test", "coverage"));
  EXPECT_EQ(no_log.code, 1);
  EXPECT_TRUE(contains(no_log.err, "has no log 'coverage'; its logs: stdio results.xml"))
      << no_log.err;
  auto options = step("0");
  options.number = 7;
  auto no_build = log(options);
  EXPECT_EQ(no_build.code, 1);
  EXPECT_TRUE(contains(no_build.err, "no build runtests #7")) << no_build.err;
}

TEST_F(LogCommand, FollowPrintsWhatArrivesUntilTheLogIsClosed) {
  write_build();
  auto options = step("test");
  options.follow = true;
  options.poll_interval = 10ms;
  std::ostringstream out, err;
  auto r = reader();
  options.builder = "runtests";
  auto following = std::async(std::launch::async, [&] { return run_log(*r, options, out, err); });
  // Written while the reader follows; the future cannot finish before the log is closed.
  chunk(1, "stdio", events::STDOUT, "test 1 ok\n");
  chunk(1, "stdio", events::STDERR, "test 2 failed\n");
  EXPECT_NE(following.wait_for(50ms), std::future_status::ready);
  close_log(1, "stdio");
  if (following.wait_for(30s) != std::future_status::ready) {
    // Unblock the reader before failing: the build's end stops --follow too.
    Envelope finished = on_build();
    finished.mutable_build_finished()->set_builder("runtests");
    finished.mutable_build_finished()->set_number(1);
    append({finished});
    following.wait();
    FAIL() << "--follow did not stop when the log was closed";
  }
  EXPECT_EQ(following.get(), 0) << err.str();
  EXPECT_EQ(out.str(), "running tests\ntest 1 ok\ntest 2 failed\n");
}

TEST_F(LogCommand, BuildsShowsGotRevisionAndEachStepsLogs) {
  write_build();
  auto r = reader();
  std::ostringstream out, err;
  ASSERT_EQ(run_builds(*r, {"runtests", false}, out, err), 0) << err.str();
  EXPECT_TRUE(contains(out.str(), "got_revision: 0123abcd")) << out.str();
  EXPECT_TRUE(contains(out.str(), "logs: stdio (14 bytes, open) results.xml (13 bytes, open)"))
      << out.str();
  std::ostringstream as_json;
  ASSERT_EQ(run_builds(*r, {"runtests", true}, as_json, err), 0) << err.str();
  auto build = json::parse(as_json.str());
  EXPECT_EQ(build["got_revision"], "0123abcd");
  EXPECT_EQ(build["steps"][0]["logs"][0],
            (json{{"name", "stdio"}, {"bytes", kCompileLog.size()}, {"complete", true}}));
}

TEST_F(LogCommand, StateAtNowIsTheHead) {
  write_build();
  auto r = reader();
  std::ostringstream now, head, err;
  ASSERT_EQ(run_state(*r, {"now", true}, now, err), 0) << err.str();
  ASSERT_EQ(run_state(*r, {std::to_string(r->head().value()), true}, head, err), 0) << err.str();
  EXPECT_EQ(json::parse(now.str()), json::parse(head.str()));
  EXPECT_EQ(json::parse(now.str())["at_sequence"], r->head().value());
}

}  // namespace
}  // namespace eventbot::replay
