// End-to-end figures of a real master in a scratch directory (docs/PERFORMANCE.md):
//
//   bench_master sendchange [N]   N changes through one sendchange connection, each
//                                 acknowledged once durable; then until the scheduler
//                                 has submitted a build request for every one
//   bench_master startup [N]      a log of about N events (changes and the scheduler's
//                                 decisions on them), then the master's start-up time
//                                 (EVENTBOT_SNAPSHOTS=0: without snapshots), started
//                                 twice, then twice more after a change of the
//                                 scheduler's configuration (its snapshot refused once);
//                                 every build request stays pending (no slave)
//   bench_master startup-built [N]  the same, with every request built at once: a
//                                 history of finished builds, nothing pending
//   bench_master poller [N]       N new commits in a real git repository, recorded by
//                                 one poll of the git poller
//
// Prints one Markdown table row per figure. Scratch directories go under
// $EVENTBOT_BENCH_DIR (default /tmp) and are removed afterwards.
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "actors/changes/git_poller.hpp"
#include "actors/master/master.hpp"
#include "actors/port/port_client.hpp"
#include "actors/schedulers/buildset_events.hpp"
#include "actors/schedulers/make_scheduler.hpp"
#include "events/streams.hpp"

namespace fs = std::filesystem;
using namespace eventbot;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPort = 0;  // any free port

