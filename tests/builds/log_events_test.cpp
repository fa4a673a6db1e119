// A step's log events (log_events.hpp): opened at the first output, chunks at their
// offsets with the update's seq, closed with their totals; the logs a step makes at its
// end; stored chunks given back as the outputs they were.
#include "actors/builds/log_events.hpp"

#include <gtest/gtest.h>

#include "events/streams.hpp"

namespace eventbot::builds {
namespace {

const StepRef kStep{"linux", 7, 2};

wire::Output output(wire::OutputKind kind, const std::string& data, const std::string& log = "") {
  wire::Output o;
  o.set_kind(kind);
  o.set_data(data);
  o.set_log_name(log);
  return o;
}

TEST(LogEvents, TheFirstOutputOpensTheLogAndEachPieceIsAChunkAtItsOffset) {
  StepLogs logs;
  std::vector<events::Envelope> out;
  logs.add_output(kStep, output(wire::STDOUT, "hello\n"), 1, out);
  logs.add_output(kStep, output(wire::STDERR, "oops\n"), 2, out);
  ASSERT_EQ(out.size(), 3u);
  ASSERT_TRUE(out[0].has_log_opened());
  EXPECT_TRUE(out[0].stream().empty());  // on the build's stream: the actor stamps it
  EXPECT_EQ(out[0].log_opened().builder(), "linux");
  EXPECT_EQ(out[0].log_opened().build_number(), 7u);
  EXPECT_EQ(out[0].log_opened().step_index(), 2u);
  EXPECT_EQ(out[0].log_opened().name(), "stdio");
  const auto stream = streams::log("linux", 7, 2, "stdio");
  ASSERT_TRUE(out[1].has_log_chunk());
  EXPECT_EQ(out[1].stream(), stream);
  EXPECT_EQ(out[1].log_chunk().channel(), events::STDOUT);
  EXPECT_EQ(out[1].log_chunk().data(), "hello\n");
  EXPECT_EQ(out[1].log_chunk().offset(), 0u);
  EXPECT_EQ(out[1].log_chunk().size(), 6u);
  EXPECT_EQ(out[1].log_chunk().command_seq(), 1u);
  EXPECT_EQ(out[2].log_chunk().channel(), events::STDERR);
  EXPECT_EQ(out[2].log_chunk().offset(), 6u);
  EXPECT_EQ(out[2].log_chunk().command_seq(), 2u);

  out.clear();
  logs.close(out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].has_log_closed());
  EXPECT_EQ(out[0].stream(), stream);
  EXPECT_EQ(out[0].log_closed().total_bytes(), 11u);
  EXPECT_EQ(out[0].log_closed().chunks(), 2u);
  EXPECT_TRUE(logs.empty());
  out.clear();
  logs.close(out);
  EXPECT_TRUE(out.empty());
}

TEST(LogEvents, ALogfileHasItsOwnLogAndEmptyOutputOnlyOpensIt) {
  StepLogs logs;
  std::vector<events::Envelope> out;
  logs.add_output(kStep, output(wire::LOGFILE, "", "test.log"), 3, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].log_opened().name(), "test.log");
  logs.add_output(kStep, output(wire::LOGFILE, "abc", "test.log"), 4, out);
  logs.add_output(kStep, output(wire::HEADER, "$ make\n"), 4, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1].stream(), streams::log("linux", 7, 2, "test.log"));
  EXPECT_EQ(out[1].log_chunk().offset(), 0u);
  EXPECT_EQ(out[1].log_chunk().channel(), events::STDOUT);
  EXPECT_EQ(out[2].log_opened().name(), "stdio");
  EXPECT_EQ(out[3].log_chunk().channel(), events::HEADER);
  EXPECT_EQ(out[3].log_chunk().offset(), 0u);
  out.clear();
  logs.close(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].stream(), streams::log("linux", 7, 2, "stdio"));
  EXPECT_EQ(out[1].stream(), streams::log("linux", 7, 2, "test.log"));
  EXPECT_EQ(out[1].log_closed().total_bytes(), 3u);
  EXPECT_EQ(out[1].log_closed().chunks(), 1u);
}

TEST(LogEvents, ARestoredLogGoesOnWhereItStoodAndIsNotOpenedAgain) {
  StepLogs logs;
  auto& log = logs.restore("stdio", streams::log("linux", 7, 2, "stdio"));
  log.bytes = 10;
  log.chunks = 3;
  std::vector<events::Envelope> out;
  logs.add_output(kStep, output(wire::STDOUT, "more"), 9, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].log_chunk().offset(), 10u);
  out.clear();
  logs.close(out);
  EXPECT_EQ(out[0].log_closed().total_bytes(), 14u);
  EXPECT_EQ(out[0].log_closed().chunks(), 4u);
}

TEST(LogEvents, StoredChunksAreGivenBackAsTheOutputsTheyWere) {
  auto o = stored_output("stdio", events::STDERR, "e");
  EXPECT_EQ(o.kind(), wire::STDERR);
  EXPECT_EQ(o.log_name(), "");
  EXPECT_EQ(o.data(), "e");
  EXPECT_EQ(stored_output("stdio", events::HEADER, "h").kind(), wire::HEADER);
  EXPECT_EQ(stored_output("stdio", events::STDOUT, "o").kind(), wire::STDOUT);
  auto file = stored_output("test.log", events::STDOUT, "f");
  EXPECT_EQ(file.kind(), wire::LOGFILE);
  EXPECT_EQ(file.log_name(), "test.log");
  EXPECT_EQ(log_name(file), "test.log");
  EXPECT_EQ(log_name(o), "stdio");
}

TEST(LogEvents, AFinishedStepsOwnLogsComeBeforeItsStepFinishedAndItsProperties) {
  StepDone done;
  done.finished.set_step_index(2);
  done.finished.set_result(events::WARNINGS);
  done.logs = {{"warnings", "a.c:1: warning\n"}, {"empty", ""}};
  events::BuildPropertiesSet properties;
  properties.add_properties()->set_name("warnings-count");
  done.properties = properties;
  auto events = step_done_events("linux", 7, done);
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0].log_opened().name(), "warnings");
  EXPECT_EQ(events[0].log_opened().step_index(), 2u);
  EXPECT_EQ(events[1].stream(), streams::log("linux", 7, 2, "warnings"));
  EXPECT_EQ(events[1].log_chunk().data(), "a.c:1: warning\n");
  EXPECT_EQ(events[1].log_chunk().size(), 15u);
  EXPECT_EQ(events[2].log_closed().total_bytes(), 15u);
  EXPECT_EQ(events[2].log_closed().chunks(), 1u);
  EXPECT_EQ(events[3].log_opened().name(), "empty");
  ASSERT_TRUE(events[4].has_log_closed());  // no chunk for an empty log
  EXPECT_EQ(events[4].log_closed().chunks(), 0u);
  ASSERT_TRUE(events[5].has_step_finished());
  EXPECT_EQ(events[5].step_finished().result(), events::WARNINGS);
  ASSERT_TRUE(events[6].has_build_properties_set());

  StepDone plain;
  plain.finished.set_step_index(0);
  auto only = step_done_events("linux", 7, plain);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_TRUE(only[0].has_step_finished());
}

}  // namespace
}  // namespace eventbot::builds
