// The distributor's decision with a long queue: DistributorCore::decide() with N build
// requests pending over 4 builders and one slave, when the slave is free (one build to
// pick) and when it is busy (nothing to start, as after every event while a queue
// waits). The master calls decide() after every batch of events it folds, so this is
// what a long queue costs each event. Figures: docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <map>

#include "actors/builders/distributor_core.hpp"
#include "events/streams.hpp"

namespace {

using namespace eventbot;
using events::Envelope;

constexpr int kBuilders = 4;

config::MasterConfig make_config() {
  config::MasterConfig c;
  config::SlaveConfig slave;
  slave.name = "s1";
  slave.max_builds = 1;
  c.slaves = {slave};
  for (int i = 0; i < kBuilders; ++i) {
    config::BuilderConfig b;
    b.name = "b" + std::to_string(i);
    b.slaves = {"s1"};
    b.builddir = b.name;
    c.builders.push_back(b);
  }
  c.collapse_requests = false;
  return c;
}

// Folds events into the core with sequences and stream versions as the store gives them.
class Feeder {
 public:
  explicit Feeder(builders::DistributorCore& core) : core_(core) {}
  void fold(Envelope e) {
    e.set_sequence(++head_);
    e.set_stream_version(++versions_[e.stream()]);
    e.set_time_us(static_cast<std::int64_t>(head_) * 1000);
    e.set_master_id("m1");
    core_.evolve(e);
  }

 private:
  builders::DistributorCore& core_;
  std::uint64_t head_ = 0;
  std::map<std::string, std::uint64_t> versions_;
};

// A core with the slave attached and `pending` requests queued, one buildset each.
std::unique_ptr<builders::DistributorCore> queued_core(const config::MasterConfig& config,
                                                       std::int64_t pending, bool slave_busy) {
  auto core = std::make_unique<builders::DistributorCore>(config, "m1");
  Feeder feed(*core);
  Envelope attached;
  attached.set_stream(streams::slave("s1"));
  attached.mutable_slave_attached()->set_slave("s1");
  attached.mutable_slave_attached()->set_master_id("m1");
  feed.fold(attached);
  for (std::int64_t i = 1; i <= pending; ++i) {
    const auto id = static_cast<std::uint64_t>(i);
    const auto builder = "b" + std::to_string(i % kBuilders);
    Envelope bs;
    bs.set_stream(streams::buildset(id));
    auto* b = bs.mutable_buildset_submitted();
    b->set_buildset_id(id);
    b->set_reason("bench");
    b->add_builder_names(builder);
    b->add_build_request_ids(id);
    auto* stamp = b->add_sourcestamps();
    stamp->set_branch("main");
    stamp->set_revision(std::to_string(i));
    feed.fold(bs);
    Envelope r;
    r.set_stream(streams::build_request(id));
    auto* rs = r.mutable_build_request_submitted();
    rs->set_request_id(id);
    rs->set_buildset_id(id);
    rs->set_builder(builder);
    feed.fold(r);
  }
  if (slave_busy) {
    Envelope started;
    started.set_stream(streams::build("other", 1));
    started.mutable_build_started()->set_builder("other");
    started.mutable_build_started()->set_number(1);
    started.mutable_build_started()->set_slave("s1");
    feed.fold(started);
  }
  return core;
}

void decide_with_queue(benchmark::State& state, bool slave_busy) {
  const auto config = make_config();
  auto core = queued_core(config, state.range(0), slave_busy);
  builders::Random random(1);
  std::int64_t started = 0;
  for (auto _ : state) {
    auto starts = core->decide(random);
    started += static_cast<std::int64_t>(starts.size());
    benchmark::DoNotOptimize(starts);
  }
  if (started != (slave_busy ? 0 : state.iterations())) state.SkipWithError("unexpected decision");
  state.counters["pending"] = static_cast<double>(state.range(0));
}

void BM_DecideSlaveFree(benchmark::State& state) {
  decide_with_queue(state, false);
}
void BM_DecideSlaveBusy(benchmark::State& state) {
  decide_with_queue(state, true);
}

BENCHMARK(BM_DecideSlaveFree)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(5000)
    ->Arg(25000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecideSlaveBusy)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(5000)
    ->Arg(25000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
