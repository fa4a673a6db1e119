// The IRC bot's answers and announcements (the manual's words.IRC), over plain status
// snapshots: no server, no master.
#include "actors/status/irc/bot_core.hpp"

#include <gtest/gtest.h>

namespace eventbot::status::irc {
namespace {

constexpr std::int64_t kMinute = 60'000'000;

BotOptions options(bool allow_force = false) {
  BotOptions o;
  o.nick = "eventbot";
  o.channels = {"#builds"};
  o.default_notify = {"failure"};
  o.allow_force = allow_force;
  o.use_colors = false;
  o.version = "1.2.3";
  o.url = "http://ci.example.org/";
  return o;
}

StatusView view() {
  StatusView v;
  v.now_us = 100 * kMinute;
  BuilderStatus runtests;
  runtests.name = "runtests";
  runtests.online = true;
  BuildSummary last;
  last.number = 6;
  last.result = "failure";
  last.text = {"failed", "test"};
  last.finished_us = 95 * kMinute;
  runtests.last = last;
  BuildSummary running;
  running.number = 7;
  running.current_step = "compile";
  running.started_us = 97 * kMinute;
  runtests.running = {running};
  BuilderStatus docs;
  docs.name = "docs";
  v.builders = {runtests, docs};
  return v;
}

std::vector<Say> says(const std::vector<Action>& actions) {
  std::vector<Say> out;
  for (const auto& action : actions) {
    if (auto* say = std::get_if<Say>(&action)) out.push_back(*say);
  }
  return out;
}

TEST(IrcBot, AnswersOnlyWhatIsAddressedToItInAChannelAndEverythingInPrivate) {
  BotCore bot(options());
  EXPECT_TRUE(bot.on_message("alice", "#builds", "status all", view()).empty())
      << "not addressed to the bot";
  EXPECT_TRUE(bot.on_message("alice", "#builds", "eventbotx: status", view()).empty());
  auto in_channel = says(bot.on_message("alice", "#builds", "EventBot: list builders", view()));
  ASSERT_EQ(in_channel.size(), 1u);
  EXPECT_EQ(in_channel[0], (Say{"#builds", "Configured builders: runtests, docs [offline]"}));
  auto in_private = says(bot.on_message("alice", "eventbot", "list builders", view()));
  ASSERT_EQ(in_private.size(), 1u);
  EXPECT_EQ(in_private[0].target, "alice") << "a private question is answered in private";
  EXPECT_TRUE(bot.on_message("eventbot", "eventbot", "list builders", view()).empty())
      << "never answers itself";
}

TEST(IrcBot, StatusAndLastDescribeWhatTheBuildersDo) {
  BotCore bot(options());
  auto status = says(bot.on_message("alice", "eventbot", "status", view()));
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].text, "runtests: running #7 [compile], 3m 0s");
  EXPECT_EQ(status[1].text, "docs: offline");
  auto last = says(bot.on_message("alice", "eventbot", "last runtests", view()));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].text, "last build [runtests]: #6 finished 5m 0s ago: Failure [failed test]");
  auto none = says(bot.on_message("alice", "eventbot", "last docs", view()));
  EXPECT_EQ(none.at(0).text, "last build [docs]: (no builds yet)");
  auto unknown = says(bot.on_message("alice", "eventbot", "status nosuch", view()));
  EXPECT_EQ(unknown.at(0).text, "no such builder 'nosuch'");
}