fs::path scratch_dir() {
  const char* base = std::getenv("EVENTBOT_BENCH_DIR");
  std::string pattern = (fs::path(base ? base : "/tmp") / "eventbot-bench-master-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

constexpr char kConfig[] = R"(title: bench
master: {id: bench, slave_port: 9989, durability: group}
slaves:
  - {name: s1, password: pass}
change_sources:
  - {type: sendchange, name: sendchange, user: change, password: changepw}
schedulers:
  - {type: single_branch, name: main, branch: main, builders: [runtests]}
builders:
  - name: runtests
    slaves: [s1]
    steps:
      - {type: shell, name: test, command: "true"}
)";

void write_config(const fs::path& dir) {
  std::ofstream(dir / "master.yaml") << kConfig;
}

// The same configuration with the scheduler changed (a property added): its snapshot
// is refused at the next start, and it folds the log again.
void write_changed_config(const fs::path& dir) {
  std::string text = kConfig;
  const std::string scheduler = "builders: [runtests]}";
  text.replace(text.find(scheduler), scheduler.size(),
               "builders: [runtests], properties: {bench: changed}}");
  std::ofstream(dir / "master.yaml") << text;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long max_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Waits until the log holds `n` BuildRequestSubmitted events, reading each event once.
bool wait_for_requests(store::EventLog& log, std::uint64_t n, double timeout_s) {
  auto start = Clock::now();
  std::uint64_t seen = 0, position = 0;
  while (seen < n) {
    auto scanned = log.scan(Sequence(position + 1), Sequence(0), [&](const events::Envelope& e) {
      if (e.has_build_request_submitted()) ++seen;
      return true;
    });
    if (!scanned) return false;
    position = scanned->value();
    if (seconds_since(start) > timeout_s) return false;
    if (seen < n) log.wait_for_head_beyond(Sequence(position), std::chrono::milliseconds(100));
  }
  return true;
}

int bench_sendchange(std::uint64_t n) {
  auto dir = scratch_dir();
  write_config(dir);
  master::MasterOptions options;
  options.dir = dir;
  options.slave_port = kPort;
  auto m = master::Master::start(options);
  if (!m) {
    std::cerr << m.error() << "\n";
    return 1;
  }
  auto client = port::PortClient::connect("127.0.0.1", (*m)->slave_port(), wire::CHANGE_SENDER,
                                          "change", "changepw", std::chrono::seconds(10));
  if (!client) {
    std::cerr << client.error() << "\n";
    return 1;
  }
  auto start = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    wire::Frame frame;
    auto* change = frame.mutable_submit_change()->mutable_change();
    change->set_who("bench");
    change->set_branch("main");
    change->set_revision(std::to_string(i));
    change->add_files("src/file.cpp");
    if (!(*client)->send(frame)) return 1;
    auto answer = (*client)->receive(std::chrono::seconds(10));
    if (!answer || !answer->has_change_recorded()) {
      std::cerr << "change " << i << " not recorded\n";
      return 1;
    }
  }
  double recorded = seconds_since(start);
  // Until the scheduler has submitted a request for every change.
  if (!wait_for_requests((*m)->log(), n, 600)) {
    std::cerr << "the scheduler did not submit every request\n";
    return 1;
  }
  double requested = seconds_since(start);
  std::cout << "| sendchange, one connection, " << n << " changes acknowledged durable | "
            << n / recorded << " changes/s |\n"
            << "| ... until every change has its build request | " << n / requested
            << " changes/s |\n"
            << "| ... master max RSS | " << max_rss_kib() / 1024 << " MiB |\n";
  m->reset();
  fs::remove_all(dir);
  return 0;
}

// Writes about `events` events: changes and the scheduler's decisions on them, as the
// master would have, straight into the store.
// The events of one finished build of request `request` (buildset `buildset`): claimed,
// started, finished, the request and its buildset completed.
store::AppendRequest finished_build(std::uint64_t buildset, std::uint64_t request,
                                    std::uint32_t number) {
  store::AppendRequest out;
  auto add = [&](const std::string& stream) -> events::Envelope& {
    auto& e = out.events.emplace_back();
    e.set_stream(stream);
    e.set_master_id("bench");
    return e;
  };
  auto& claimed = add(streams::build_request(request));
  claimed.mutable_build_request_claimed()->set_request_id(request);
  claimed.mutable_build_request_claimed()->set_builder("runtests");
  auto& started = add(streams::build("runtests", number));
  started.mutable_build_started()->set_builder("runtests");
  started.mutable_build_started()->set_number(number);
  started.mutable_build_started()->add_request_ids(request);
  started.mutable_build_started()->set_slave("s1");
  auto& finished = add(streams::build("runtests", number));
  finished.mutable_build_finished()->set_builder("runtests");
  finished.mutable_build_finished()->set_number(number);
  finished.mutable_build_finished()->set_result(events::SUCCESS);
  auto& completed = add(streams::build_request(request));
  completed.mutable_build_request_completed()->set_request_id(request);
  completed.mutable_build_request_completed()->set_builder("runtests");
  completed.mutable_build_request_completed()->set_build_number(number);
  auto& done = add(streams::buildset(buildset));
  done.mutable_buildset_completed()->set_buildset_id(buildset);
  return out;
}

// With `built`, every request is built at once (a history of finished builds); without,
// every request stays pending (no slave ever attaches).
int fill_log(const fs::path& dir, std::uint64_t events, bool built = false) {
  store::RocksOptions options;
  options.dir = dir / "events";
  options.durability = store::Durability::no_sync;
  auto log = store::RocksEventLog::open(options);
  if (!log) return 1;
  config::SchedulerConfig config;
  config.type = config::SchedulerType::single_branch;
  config.name = "main";
  config.branch = "main";
  config.builders = {"runtests"};
  auto core = schedulers::make_scheduler(config);
  if (!core) return 1;
  std::uint64_t next_buildset = 1, next_request = 1, written = 0;
  auto append = [&](store::AppendRequest request) {
    auto n = request.events.size();
    auto appended = (*log)->append(std::move(request));
    if (!appended) {
      std::cerr << appended.error().message << "\n";
      std::exit(1);
    }
    written += n;
    return *appended;
  };
  auto decide_and_append = [&](const schedulers::DecideResult& decided) {
    if (!decided || decided->empty()) return;
    auto request = schedulers::to_append_request(**core, *decided, next_buildset, next_request);
    next_buildset += decided->buildsets.size();
    for (const auto& b : decided->buildsets) next_request += b.builder_names.size();
    auto appended = append(request);
    for (std::size_t i = 0; i < request.events.size(); ++i) {
      auto& e = request.events[i];
      e.set_sequence(appended.first.value() + i);
      e.set_stream_version(appended.versions[i].value());
      (*core)->evolve(e);
      if (built && e.has_build_request_submitted()) {
        const auto& r = e.build_request_submitted();
        append(finished_build(r.buildset_id(), r.request_id(),
                              static_cast<std::uint32_t>(r.request_id())));
      }
    }
  };
  decide_and_append((*core)->decide(schedulers::Start{1, 0, 0}));
  for (std::uint64_t i = 1; written < events; ++i) {
    store::AppendRequest request;
    auto& e = request.events.emplace_back();
    e.set_stream(streams::changes());
    auto* change = e.mutable_change_added();
    change->set_who("bench");
    change->set_branch("main");
    change->set_revision(std::to_string(i));
    change->add_files("src/file.cpp");
    auto appended = append(request);
    e.set_sequence(appended.first.value());
    e.set_stream_version(appended.versions[0].value());
    e.set_time_us(1);
    (*core)->evolve(e);
    decide_and_append(
        (*core)->decide(schedulers::ConsiderChange{e.stream_version(), *change, e.time_us()}));
  }
  (void)(*log)->flush();
  return 0;
}

int bench_startup(std::uint64_t events, bool built) {
  auto dir = scratch_dir();
  write_config(dir);
  auto fill_start = Clock::now();
  if (fill_log(dir, events, built) != 0) return 1;
  double filled = seconds_since(fill_start);
  std::cout << "| writing a log of " << events << " events ("
            << (built ? "every request built" : "every request pending") << ") | " << filled
            << " s |\n";
  const char* const rounds[] = {"first start", "second start",
                                "after a change of the scheduler's configuration",
                                "the start after that"};
  for (int round = 0; round < 4; ++round) {
    if (round == 2) write_changed_config(dir);
    master::MasterOptions options;
    options.dir = dir;
    options.slave_port = kPort;
    auto start = Clock::now();
    auto m = master::Master::start(options);
    if (!m) {
      std::cerr << m.error() << "\n";
      return 1;
    }
    double started = seconds_since(start);
    std::cout << "| master start-up over " << events << " events, " << rounds[round] << " | "
              << started << " s |\n";
    m->reset();
  }
  std::cout << "| ... max RSS | " << max_rss_kib() / 1024 << " MiB |\n";
  fs::remove_all(dir);
  return 0;
}

// Runs a shell command line (the benchmark's own fixture setup); exits on failure.
void shell(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    std::cerr << "failed: " << command << "\n";
    std::exit(1);
  }
}

