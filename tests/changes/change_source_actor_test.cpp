// The change-source actor around a git poller: it polls at start and on its timer,
// appends to a real store, and a new actor (a restart) resumes from the log.
#include "actors/master/change_source_actor.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <fstream>

#include "actors/changes/git_poller.hpp"
#include "events/streams.hpp"
#include "store/rocks_event_log.hpp"
#include "tests/changes/source_repo.hpp"
#include "tests/support/wait_until.hpp"

namespace eventbot::master {
namespace {

using testing::SourceRepo;
using testing::TempDir;
using testing::wait_until;

constexpr std::int64_t kT0 = 1'700'000'000;

std::uint64_t version_of(store::EventLog& log, const std::string& stream) {
  auto version = log.stream_version(stream);
  return version ? version->value() : 0;
}

// Runs one change-source actor in its own actor system for the length of `body`.
template <class Body>
void with_actor(const config::ChangeSourceConfig& config, const ChangeSourceContext& context,
                Body&& body) {
  caf::actor_system_config system_config;
  caf::actor_system system{system_config};
  auto actor = system.spawn<caf::detached>(change_source_actor, config, context);
  body(actor);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
}

TEST(ChangeSourceActor, PollsOnItsTimerAndResumesFromTheLog) {
  SourceRepo repo;
  repo.commit({{"README", "r"}}, "Root", kT0);
  TempDir dir;
  store::RocksOptions options;
  options.dir = dir / "events";
  auto opened = store::RocksEventLog::open(options);
  ASSERT_TRUE(opened);
  auto& log = **opened;

  config::ChangeSourceConfig config;
  config.type = config::ChangeSourceType::git_poller;
  config.name = "proj";
  config.repository = repo.path().string();
  config.poll_interval = 1;
  const ChangeSourceContext context{&log, "m1", dir.path()};
  const auto positions = streams::change_source("proj");

  std::string first;
  with_actor(config, context, [&](const caf::actor&) {
    // The poll at start records the position.
    ASSERT_TRUE(wait_until([&] { return version_of(log, positions) == 1; }));
    first = repo.commit({{"a", "1"}}, "First", kT0 + 10);
    // The timer's next poll records the change.
    ASSERT_TRUE(wait_until([&] { return version_of(log, streams::changes()) == 1; }));
  });
  EXPECT_TRUE(std::filesystem::exists(changes::git_poller_workdir(config, dir.path()) / "HEAD"));

  // Restarted with a long interval: it resumes from the log, polls at start, and polls
  // again when told to.
  auto second = repo.commit({{"a", "2"}}, "Second", kT0 + 20);
  config.poll_interval = 3600;
  with_actor(config, context, [&](const caf::actor& actor) {
    ASSERT_TRUE(wait_until([&] { return version_of(log, streams::changes()) == 2; }));
    repo.commit({{"a", "3"}}, "Third", kT0 + 30);
    caf::anon_send(actor, poll_atom::value);
    ASSERT_TRUE(wait_until([&] { return version_of(log, streams::changes()) == 3; }));
  });

  auto changes = log.read_stream(streams::changes(), StreamVersion(1), 100);
  ASSERT_TRUE(changes);
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ((*changes)[0].change_added().revision(), first);
  EXPECT_EQ((*changes)[1].change_added().revision(), second);
  EXPECT_EQ((*changes)[2].change_added().comments(), "Third");
  for (const auto& change : *changes) EXPECT_EQ(change.master_id(), "m1");
  // Positions: the first poll, First, the restart's first poll with Second, Third.
  EXPECT_EQ(version_of(log, positions), 4u);
}

// A mirror an earlier version named after the poller (the repository URL, token and
// all, when the poller had no name) is moved to its hashed name and keeps working: the
// poll after the move fetches into it, and the token is in no directory name.
TEST(ChangeSourceActor, AMirrorNamedAfterTheUrlIsMovedToItsHashedName) {
  SourceRepo repo;
  repo.commit({{"README", "r"}}, "Root", kT0);
  TempDir dir;
  config::ChangeSourceConfig config;
  config.type = config::ChangeSourceType::git_poller;
  config.repository = repo.path().string();
  config.name = config.repository;
  // The old layout: DIR/gitpoller-<name>, a bare mirror with a marker in it.
  const auto legacy = dir / ("gitpoller-" + streams::encode_part(config.name));
  std::filesystem::create_directories(legacy);
  repo.git({"init", "--bare", "--quiet", legacy.string()}, SourceRepo::kDefaultTime, {}, false);
  std::ofstream(legacy / "marker") << "kept";

  const auto workdir = changes::prepare_git_poller_workdir(config, dir.path());
  EXPECT_EQ(workdir, changes::git_poller_workdir(config, dir.path()));
  EXPECT_FALSE(std::filesystem::exists(legacy)) << "the old directory is still there";
  EXPECT_TRUE(std::filesystem::exists(workdir / "marker")) << "the mirror was not moved";
  changes::GitRepository repository(config.repository, workdir);
  auto fetched = repository.fetch();
  ASSERT_TRUE(fetched) << fetched.error();
  auto heads = repository.branch_heads();
  ASSERT_TRUE(heads) << heads.error();
  EXPECT_EQ(heads->size(), 1u);
  // Called again (the next start), it leaves the mirror where it is.
  EXPECT_EQ(changes::prepare_git_poller_workdir(config, dir.path()), workdir);
  EXPECT_TRUE(std::filesystem::exists(workdir / "marker"));
}

}  // namespace
}  // namespace eventbot::master