TEST(IrcBot, NotifyFollowsTheChannelsDefaultsAndItsCommands) {
  BotCore bot(options());
  EXPECT_EQ(bot.notified("#builds"), (std::set<std::string>{"failure"}));
  auto on = says(
      bot.on_message("alice", "#builds", "eventbot: notify on started successToFailure", view()));
  EXPECT_EQ(on.at(0).text,
            "The following events are being notified: failure, started, "
            "successToFailure");
  auto bad = says(bot.on_message("alice", "#builds", "eventbot: notify on explode", view()));
  EXPECT_EQ(bad.at(0).text, "no such event 'explode' (try 'help notify')");
  EXPECT_EQ(bot.notified("#builds").size(), 3u) << "a refused command changes nothing";
  bot.on_message("bob", "eventbot", "notify on finished", view());
  EXPECT_EQ(bot.notified("bob"), (std::set<std::string>{"finished"}))
      << "asked in private: told in private";

  BuildSummary started;
  started.number = 8;
  EXPECT_EQ(says(bot.on_build_started("runtests", {}, started)),
            (std::vector<Say>{{"#builds", "build #8 of runtests started"}}));

  BuildSummary failed;
  failed.number = 8;
  failed.result = "failure";
  failed.text = {"failed", "test"};
  failed.url = "http://ci.example.org/#/builders/1/builds/8";
  auto told = says(bot.on_build_finished("runtests", {}, failed, "success"));
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0], (Say{"#builds",
                          "build #8 of runtests is complete: Failure [failed test]  "
                          "Build details are at "
                          "http://ci.example.org/#/builders/1/builds/8"}))
      << "failure and successToFailure both match: one line";
  EXPECT_EQ(told[1].target, "bob");

  bot.on_message("alice", "#builds", "eventbot: notify off failure successToFailure finished",
                 view());
  BuildSummary passed;
  passed.number = 9;
  passed.result = "success";
  EXPECT_TRUE(says(bot.on_build_finished("runtests", {}, passed, "failure")).size() == 1u)
      << "only bob (finished) is told";
}

TEST(IrcBot, WatchTellsOnceWhenTheRunningBuildEnds) {
  BotCore bot(options());
  auto watching = says(bot.on_message("alice", "#builds", "eventbot: watch runtests", view()));
  EXPECT_EQ(watching.at(0).text, "watching build #7 of runtests until it finishes");
  auto idle = says(bot.on_message("alice", "#builds", "eventbot: watch docs", view()));
  EXPECT_EQ(idle.at(0).text, "there are no builds currently running");
  BuildSummary done;
  done.number = 7;
  done.result = "success";
  auto told = says(bot.on_build_finished("runtests", {}, done, "failure"));
  ASSERT_EQ(told.size(), 1u) << "#builds notifies failures only; the watch tells";
  EXPECT_EQ(told[0], (Say{"#builds", "Hey! build #7 of runtests is complete: Success"}));
  EXPECT_TRUE(says(bot.on_build_finished("runtests", {}, done, "failure")).empty())
      << "a watch ends with its build";
}

TEST(IrcBot, ForceAndStopOnlyWhenAllowedAndWithTheirArguments) {
  BotCore refusing(options(false));
  auto refused = says(refusing.on_message("alice", "eventbot", "force build runtests why", view()));
  EXPECT_EQ(refused.at(0).text, "this bot does not force builds");

  BotCore bot(options(true));
  auto actions = bot.on_message(
      "alice", "#builds",
      "eventbot: force build --branch=main --revision=abc123 --props=a=1,b=x=y runtests fix it",
      view());
  ASSERT_EQ(actions.size(), 1u);
  auto* force = std::get_if<ForceBuild>(&actions[0]);
  ASSERT_TRUE(force);
  EXPECT_EQ(force->builder, "runtests");
  EXPECT_EQ(force->who, "alice");
  EXPECT_EQ(force->reason, "fix it");
  EXPECT_EQ(force->branch, "main");
  EXPECT_EQ(force->revision, "abc123");
  EXPECT_EQ(force->properties,
            (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "x=y"}}));
  EXPECT_EQ(force->reply_to, "#builds");

  EXPECT_EQ(says(bot.on_message("alice", "eventbot", "force build nosuch why", view())).at(0).text,
            "no such builder 'nosuch'");
  EXPECT_EQ(says(bot.on_message("alice", "eventbot", "force build runtests", view())).at(0).text,
            "force build runtests why?");
  EXPECT_EQ(says(bot.on_message("alice", "eventbot", "force build --props=x runtests y", view()))
                .at(0)
                .text,
            "--props takes NAME=VALUE pairs, not 'x'");

  auto stop = bot.on_message("bob", "eventbot", "stop build runtests broken commit", view());
  ASSERT_EQ(stop.size(), 1u);
  EXPECT_EQ(std::get<StopBuild>(stop[0]), (StopBuild{"runtests", "bob", "broken commit", "bob"}));
  EXPECT_EQ(says(bot.on_message("bob", "eventbot", "stop build docs why", view())).at(0).text,
            "no build is running on docs");
}