int bench_poller(std::uint64_t n) {
  auto dir = scratch_dir();
  auto repo = dir / "repo";
  const std::string git =
      "git -c user.name=bench -c user.email=bench@example.org -C " + repo.string();
  shell("git -c init.defaultBranch=master init -q " + repo.string());
  shell(git + " commit -q --allow-empty -m initial");

  store::RocksOptions options;
  options.dir = dir / "events";
  auto log = store::RocksEventLog::open(options);
  if (!log) return 1;
  config::ChangeSourceConfig config;
  config.type = config::ChangeSourceType::git_poller;
  config.name = "bench";
  config.repository = repo.string();
  config.branches = {"master"};
  changes::GitRepository repository(repo.string(), dir / "mirror");
  auto poll = [&]() -> std::uint64_t {
    changes::GitPollerCore core(config);
    auto folded = (*log)->read_stream(streams::change_source("bench"), StreamVersion(1), 1'000'000);
    if (!folded) std::exit(1);
    for (const auto& e : *folded) core.evolve(e);
    auto request = changes::poll_once(repository, core);
    if (!request) {
      std::cerr << request.error() << "\n";
      std::exit(1);
    }
    auto n_events = request->events.size();
    if (n_events && !(*log)->append(std::move(*request))) std::exit(1);
    return n_events;
  };
  poll();  // the first poll records the branch's position
  // N commits, each touching one file, written in one go by git fast-import.
  auto stream = dir / "import";
  {
    std::ofstream out(stream);
    for (std::uint64_t i = 1; i <= n; ++i) {
      auto content = "line " + std::to_string(i) + "\n";
      out << "commit refs/heads/master\ncommitter bench <bench@example.org> " << 1600000000 + i
          << " +0000\ndata <<EOT\ncommit " << i << "\nEOT\n";
      if (i == 1) out << "from refs/heads/master^0\n";
      out << "M 644 inline src/file" << (i % 50) << ".txt\ndata " << content.size() << "\n"
          << content << "\n";
    }
  }
  shell(git + " fast-import --quiet < " + stream.string());
  auto start = Clock::now();
  auto events = poll();
  double took = seconds_since(start);
  std::cout << "| git poller, one poll of " << n << " new commits (" << events - 1
            << " changes recorded) | " << n / took << " changes/s (" << took << " s) |\n";
  log->reset();
  fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string what = argc > 1 ? argv[1] : "";
  std::uint64_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 0;
  if (what == "sendchange") return bench_sendchange(n ? n : 1000);
  if (what == "startup") return bench_startup(n ? n : 1'000'000, false);
  if (what == "startup-built") return bench_startup(n ? n : 1'000'000, true);
  if (what == "poller") return bench_poller(n ? n : 1000);
  std::cerr
      << "usage: bench_master sendchange [N] | startup [N] | startup-built [N] | poller [N]\n";
  return 2;
}
