// The live updates' pure parts: path patterns, the client protocol, the per-client
// coalescing queue, and the mapping of events to (key, message).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "events/streams.hpp"
#include "gateway/live/client_queue.hpp"
#include "gateway/live/path_pattern.hpp"
#include "gateway/live/protocol.hpp"
#include "gateway/live/update_mapper.hpp"
#include "tests/gateway/gateway_events.hpp"

namespace eventbot::gateway::live {
namespace {

using nlohmann::json;

TEST(LivePathTest, StarsMatchOneWholePart) {
  EXPECT_TRUE(matches("builds/*/new", "builds/12/new"));
  EXPECT_TRUE(matches("builds/*/steps/*/finished", "builds/3/steps/196611/finished"));
  EXPECT_TRUE(matches("*/*/*", "logs/7/append"));
  EXPECT_FALSE(matches("builds/*/new", "builds/12/finished"));
  EXPECT_FALSE(matches("builds/*/new", "builds/12/new/more"));
  EXPECT_FALSE(matches("builds/*", "builds/12/new"));
  EXPECT_FALSE(matches("builds/*/new", "builders/1/builds/12/new"));
  EXPECT_FALSE(matches("builds/12/new", "builds/121/new"));
}

TEST(LivePathTest, OnlyPlainPartsOrStarsArePatterns) {
  EXPECT_TRUE(valid_pattern("builders/*/builds/*/new"));
  EXPECT_TRUE(valid_pattern("logs/*/append"));
  EXPECT_FALSE(valid_pattern(""));
  EXPECT_FALSE(valid_pattern("/builds/*/new"));
  EXPECT_FALSE(valid_pattern("builds//new"));
  EXPECT_FALSE(valid_pattern("builds/1*/new"));
  EXPECT_FALSE(valid_pattern("builds/*/new\n"));
  EXPECT_FALSE(valid_pattern("a/b/c/d/e/f/g/h/i/j/k/l/m"));
  EXPECT_FALSE(valid_pattern(std::string(300, 'a')));
}

TEST(LiveProtocolTest, CommandsAreReadAsBuildbotsClientSendsThem) {
  auto start = parse_command(R"({"cmd":"startConsuming","path":"builds/*/new","_id":1})");
  ASSERT_TRUE(start);
  EXPECT_EQ(start->kind, Command::Kind::start);
  EXPECT_EQ(start->path, "builds/*/new");
  EXPECT_EQ(start->id, json(1));
  EXPECT_FALSE(start->from);
  auto resume =
      parse_command(R"({"cmd":"startConsuming","path":"logs/*/append","_id":"a","from":42})");
  ASSERT_TRUE(resume);
  EXPECT_EQ(resume->from, 42u);
  auto ping = parse_command(R"({"cmd":"ping","_id":7})");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->kind, Command::Kind::ping);
  EXPECT_EQ(json::parse(pong_text(ping->id)), json({{"msg", "pong"}, {"code", 200}, {"_id", 7}}));
  EXPECT_EQ(json::parse(ok_text(json(1))), json({{"msg", "OK"}, {"code", 200}, {"_id", 1}}));
}

TEST(LiveProtocolTest, BadCommandsAreErrorsThatKeepTheirId) {
  EXPECT_FALSE(parse_command("not json"));
  EXPECT_FALSE(parse_command("[1,2]"));
  auto unknown = parse_command(R"({"cmd":"explode","_id":3})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().id, json(3));
  EXPECT_FALSE(parse_command(R"({"cmd":"startConsuming","_id":3})"));
  EXPECT_FALSE(parse_command(R"({"cmd":"startConsuming","path":"a//b","_id":3})"));
  EXPECT_FALSE(parse_command(R"({"cmd":"startConsuming","path":"a/*","from":-1})"));
  EXPECT_FALSE(parse_command(R"({"cmd":"startConsuming","path":"a/*","from":"5"})"));
  EXPECT_FALSE(parse_command(R"({"cmd":"ping","_id":[1]})"));
  auto error = json::parse(error_text(json(3), 400, "bad"));
  EXPECT_EQ(error["_id"], 3);
  EXPECT_EQ(error["code"], 400);
}

TEST(LiveProtocolTest, PushesAndServerSentEventsCarryKeyAndMessage) {
  EXPECT_EQ(json::parse(push_text("builds/1/new", {{"buildid", 1}})),
            json({{"k", "builds/1/new"}, {"m", {{"buildid", 1}}}}));
  EXPECT_EQ(sse_text("builds/1/new", {{"buildid", 1}}, 9),
            "id: 9\nevent: builds/1/new\ndata: {\"buildid\":1}\n\n");
  EXPECT_EQ(behind_message(12), json({{"seq", 12}}));
}

Update entity(std::string key, int value, std::uint64_t sequence) {
  Update u;
  u.key = std::move(key);
  u.message = {{"value", value}};
  u.sequence = sequence;
  u.bytes = 20;
  return u;
}

Update append(std::string key, std::uint64_t offset, std::string content, std::uint64_t sequence) {
  Update u;
  u.key = std::move(key);
  u.message = {{"logid", 1}, {"offset", offset}, {"content", content}};
  u.sequence = sequence;
  u.chunk = ChunkRef{"log/x/1/1/stdio", sequence};
  u.bytes = 40 + content.size();
  return u;
}

TEST(LiveQueueTest, AnEntitysLatestMessageReplacesThePendingOneInItsPlace) {
  ClientQueue queue;
  ASSERT_TRUE(queue.offer(entity("builds/1/new", 1, 1)));
  ASSERT_TRUE(queue.offer(entity("builds/2/new", 2, 2)));
  ASSERT_TRUE(queue.offer(entity("builds/1/new", 3, 3)));
  auto taken = queue.take();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].key, "builds/1/new");
  EXPECT_EQ(taken[0].message["value"], 3);
  EXPECT_EQ(taken[1].key, "builds/2/new");
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

TEST(LiveQueueTest, ALogsAppendsAreJoinedWhileTheirBytesFollowOneAnother) {
  ClientQueue queue;
  ASSERT_TRUE(queue.offer(append("logs/1/append", 0, "line 1\n", 5)));
  ASSERT_TRUE(queue.offer(append("logs/1/append", 7, "line 2\n", 6)));
  ASSERT_TRUE(queue.offer(append("logs/1/append", 14, "li", 7)));
  // Not following: kept apart, nothing lost.
  ASSERT_TRUE(queue.offer(append("logs/1/append", 100, "x", 8)));
  auto taken = queue.take();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].message["content"], "line 1\nline 2\nli");
  EXPECT_EQ(taken[0].message["offset"], 0);
  EXPECT_EQ(taken[0].sequence, 7u);
  EXPECT_EQ(taken[1].message["content"], "x");
}

TEST(LiveQueueTest, WhatWouldPassTheLimitsIsRefusedWhole) {
  ClientQueue queue(QueueLimits{2, 100});
  ASSERT_TRUE(queue.offer(entity("a/1/new", 1, 1)));
  ASSERT_TRUE(queue.offer(entity("a/2/new", 1, 2)));
  EXPECT_FALSE(queue.offer(entity("a/3/new", 1, 3)));  // a third entry
  EXPECT_TRUE(queue.offer(entity("a/1/new", 2, 4)));   // a replacement still fits
  EXPECT_EQ(queue.size(), 2u);
  ClientQueue bytes(QueueLimits{10, 100});
  ASSERT_TRUE(bytes.offer(append("logs/1/append", 0, std::string(50, 'x'), 1)));
  EXPECT_FALSE(bytes.offer(append("logs/1/append", 50, std::string(20, 'y'), 2)));
  auto taken = bytes.take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].message["content"], std::string(50, 'x'));  // nothing of the refused
}

class LiveMapperTest : public ::testing::Test {
 protected:
  std::vector<Update> feed(const events::Envelope& e) {
    model.evolve(e);
    return mapper.map(e, model, source);
  }
  static std::vector<std::string> keys(const std::vector<Update>& updates) {
    std::vector<std::string> out;
    for (const auto& u : updates) out.push_back(u.key);
    return out;
  }

  test::EventMaker make;
  readmodel::ReadModel model;
  UpdateMapper mapper;
  DetailSource source;
};

TEST_F(LiveMapperTest, ABuildsLifeGivesItsKeysWithTheEntitiesAsTheApiGivesThem) {
  feed(make.master_started());
  auto change = feed(make.change(1, "alice", "main"));
  EXPECT_EQ(keys(change), std::vector<std::string>{"changes/1/new"});
  EXPECT_EQ(change[0].message["author"], "alice");
  EXPECT_EQ(keys(feed(make.buildset(1, "r"))), std::vector<std::string>{"buildsets/1/new"});
  auto request = feed(make.request(5, 1, "linux"));
  EXPECT_EQ(keys(request),
            (std::vector<std::string>{"buildrequests/5/new", "builders/1/buildrequests/5/new"}));
  EXPECT_EQ(request[0].message["buildrequestid"], 5);
  feed(make.claimed(5, "linux"));
  auto started = feed(make.started("linux", 0, 5));
  EXPECT_EQ(keys(started), (std::vector<std::string>{"builds/1/new", "builders/1/builds/1/new"}));
  EXPECT_EQ(started[0].message["buildid"], 1);
  EXPECT_EQ(started[0].message["complete"], false);
  EXPECT_EQ(started[0].sequence, model.folded());
  auto step = feed(make.step_started("linux", 0, 1, "compile"));
  const auto stepid = std::to_string((1u << 16) | 1u);
  EXPECT_EQ(keys(step), (std::vector<std::string>{"builds/1/steps/" + stepid + "/new",
                                                  "steps/" + stepid + "/new"}));
  EXPECT_EQ(step[0].message["name"], "compile");
  auto log = feed(make.log_opened("linux", 0, 1, "stdio"));
  const auto logid = std::to_string((1u << 24) | (1u << 8));
  EXPECT_EQ(keys(log), (std::vector<std::string>{"logs/" + logid + "/new",
                                                 "steps/" + stepid + "/logs/" + logid + "/new"}));
  auto chunk_event = make.next(streams::log("linux", 0, 1, "stdio"));
  chunk_event.set_stream_version(3);
  chunk_event.mutable_log_chunk()->set_offset(120);
  auto chunk = feed(chunk_event);
  ASSERT_EQ(keys(chunk),
            (std::vector<std::string>{"logs/" + logid + "/append",
                                      "steps/" + stepid + "/logs/" + logid + "/append"}));
  ASSERT_TRUE(chunk[0].chunk);
  EXPECT_EQ(chunk[0].chunk->stream, streams::log("linux", 0, 1, "stdio"));
  EXPECT_EQ(chunk[0].chunk->chunk, 3u);
  EXPECT_EQ(chunk[0].message["offset"], 120);
  EXPECT_EQ(chunk[0].message["logid"], std::stoull(logid));
  auto step_done = feed(make.step_finished("linux", 0, 1, events::SUCCESS));
  EXPECT_EQ(keys(step_done)[1], "steps/" + stepid + "/finished");
  EXPECT_EQ(step_done[0].message["results"], 0);
  auto done = feed(make.finished("linux", 0, events::FAILURE));
  EXPECT_EQ(keys(done),
            (std::vector<std::string>{"builds/1/finished", "builders/1/builds/1/finished"}));
  EXPECT_EQ(done[0].message["results"], 2);
  EXPECT_EQ(done[0].message["complete"], true);
  EXPECT_EQ(mapper.followed_builds(), 0u);  // a finished build is forgotten
  EXPECT_EQ(keys(feed(make.completed(5, "linux", 0, events::FAILURE)))[0],
            "buildrequests/5/complete");
}

TEST_F(LiveMapperTest, ABuildMetInItsMiddleIsReadOnceFromItsStream) {
  // The fold saw the build start; the mapper did not (nobody listened then).
  std::vector<events::Envelope> stream = {make.started("linux", 0, 5),
                                          make.step_started("linux", 0, 1, "compile"),
                                          make.log_opened("linux", 0, 1, "stdio")};
  for (const auto& e : stream) model.evolve(e);
  int reads = 0;
  source = [&](const std::string& builder,
               std::uint32_t number) -> std::optional<readmodel::BuildDetail> {
    ++reads;
    readmodel::BuildDetail detail(builder, number);
    for (const auto& e : stream) detail.evolve(e);
    return detail;
  };
  auto chunk_event = make.next(streams::log("linux", 0, 1, "stdio"));
  chunk_event.set_stream_version(1);
  chunk_event.mutable_log_chunk()->set_offset(0);
  EXPECT_EQ(feed(chunk_event).size(), 2u);
  auto again = make.next(streams::log("linux", 0, 1, "stdio"));
  again.set_stream_version(2);
  again.mutable_log_chunk()->set_offset(10);
  EXPECT_EQ(feed(again).size(), 2u);
  EXPECT_EQ(reads, 1);
  // Unreadable: no updates rather than wrong ids.
  source = [](const std::string&, std::uint32_t) { return std::nullopt; };
  mapper.reset();
  auto third = make.next(streams::log("linux", 0, 1, "stdio"));
  third.set_stream_version(3);
  EXPECT_TRUE(feed(third).empty());
}

TEST_F(LiveMapperTest, WorkersAndMastersSayWhenTheyComeAndGo) {
  EXPECT_EQ(keys(feed(make.master_started())), std::vector<std::string>{"masters/1/started"});
  auto attached = feed(make.attached("s1"));
  EXPECT_EQ(keys(attached), std::vector<std::string>{"workers/1/connected"});
  EXPECT_EQ(attached[0].message["name"], "s1");
  EXPECT_EQ(keys(feed(make.detached("s1"))), std::vector<std::string>{"workers/1/disconnected"});
}

}  // namespace
}  // namespace eventbot::gateway::live