TEST(IrcBot, JoinLeaveAndTheSmallCommands) {
  BotCore bot(options());
  EXPECT_EQ(bot.connected(), (std::vector<Action>{Join{"#builds"}}));
  auto join = bot.on_message("alice", "eventbot", "join #release", view());
  EXPECT_EQ(join.at(0), Action(Join{"#release"}));
  EXPECT_TRUE(bot.channels().contains("#release"));
  EXPECT_EQ(bot.connected(), (std::vector<Action>{Join{"#builds"}, Join{"#release"}}))
      << "a reconnection joins the channels joined by command too";
  auto leave = bot.on_message("alice", "eventbot", "leave #release", view());
  EXPECT_EQ(leave.back(), Action(Part{"#release"}));
  EXPECT_FALSE(bot.channels().contains("#release"));

  EXPECT_EQ(says(bot.on_message("a", "eventbot", "version", view())).at(0).text,
            "The current Eventbot version is 1.2.3");
  EXPECT_EQ(says(bot.on_message("a", "eventbot", "source", view())).at(0).text,
            "My pages are at http://ci.example.org/");
  EXPECT_EQ(says(bot.on_message("a", "eventbot", "dance", view())).size(), 4u);
  EXPECT_EQ(says(bot.on_message("a", "eventbot", "help commands", view())).at(0).text,
            "Eventbot commands: dance, help, join, last, leave, list, notify, source, status, "
            "version, watch")
      << "force and stop are not offered when not allowed";
  EXPECT_EQ(says(bot.on_message("a", "eventbot", "frobnicate", view())).at(0).text,
            "What you say! (try 'help commands')");
}

TEST(IrcBot, ErrorsAreNoticesInChannelsWhenConfiguredAndColoursFollowTheResult) {
  auto o = options();
  o.notice_on_channel = true;
  o.use_colors = true;
  BotCore bot(o);
  auto error = says(bot.on_message("a", "#builds", "eventbot: frobnicate", view()));
  EXPECT_TRUE(error.at(0).notice);
  auto in_private = says(bot.on_message("a", "eventbot", "frobnicate", view()));
  EXPECT_FALSE(in_private.at(0).notice);
  BuildSummary failed;
  failed.number = 3;
  failed.result = "failure";
  auto told = says(bot.on_build_finished("runtests", {}, failed, std::nullopt));
  EXPECT_EQ(told.at(0).text,
            "build #3 of runtests is complete: \x03"
            "04Failure\x0f");
}

TEST(IrcBot, CategoriesLimitTheAnnouncementsAndRevisionsCanNameTheBuild) {
  auto o = options();
  o.categories = {"release"};
  o.use_revisions = true;
  BotCore bot(o);
  BuildSummary failed;
  failed.number = 3;
  failed.result = "failure";
  failed.revisions = {"0123456789abcdef", "fedcba9876543210"};
  EXPECT_TRUE(says(bot.on_build_finished("nightly", {"nightly"}, failed, std::nullopt)).empty());
  auto told = says(bot.on_build_finished("release", {"release"}, failed, std::nullopt));
  EXPECT_EQ(told.at(0).text,
            "build containing revisions [0123456, fedcba9] on release is complete: Failure");
}

TEST(IrcBot, DurationsAreShortAndNeverNegative) {
  EXPECT_EQ(describe_duration(45'000'000), "45s");
  EXPECT_EQ(describe_duration(192'000'000), "3m 12s");
  EXPECT_EQ(describe_duration(7'380'000'000), "2h 3m");
  EXPECT_EQ(describe_duration(-5), "0s");
}

}  // namespace
}  // namespace eventbot::status::irc
